-- The durable mail outbox: every e-mail, rendered, written in the
-- transaction of the change that causes it and delivered by the workers of
-- any instance (Store.ClaimMail, FOR UPDATE SKIP LOCKED). message_id is made
-- once and kept for every attempt. A claimed message's next_attempt_at is
-- the end of its claim's lease, after which another worker may take it.
-- last_error never holds the body.

CREATE TABLE outbox (
	id              BIGSERIAL PRIMARY KEY,
	message_id      TEXT COLLATE "C" NOT NULL,
	kind            TEXT NOT NULL,
	recipient       TEXT NOT NULL,
	subject         TEXT NOT NULL,
	text_body       TEXT NOT NULL,
	html_body       TEXT NOT NULL DEFAULT '',
	state           TEXT COLLATE "C" NOT NULL DEFAULT 'queued',
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TIMESTAMPTZ NOT NULL,
	claim           TEXT COLLATE "C" NOT NULL DEFAULT '',
	created_at      TIMESTAMPTZ NOT NULL,
	sent_at         TIMESTAMPTZ,
	last_error      TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX outbox_message_id ON outbox (message_id);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
