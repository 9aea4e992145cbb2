-- jedenlogin schema, SQLite dialect. Times are INTEGER Unix nanoseconds (UTC).

CREATE TABLE store_meta (
	id           INTEGER PRIMARY KEY CHECK (id = 1),
	change_count INTEGER NOT NULL
);
INSERT INTO store_meta (id, change_count) VALUES (1, 0);

CREATE TABLE entities (
	id        TEXT PRIMARY KEY,
	name      TEXT NOT NULL,
	kind      TEXT NOT NULL DEFAULT '',
	parent_id TEXT NOT NULL DEFAULT ''
);

CREATE TABLE persons (
	id                 INTEGER PRIMARY KEY,
	person_key         TEXT NOT NULL,
	consolidation_case TEXT NOT NULL,
	state              TEXT NOT NULL,
	unified_login_id   INTEGER,
	generated_login_id INTEGER,
	has_account        INTEGER NOT NULL DEFAULT 0,
	acc_first_name     TEXT NOT NULL DEFAULT '',
	acc_second_name    TEXT NOT NULL DEFAULT '',
	acc_last_name      TEXT NOT NULL DEFAULT '',
	acc_pesel          TEXT NOT NULL DEFAULT '',
	acc_email          TEXT NOT NULL DEFAULT '',
	acc_phone          TEXT NOT NULL DEFAULT '',
	operator           INTEGER NOT NULL DEFAULT 0,
	consolidated_at    INTEGER,
	created_at         INTEGER NOT NULL
);
CREATE UNIQUE INDEX persons_key ON persons (person_key);

CREATE TABLE logins (
	id                  INTEGER PRIMARY KEY,
	person_id           INTEGER NOT NULL REFERENCES persons (id),
	name                TEXT NOT NULL,
	name_folded         TEXT NOT NULL,
	password_hash       TEXT NOT NULL DEFAULT '',
	state               TEXT NOT NULL,
	origin              TEXT NOT NULL,
	first_name          TEXT NOT NULL DEFAULT '',
	second_name         TEXT NOT NULL DEFAULT '',
	last_name           TEXT NOT NULL DEFAULT '',
	pesel               TEXT NOT NULL DEFAULT '',
	email               TEXT NOT NULL DEFAULT '',
	phone               TEXT NOT NULL DEFAULT '',
	accepted_at         INTEGER,
	last_login_at       INTEGER,
	password_changed_at INTEGER,
	merged_into         INTEGER,
	state_before_merge  TEXT NOT NULL DEFAULT '',
	merged_at           INTEGER,
	created_at          INTEGER NOT NULL
);
CREATE UNIQUE INDEX logins_name ON logins (name);
CREATE INDEX logins_name_folded ON logins (name_folded);
CREATE INDEX logins_person ON logins (person_id);
-- Backstop for ReserveLogin: generated logins never collide ignoring case.
CREATE UNIQUE INDEX logins_generated_folded ON logins (name_folded) WHERE origin = 'generated';

CREATE TABLE grants (
	id              INTEGER PRIMARY KEY,
	login_id        INTEGER NOT NULL REFERENCES logins (id),
	entity_id       TEXT NOT NULL REFERENCES entities (id),
	grant_function  TEXT NOT NULL,
	scopes          TEXT NOT NULL DEFAULT '',
	valid_from      INTEGER,
	valid_to        INTEGER,
	revoked_at      INTEGER,
	revoke_reason   TEXT NOT NULL DEFAULT '',
	origin_login_id INTEGER NOT NULL REFERENCES logins (id),
	merged_into     INTEGER,
	created_at      INTEGER NOT NULL
);
CREATE INDEX grants_login ON grants (login_id);
CREATE INDEX grants_origin_login ON grants (origin_login_id);
CREATE INDEX grants_entity ON grants (entity_id);

CREATE TABLE audit_events (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	at        INTEGER NOT NULL,
	action    TEXT NOT NULL,
	actor     TEXT NOT NULL DEFAULT '',
	person_id INTEGER,
	subject   TEXT NOT NULL DEFAULT '',
	address   TEXT NOT NULL DEFAULT '',
	outcome   TEXT NOT NULL DEFAULT '',
	details   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_person ON audit_events (person_id);
CREATE INDEX audit_events_actor ON audit_events (actor);
CREATE INDEX audit_events_subject ON audit_events (subject);
CREATE INDEX audit_events_action ON audit_events (action);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
	SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
	SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TABLE sessions (
	id_hash      TEXT PRIMARY KEY,
	login_id     INTEGER NOT NULL,
	person_id    INTEGER NOT NULL,
	csrf_token   TEXT NOT NULL,
	entity_id    TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_person ON sessions (person_id);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE throttles (
	throttle_key  TEXT PRIMARY KEY,
	failures      INTEGER NOT NULL,
	window_start  INTEGER NOT NULL,
	blocked_until INTEGER
);
