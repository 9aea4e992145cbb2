-- Notice campaigns (jedenlogin notify): one row per campaign and person,
-- written BEFORE the notice is handed to the mail system (state claimed,
-- with the Message-ID it will carry) and confirmed after (sent). The
-- primary key is what makes a campaign send at most one notice per person.

CREATE TABLE notice_sends (
	campaign    TEXT COLLATE "C" NOT NULL,
	person_id   BIGINT NOT NULL REFERENCES persons (id),
	state       TEXT NOT NULL,
	message_id  TEXT NOT NULL,
	email       TEXT NOT NULL,
	notice_case TEXT NOT NULL,
	at          TIMESTAMPTZ NOT NULL,
	error       TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (campaign, person_id)
);
