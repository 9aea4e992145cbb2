-- Operator-only API tokens (issue 12): scripts call the console's JSON API
-- (/api/v1/admin/*) with "Authorization: Bearer <token>". Only the token's
-- SHA-256 is kept. A name is never reused (it is the actor in the audit
-- log), so revoked tokens stay.

CREATE TABLE admin_tokens (
	name         TEXT PRIMARY KEY,
	hash         TEXT NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER,
	revoked_at   INTEGER,
	last_used_at INTEGER
);
