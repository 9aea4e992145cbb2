-- Account self-service: one-time tokens (e-mail verification, login and
-- password recovery, activation). Only the hash of a token's secret is stored.

CREATE TABLE tokens (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	kind       TEXT NOT NULL,
	hash       TEXT NOT NULL,
	person_id  INTEGER NOT NULL DEFAULT 0,
	login_id   INTEGER NOT NULL DEFAULT 0,
	data       TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER,
	failures   INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX tokens_hash ON tokens (hash);
CREATE INDEX tokens_person_kind ON tokens (person_id, kind);
CREATE INDEX tokens_expires ON tokens (expires_at);
