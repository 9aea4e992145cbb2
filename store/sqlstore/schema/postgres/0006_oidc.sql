-- The OpenID Connect provider (package oidc): registered clients, signing
-- keys, authorization requests between the authorize endpoint and the code
-- exchange, and access and refresh tokens (only their hashes). Everything
-- lives here so that every instance behind the load balancer serves one
-- issuer.

CREATE TABLE oidc_clients (
	id                        TEXT COLLATE "C" PRIMARY KEY,
	name                      TEXT NOT NULL,
	secret_hash               TEXT NOT NULL DEFAULT '',
	public                    BOOLEAN NOT NULL DEFAULT FALSE,
	redirect_uris             TEXT NOT NULL,  -- JSON array
	post_logout_redirect_uris TEXT NOT NULL,  -- JSON array
	backchannel_logout_uri    TEXT NOT NULL DEFAULT '',
	signing_alg               TEXT NOT NULL,
	created_at                TIMESTAMPTZ NOT NULL
);

-- A key signs while retire_at is NULL; afterwards it stays in the JWKS
-- until retire_at, when every token it signed has expired.
CREATE TABLE oidc_keys (
	id          TEXT COLLATE "C" PRIMARY KEY,
	alg         TEXT NOT NULL,
	private_key TEXT NOT NULL,
	created_at  TIMESTAMPTZ NOT NULL,
	retire_at   TIMESTAMPTZ
);

CREATE TABLE oidc_auth_requests (
	id                    TEXT COLLATE "C" PRIMARY KEY,
	client_id             TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
	redirect_uri          TEXT NOT NULL,
	scopes                TEXT NOT NULL,  -- space-separated
	state                 TEXT NOT NULL DEFAULT '',
	nonce                 TEXT NOT NULL DEFAULT '',
	response_type         TEXT NOT NULL,
	response_mode         TEXT NOT NULL DEFAULT '',
	code_challenge        TEXT NOT NULL DEFAULT '',
	code_challenge_method TEXT NOT NULL DEFAULT '',
	prompt                TEXT NOT NULL DEFAULT '',  -- space-separated
	max_age               BIGINT,
	login_hint            TEXT NOT NULL DEFAULT '',
	created_at            TIMESTAMPTZ NOT NULL,
	expires_at            TIMESTAMPTZ NOT NULL,
	done                  BOOLEAN NOT NULL DEFAULT FALSE,
	error                 TEXT NOT NULL DEFAULT '',
	person_id             BIGINT NOT NULL DEFAULT 0,
	login_id              BIGINT NOT NULL DEFAULT 0,
	session_id_hash       TEXT NOT NULL DEFAULT '',
	entity_id             TEXT NOT NULL DEFAULT '',
	auth_time             TIMESTAMPTZ,
	amr                   TEXT NOT NULL DEFAULT '',  -- space-separated
	code_hash             TEXT COLLATE "C" UNIQUE,
	code_expires_at       TIMESTAMPTZ,
	exchanged_at          TIMESTAMPTZ
);
CREATE INDEX oidc_auth_requests_expires ON oidc_auth_requests (expires_at);

-- Access and refresh tokens by the hash of their id. family_id is the
-- authorization request they descend from: a reused code or refresh token
-- revokes the family.
CREATE TABLE oidc_tokens (
	id_hash         TEXT COLLATE "C" PRIMARY KEY,
	kind            TEXT NOT NULL,  -- 'access' or 'refresh'
	client_id       TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
	person_id       BIGINT NOT NULL,
	login_id        BIGINT NOT NULL,
	scopes          TEXT NOT NULL,
	entity_id       TEXT NOT NULL DEFAULT '',
	auth_time       TIMESTAMPTZ NOT NULL,
	amr             TEXT NOT NULL DEFAULT '',
	family_id       TEXT NOT NULL,
	session_id_hash TEXT NOT NULL DEFAULT '',
	created_at      TIMESTAMPTZ NOT NULL,
	expires_at      TIMESTAMPTZ NOT NULL,
	used_at         TIMESTAMPTZ,
	revoked_at      TIMESTAMPTZ
);
CREATE INDEX oidc_tokens_family ON oidc_tokens (family_id);
CREATE INDEX oidc_tokens_person ON oidc_tokens (person_id);
CREATE INDEX oidc_tokens_expires ON oidc_tokens (expires_at);

-- Secrets every instance shares, e.g. the key that encrypts opaque access
-- tokens and codes.
CREATE TABLE oidc_secrets (
	name  TEXT COLLATE "C" PRIMARY KEY,
	value TEXT NOT NULL  -- base64
);
