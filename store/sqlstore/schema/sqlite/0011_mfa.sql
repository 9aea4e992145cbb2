-- Second factors (issue 14): a TOTP secret per person, recovery codes
-- (only their SHA-256), passkeys; and where each session stands with the
-- second factor ('' done or not needed, 'pending', 'enrol') with the
-- authentication methods it went through (space-separated RFC 8176 names).

ALTER TABLE sessions ADD COLUMN mfa TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';

-- The acr_values an OpenID Connect client asked for (space-separated).
ALTER TABLE oidc_auth_requests ADD COLUMN acr_values TEXT NOT NULL DEFAULT '';

-- confirmed_at is NULL while the secret waits for its first code.
-- last_step is the time step of the last accepted code (replay protection).
CREATE TABLE mfa_totp (
	person_id    INTEGER PRIMARY KEY,
	secret       TEXT NOT NULL,
	last_step    INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL,
	confirmed_at INTEGER
);

CREATE TABLE mfa_recovery_codes (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	person_id  INTEGER NOT NULL,
	hash       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	used_at    INTEGER
);
CREATE UNIQUE INDEX mfa_recovery_codes_person_hash ON mfa_recovery_codes (person_id, hash);

-- id and public_key are base64url; data is the WebAuthn library's record (JSON).
CREATE TABLE mfa_webauthn (
	id           TEXT PRIMARY KEY,
	person_id    INTEGER NOT NULL,
	public_key   TEXT NOT NULL,
	sign_count   INTEGER NOT NULL DEFAULT 0,
	name         TEXT NOT NULL,
	data         TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER
);
CREATE INDEX mfa_webauthn_person ON mfa_webauthn (person_id);
