-- OpenID Connect Back-Channel Logout: which client holds which jedenlogin
-- session (and the entity it acts for there), and the durable queue of
-- logout tokens still to deliver, which every instance works off.

CREATE TABLE oidc_links (
	session_id_hash TEXT COLLATE "C" NOT NULL,
	client_id       TEXT COLLATE "C" NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
	person_id       BIGINT NOT NULL,
	login_id        BIGINT NOT NULL,
	entity_id       TEXT NOT NULL DEFAULT '',
	created_at      TIMESTAMPTZ NOT NULL,
	expires_at      TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (session_id_hash, client_id)
);
CREATE INDEX oidc_links_person ON oidc_links (person_id, entity_id);
CREATE INDEX oidc_links_expires ON oidc_links (expires_at);

CREATE TABLE oidc_logouts (
	id         TEXT COLLATE "C" PRIMARY KEY,  -- the logout token's jti
	client_id  TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
	person_id  BIGINT NOT NULL,
	sid        TEXT NOT NULL,
	reason     TEXT NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	next_at    TIMESTAMPTZ NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX oidc_logouts_next ON oidc_logouts (next_at);

CREATE INDEX oidc_tokens_session ON oidc_tokens (session_id_hash);

-- E-mail addresses a person confirmed by a link jedenlogin sent (contact
-- change): the OpenID Connect claim email_verified. Imported addresses
-- were never confirmed and have no row.
CREATE TABLE verified_emails (
	person_id   BIGINT NOT NULL,
	email       TEXT COLLATE "C" NOT NULL,
	verified_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (person_id, email)
);
