package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"jedenlogin"
)

// The OpenID Connect provider's tables (schema 0006_oidc.sql). Lists of
// names (scopes, amr, prompt) are kept space-separated, lists of URIs as
// JSON arrays.

const oidcClientCols = "id, name, secret_hash, public, redirect_uris, post_logout_redirect_uris, backchannel_logout_uri, signing_alg, created_at"

func scanOIDCClient(row interface{ Scan(...any) error }) (*jedenlogin.OIDCClient, error) {
	var cr clientRow
	if err := row.Scan(cr.dest()...); err != nil {
		return nil, err
	}
	return cr.client()
}

// clientRow is one row of oidcClientCols being scanned.
type clientRow struct {
	c             jedenlogin.OIDCClient
	redir, logout string
	at            timeCol
}

func (r *clientRow) dest() []any {
	return []any{&r.c.ID, &r.c.Name, &r.c.SecretHash, &r.c.Public, &r.redir, &r.logout, &r.c.BackchannelLogoutURI, &r.c.SigningAlg, &r.at}
}

// client decodes the scanned row.
func (r *clientRow) client() (*jedenlogin.OIDCClient, error) {
	c := r.c
	if err := json.Unmarshal([]byte(r.redir), &c.RedirectURIs); err != nil {
		return nil, fmt.Errorf("client %s: redirect_uris: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(r.logout), &c.PostLogoutRedirectURIs); err != nil {
		return nil, fmt.Errorf("client %s: post_logout_redirect_uris: %w", c.ID, err)
	}
	c.CreatedAt = r.at.t
	return &c, nil
}

func (s *Store) oidcClientArgs(c *jedenlogin.OIDCClient) []any {
	redir, _ := json.Marshal(nonNil(c.RedirectURIs))
	logout, _ := json.Marshal(nonNil(c.PostLogoutRedirectURIs))
	return []any{c.ID, c.Name, c.SecretHash, c.Public, string(redir), string(logout), c.BackchannelLogoutURI, c.SigningAlg, s.ts(c.CreatedAt)}
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// CreateOIDCClient stores a new client; jedenlogin.ErrConflict when its id exists.
func (s *Store) CreateOIDCClient(ctx context.Context, c jedenlogin.OIDCClient, audit ...jedenlogin.AuditEvent) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q("INSERT INTO oidc_clients ("+oidcClientCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"), s.oidcClientArgs(&c)...)
		if s.d.isUniqueViolation(err) {
			return fmt.Errorf("client %s: %w", c.ID, jedenlogin.ErrConflict)
		} else if err != nil {
			return fmt.Errorf("create client %s: %w", c.ID, err)
		}
		return s.appendAudit(ctx, tx, audit)
	})
}

// OIDCClient returns one client or jedenlogin.ErrNotFound.
func (s *Store) OIDCClient(ctx context.Context, id string) (*jedenlogin.OIDCClient, error) {
	c, err := scanOIDCClient(s.db.QueryRowContext(ctx, s.q("SELECT "+oidcClientCols+" FROM oidc_clients WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("client %s: %w", id, jedenlogin.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("read client %s: %w", id, err)
	}
	return c, nil
}

// OIDCClients returns every client by id.
func (s *Store) OIDCClients(ctx context.Context) ([]jedenlogin.OIDCClient, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+oidcClientCols+" FROM oidc_clients ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("read clients: %w", err)
	}
	defer rows.Close()
	out := []jedenlogin.OIDCClient{}
	for rows.Next() {
		c, err := scanOIDCClient(rows)
		if err != nil {
			return nil, fmt.Errorf("read clients: %w", err)
		}
		out = append(out, *c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read clients: %w", err)
	}
	return out, nil
}

// UpdateOIDCClient reads the client under a lock, calls fn and writes back
// the client and fn's events in one transaction. The id cannot change.
func (s *Store) UpdateOIDCClient(ctx context.Context, id string, fn func(c *jedenlogin.OIDCClient) ([]jedenlogin.AuditEvent, error)) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		query := "SELECT " + oidcClientCols + " FROM oidc_clients WHERE id = ?" + s.d.forUpdate
		c, err := scanOIDCClient(tx.QueryRowContext(ctx, s.q(query), id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("client %s: %w", id, jedenlogin.ErrNotFound)
		} else if err != nil {
			return fmt.Errorf("read client %s: %w", id, err)
		}
		events, err := fn(c)
		if err != nil {
			return err
		}
		c.ID = id
		args := s.oidcClientArgs(c)
		_, err = tx.ExecContext(ctx, s.q(`UPDATE oidc_clients SET name = ?, secret_hash = ?, public = ?, redirect_uris = ?,
			post_logout_redirect_uris = ?, backchannel_logout_uri = ?, signing_alg = ?, created_at = ? WHERE id = ?`), append(args[1:], id)...)
		if err != nil {
			return fmt.Errorf("update client %s: %w", id, err)
		}
		return s.appendAudit(ctx, tx, events)
	})
}

// DeleteOIDCClient removes a client with its requests and tokens.
func (s *Store) DeleteOIDCClient(ctx context.Context, id string, audit ...jedenlogin.AuditEvent) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		// SQLite enforces the foreign keys' ON DELETE CASCADE too
		// (foreign_keys is on), but saying it keeps both backends alike.
		for _, q := range []string{"DELETE FROM oidc_tokens WHERE client_id = ?", "DELETE FROM oidc_auth_requests WHERE client_id = ?"} {
			if _, err := tx.ExecContext(ctx, s.q(q), id); err != nil {
				return fmt.Errorf("delete client %s: %w", id, err)
			}
		}
		res, err := tx.ExecContext(ctx, s.q("DELETE FROM oidc_clients WHERE id = ?"), id)
		if err != nil {
			return fmt.Errorf("delete client %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("client %s: %w", id, jedenlogin.ErrNotFound)
		}
		return s.appendAudit(ctx, tx, audit)
	})
}

// AddOIDCKey stores a signing key; with retireAt, the other keys of its
// algorithm that still sign retire then.
func (s *Store) AddOIDCKey(ctx context.Context, k jedenlogin.OIDCKey, retireAt *time.Time, audit ...jedenlogin.AuditEvent) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if retireAt != nil {
			if _, err := tx.ExecContext(ctx, s.q("UPDATE oidc_keys SET retire_at = ? WHERE alg = ? AND retire_at IS NULL"), s.ts(*retireAt), k.Alg); err != nil {
				return fmt.Errorf("retire %s keys: %w", k.Alg, err)
			}
		}
		_, err := tx.ExecContext(ctx, s.q("INSERT INTO oidc_keys (id, alg, private_key, created_at, retire_at) VALUES (?, ?, ?, ?, ?)"),
			k.ID, k.Alg, k.PrivateKey, s.ts(k.CreatedAt), s.tsp(k.RetireAt))
		if s.d.isUniqueViolation(err) {
			return fmt.Errorf("key %s: %w", k.ID, jedenlogin.ErrConflict)
		} else if err != nil {
			return fmt.Errorf("add key %s: %w", k.ID, err)
		}
		return s.appendAudit(ctx, tx, audit)
	})
}

// OIDCKeys returns the keys not retired at now, newest first.
func (s *Store) OIDCKeys(ctx context.Context, now time.Time) ([]jedenlogin.OIDCKey, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT id, alg, private_key, created_at, retire_at FROM oidc_keys WHERE retire_at IS NULL OR retire_at > ? ORDER BY created_at DESC, id DESC"), s.ts(now))
	if err != nil {
		return nil, fmt.Errorf("read keys: %w", err)
	}
	defer rows.Close()
	out := []jedenlogin.OIDCKey{}
	for rows.Next() {
		var (
			k          jedenlogin.OIDCKey
			at, retire timeCol
		)
		if err := rows.Scan(&k.ID, &k.Alg, &k.PrivateKey, &at, &retire); err != nil {
			return nil, fmt.Errorf("read keys: %w", err)
		}
		k.CreatedAt, k.RetireAt = at.t, retire.ptr()
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read keys: %w", err)
	}
	return out, nil
}

const oidcAuthRequestCols = `id, client_id, redirect_uri, scopes, state, nonce, response_type, response_mode,
	code_challenge, code_challenge_method, prompt, max_age, login_hint, acr_values, created_at, expires_at,
	done, error, person_id, login_id, session_id_hash, entity_id, auth_time, amr,
	code_hash, code_expires_at, exchanged_at`

// scanOIDCAuthRequest scans oidcAuthRequestCols, then extra.
func scanOIDCAuthRequest(row interface{ Scan(...any) error }, extra ...any) (*jedenlogin.OIDCAuthRequest, error) {
	var (
		r                                         jedenlogin.OIDCAuthRequest
		scopes, prompt, amr, acr                  string
		maxAge                                    sql.NullInt64
		created, expires, authTime, codeExp, exch timeCol
		code                                      sql.NullString
	)
	dest := []any{&r.ID, &r.ClientID, &r.RedirectURI, &scopes, &r.State, &r.Nonce, &r.ResponseType, &r.ResponseMode,
		&r.CodeChallenge, &r.CodeChallengeMethod, &prompt, &maxAge, &r.LoginHint, &acr, &created, &expires,
		&r.Done, &r.Error, &r.PersonID, &r.LoginID, &r.SessionIDHash, &r.EntityID, &authTime, &amr,
		&code, &codeExp, &exch}
	err := row.Scan(append(dest, extra...)...)
	if err != nil {
		return nil, err
	}
	r.Scopes, r.Prompt, r.AMR, r.ACRValues = fields(scopes), fields(prompt), fields(amr), fields(acr)
	r.MaxAge = nullInt(maxAge)
	r.CreatedAt, r.ExpiresAt, r.AuthTime, r.CodeExpiresAt = created.t, expires.t, authTime.t, codeExp.t
	r.CodeHash, r.ExchangedAt = code.String, exch.ptr()
	return &r, nil
}

// fields splits a space-separated list; nil for "".
func fields(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}

// CreateOIDCAuthRequest stores a new authorization request.
func (s *Store) CreateOIDCAuthRequest(ctx context.Context, r *jedenlogin.OIDCAuthRequest) error {
	_, err := s.exec(ctx, `INSERT INTO oidc_auth_requests (id, client_id, redirect_uri, scopes, state, nonce, response_type, response_mode,
		code_challenge, code_challenge_method, prompt, max_age, login_hint, acr_values, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.ClientID, r.RedirectURI, strings.Join(r.Scopes, " "), r.State, r.Nonce, r.ResponseType, r.ResponseMode,
		r.CodeChallenge, r.CodeChallengeMethod, strings.Join(r.Prompt, " "), i64p(r.MaxAge), r.LoginHint, strings.Join(r.ACRValues, " "),
		s.ts(r.CreatedAt), s.ts(r.ExpiresAt))
	if s.d.isUniqueViolation(err) {
		return fmt.Errorf("auth request: %w", jedenlogin.ErrConflict)
	} else if err != nil {
		return fmt.Errorf("create auth request: %w", err)
	}
	return nil
}

// authRequestSQL reads one authorization request by its id.
const authRequestSQL = "SELECT " + oidcAuthRequestCols + " FROM oidc_auth_requests WHERE id = ?"

// readAuthRequest is scanOIDCAuthRequest with its errors worded: a
// missing row is jedenlogin.ErrNotFound.
func readAuthRequest(row scanner, extra ...any) (*jedenlogin.OIDCAuthRequest, error) {
	r, err := scanOIDCAuthRequest(row, extra...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("auth request: %w", jedenlogin.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("read auth request: %w", err)
	}
	return r, nil
}

// OIDCAuthRequest returns one authorization request or jedenlogin.ErrNotFound.
func (s *Store) OIDCAuthRequest(ctx context.Context, id string) (*jedenlogin.OIDCAuthRequest, error) {
	return readAuthRequest(s.db.QueryRowContext(ctx, s.q(authRequestSQL), id))
}

// authRequestWithClientSQL reads a request and its client in one
// statement.
var authRequestWithClientSQL = "SELECT " + qualified(oidcAuthRequestCols, "r") + ", " + qualified(oidcClientCols, "c") +
	" FROM oidc_auth_requests r JOIN oidc_clients c ON c.id = r.client_id WHERE r.id = ?"

// qualified is a list of columns, each prefixed by alias.
func qualified(cols, alias string) string {
	names := strings.Split(cols, ",")
	for i, n := range names {
		names[i] = strings.TrimSpace(n)
	}
	return colList(names, alias)
}

// OIDCAuthRequestWithClient returns one authorization request with its
// client, read in one statement; the client is nil when it is gone.
func (s *Store) OIDCAuthRequestWithClient(ctx context.Context, id string) (*jedenlogin.OIDCAuthRequest, *jedenlogin.OIDCClient, error) {
	var cr clientRow
	r, err := readAuthRequest(s.queryRow(ctx, authRequestWithClientSQL, id), cr.dest()...)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		// No request, or a request whose client is gone.
		r, err := s.OIDCAuthRequest(ctx, id)
		return r, nil, err
	} else if err != nil {
		return nil, nil, err
	}
	c, err := cr.client()
	if err != nil {
		return nil, nil, err
	}
	return r, c, nil
}

// OIDCAuthRequestByCode returns the request whose code has this hash.
// Its ConfigVersion is oidc_config_version's count, read in the same
// statement (as OIDCToken's).
func (s *Store) OIDCAuthRequestByCode(ctx context.Context, codeHash string) (*jedenlogin.OIDCAuthRequest, error) {
	var version int64
	r, err := readAuthRequest(s.db.QueryRowContext(ctx, s.q("SELECT "+oidcAuthRequestCols+
		", (SELECT n FROM oidc_config_version WHERE id = 1) FROM oidc_auth_requests WHERE code_hash = ?"), codeHash), &version)
	if err != nil {
		return nil, err
	}
	r.ConfigVersion = version
	return r, nil
}

// FinishOIDCAuthRequest records the end of the person's side of a request
// that has no code yet. Without audit events (a request done, the common
// case) it is the update alone: one statement, no transaction around it.
func (s *Store) FinishOIDCAuthRequest(ctx context.Context, r *jedenlogin.OIDCAuthRequest, audit ...jedenlogin.AuditEvent) error {
	var authTime any
	if !r.AuthTime.IsZero() {
		authTime = s.ts(r.AuthTime)
	}
	args := []any{r.Done, r.Error, r.PersonID, r.LoginID, r.SessionIDHash, r.EntityID, authTime, strings.Join(r.AMR, " "), r.ID}
	const finish = `UPDATE oidc_auth_requests SET done = ?, error = ?, person_id = ?, login_id = ?,
			session_id_hash = ?, entity_id = ?, auth_time = ?, amr = ? WHERE id = ? AND code_hash IS NULL`
	finished := func(res sql.Result, err error, read func() error) error {
		if err != nil {
			return fmt.Errorf("finish auth request: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if err := read(); err != nil {
				return err
			}
			return fmt.Errorf("auth request has a code already: %w", jedenlogin.ErrConflict)
		}
		return nil
	}
	if len(audit) == 0 {
		res, err := s.exec(ctx, finish, args...)
		return finished(res, err, func() error { _, err := s.OIDCAuthRequest(ctx, r.ID); return err })
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(finish), args...)
		if err := finished(res, err, func() error { _, err := s.oidcAuthRequestTx(ctx, tx, r.ID); return err }); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit)
	})
}

func (s *Store) oidcAuthRequestTx(ctx context.Context, tx *sql.Tx, id string) (*jedenlogin.OIDCAuthRequest, error) {
	return readAuthRequest(tx.QueryRowContext(ctx, s.q(authRequestSQL), id))
}

// SetOIDCAuthCode records the code of a done request that has none.
// Like token responses it appends to the audit chain with every code, so
// it commits in their groups on PostgreSQL (chainedWriteTx).
func (s *Store) SetOIDCAuthCode(ctx context.Context, id, codeHash string, expiresAt time.Time, audit ...jedenlogin.AuditEvent) error {
	return s.chainedWriteTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE oidc_auth_requests SET code_hash = ?, code_expires_at = ?
			WHERE id = ? AND done = ? AND error = '' AND code_hash IS NULL`), codeHash, s.ts(expiresAt), id, true)
		if s.d.isUniqueViolation(err) {
			return fmt.Errorf("auth code: %w", jedenlogin.ErrConflict)
		} else if err != nil {
			return fmt.Errorf("set auth code: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := s.oidcAuthRequestTx(ctx, tx, id); errors.Is(err, jedenlogin.ErrNotFound) {
				return untouched{err}
			} else if err != nil {
				return err
			}
			return untouched{fmt.Errorf("auth request not done or has a code: %w", jedenlogin.ErrConflict)}
		}
		return s.appendAudit(ctx, tx, audit)
	})
}

const oidcTokenCols = `id_hash, kind, client_id, person_id, login_id, scopes, entity_id, auth_time, amr,
	family_id, session_id_hash, created_at, expires_at, used_at, revoked_at`

// IssueOIDCTokens writes a token response in one transaction; the code or
// refresh token it consumes is marked used by a compare-and-swap, so of
// two concurrent exchanges of one code or token exactly one succeeds.
//
// Every token response appends to the audit chain: on PostgreSQL the
// responses commit in groups (chainedWriteTx), each without a savepoint
// of its own — the compare-and-swap is its first write, and its one error
// of its own, ErrOIDCReused, comes before anything is written — and the
// compare-and-swap and the new tokens are one statement there
// (consumeAndInsert): two round trips a response, with the audit event's.
func (s *Store) IssueOIDCTokens(ctx context.Context, iss jedenlogin.OIDCIssue) error {
	return s.chainedWriteTx(ctx, func(tx *sql.Tx) error {
		tokens := iss.Tokens
		switch {
		case iss.ConsumeCode != "" && iss.RotateRefresh != "":
			return fmt.Errorf("token response: both a code and a refresh token to consume")
		case s.d.name == BackendPostgres && len(tokens) > 0 && (iss.ConsumeCode != "" || iss.RotateRefresh != ""):
			if err := s.consumeAndInsert(ctx, tx, iss); err != nil {
				return err
			}
			tokens = nil
		case iss.ConsumeCode != "":
			res, err := tx.ExecContext(ctx, s.q(consumeCodeSQL), s.ts(iss.At), iss.ConsumeCode)
			if err != nil {
				return fmt.Errorf("consume code: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return untouched{fmt.Errorf("code: %w", jedenlogin.ErrOIDCReused)}
			}
		case iss.RotateRefresh != "":
			res, err := tx.ExecContext(ctx, s.q(rotateRefreshSQL), s.ts(iss.At), iss.RotateRefresh, jedenlogin.OIDCRefreshToken)
			if err != nil {
				return fmt.Errorf("rotate refresh token: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return untouched{fmt.Errorf("refresh token: %w", jedenlogin.ErrOIDCReused)}
			}
		}
		if len(tokens) > 0 {
			// The access and the refresh token in one statement (one round
			// trip on PostgreSQL); the query text per count is cached.
			_, err := tx.ExecContext(ctx, s.q("INSERT INTO oidc_tokens ("+oidcTokenCols+") VALUES "+tokenValues(len(tokens), "")),
				s.tokenArgs(nil, tokens)...)
			if s.d.isUniqueViolation(err) {
				return fmt.Errorf("token: %w", jedenlogin.ErrConflict)
			} else if err != nil {
				return fmt.Errorf("store tokens: %w", err)
			}
		}
		if iss.Link != nil {
			if err := s.upsertOIDCLink(ctx, tx, iss.Link); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, iss.Audit)
	})
}

// The compare-and-swaps of a token response: the code exchanged, the
// refresh token rotated (each answers ErrOIDCReused when it did not take).
const (
	consumeCodeSQL   = "UPDATE oidc_auth_requests SET exchanged_at = ? WHERE id = ? AND exchanged_at IS NULL AND code_hash IS NOT NULL"
	rotateRefreshSQL = "UPDATE oidc_tokens SET used_at = ? WHERE id_hash = ? AND kind = ? AND used_at IS NULL AND revoked_at IS NULL"
)

// tokenValues is the VALUES list of n tokens; cast "::" gives each
// non-text column its type (PostgreSQL reads parameters in a VALUES list
// under a SELECT as text).
func tokenValues(n int, cast string) string {
	row := "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	if cast != "" {
		row = "(?, ?, ?, ?::bigint, ?::bigint, ?, ?, ?::timestamptz, ?, ?, ?, ?::timestamptz, ?::timestamptz, ?::timestamptz, ?::timestamptz)"
	}
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// tokenArgs appends the tokens' columns to args.
func (s *Store) tokenArgs(args []any, tokens []jedenlogin.OIDCToken) []any {
	for _, t := range tokens {
		args = append(args, t.IDHash, t.Kind, t.ClientID, t.PersonID, t.LoginID, strings.Join(t.Scopes, " "), t.EntityID,
			s.ts(t.AuthTime), strings.Join(t.AMR, " "), t.FamilyID, t.SessionIDHash, s.ts(t.CreatedAt), s.ts(t.ExpiresAt), s.tsp(t.UsedAt), s.tsp(t.RevokedAt))
	}
	return args
}

// consumeAndInsert (PostgreSQL) is the code's or refresh token's
// compare-and-swap and the new tokens' insert in one statement: the
// update in a WITH clause, the tokens inserted only when it took.
func (s *Store) consumeAndInsert(ctx context.Context, tx *sql.Tx, iss jedenlogin.OIDCIssue) error {
	cas, what := rotateRefreshSQL, "refresh token"
	args := []any{s.ts(iss.At), iss.RotateRefresh, jedenlogin.OIDCRefreshToken}
	if iss.ConsumeCode != "" {
		cas, what, args = consumeCodeSQL, "code", []any{s.ts(iss.At), iss.ConsumeCode}
	}
	query := "WITH cas AS (" + cas + " RETURNING 1) INSERT INTO oidc_tokens (" + oidcTokenCols + ") SELECT v.* FROM (VALUES " +
		tokenValues(len(iss.Tokens), "::") + ") AS v WHERE EXISTS (SELECT FROM cas)"
	res, err := tx.ExecContext(ctx, s.q(query), s.tokenArgs(args, iss.Tokens)...)
	if s.d.isUniqueViolation(err) {
		return fmt.Errorf("token: %w", jedenlogin.ErrConflict)
	} else if err != nil {
		return fmt.Errorf("%s: store tokens: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return untouched{fmt.Errorf("%s: %w", what, jedenlogin.ErrOIDCReused)}
	}
	return nil
}

// oidcTokenSQL reads one token by its id hash. The version of the
// clients and keys comes along (migration 0016): the provider's caches
// check it without a statement of their own.
const oidcTokenSQL = "SELECT " + oidcTokenCols + ", (SELECT n FROM oidc_config_version WHERE id = 1) FROM oidc_tokens WHERE id_hash = ?"

// scanOIDCToken scans oidcTokenSQL's row; a missing row is ErrNotFound.
func scanOIDCToken(row interface{ Scan(...any) error }) (*jedenlogin.OIDCToken, error) {
	var (
		t                                   jedenlogin.OIDCToken
		scopes, amr                         string
		authTime, created, expires, used, r timeCol
	)
	err := row.Scan(&t.IDHash, &t.Kind, &t.ClientID, &t.PersonID, &t.LoginID, &scopes, &t.EntityID, &authTime, &amr,
		&t.FamilyID, &t.SessionIDHash, &created, &expires, &used, &r, &t.ConfigVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("token: %w", jedenlogin.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("read token: %w", err)
	}
	t.Scopes, t.AMR = fields(scopes), fields(amr)
	t.AuthTime, t.CreatedAt, t.ExpiresAt, t.UsedAt, t.RevokedAt = authTime.t, created.t, expires.t, used.ptr(), r.ptr()
	return &t, nil
}

// OIDCToken returns one token by its id hash, or jedenlogin.ErrNotFound;
// its ConfigVersion is oidc_config_version's count.
func (s *Store) OIDCToken(ctx context.Context, idHash string) (*jedenlogin.OIDCToken, error) {
	return scanOIDCToken(s.queryRow(ctx, oidcTokenSQL, idHash))
}

// OIDCTokenWithPerson returns a token and its person's record. On
// PostgreSQL the token's and the record's queries go as one pgx batch, the
// record's keyed by the token's hash (personByTokenSQL): one round trip
// where userinfo and refresh took two. On SQLite, in process, they are
// OIDCToken and Person.
func (s *Store) OIDCTokenWithPerson(ctx context.Context, idHash string) (*jedenlogin.OIDCToken, *jedenlogin.PersonRecord, error) {
	if s.d.name != BackendPostgres {
		t, err := s.OIDCToken(ctx, idHash)
		if err != nil {
			return nil, nil, err
		}
		rec, err := s.Person(ctx, t.PersonID)
		if errors.Is(err, jedenlogin.ErrNotFound) {
			return t, nil, nil
		}
		return t, rec, err
	}
	var (
		t   *jedenlogin.OIDCToken
		rec *jedenlogin.PersonRecord
	)
	err := s.pgBatch(ctx, func(b *pgx.Batch) {
		b.Queue(s.q(oidcTokenSQL), idHash)
		s.queueRecord(b, personByToken, idHash)
	}, func(br pgx.BatchResults) error {
		var err error
		if t, err = scanOIDCToken(br.QueryRow()); err != nil {
			return err
		}
		rec, err = scanRecord(br, "of token")
		if errors.Is(err, jedenlogin.ErrNotFound) {
			rec, err = nil, nil
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return t, rec, nil
}

// RevokeOIDCToken revokes one token; a refresh token revokes its family.
func (s *Store) RevokeOIDCToken(ctx context.Context, idHash string, at time.Time, audit ...jedenlogin.AuditEvent) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		var kind, family string
		err := tx.QueryRowContext(ctx, s.q("SELECT kind, family_id FROM oidc_tokens WHERE id_hash = ?"), idHash).Scan(&kind, &family)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		query, arg := "UPDATE oidc_tokens SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL", idHash
		if kind == jedenlogin.OIDCRefreshToken {
			query, arg = "UPDATE oidc_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL", family
		}
		if _, err := tx.ExecContext(ctx, s.q(query), s.ts(at), arg); err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		return s.appendAudit(ctx, tx, audit)
	})
}

// RevokeOIDCFamily revokes every token of a family.
func (s *Store) RevokeOIDCFamily(ctx context.Context, familyID string, at time.Time, audit ...jedenlogin.AuditEvent) (int, error) {
	return s.revokeOIDCWhere(ctx, "family_id = ?", []any{familyID}, at, audit)
}

// RevokeOIDCTokensOfPerson revokes the person's tokens for a client ("" for all).
func (s *Store) RevokeOIDCTokensOfPerson(ctx context.Context, personID int64, clientID string, at time.Time, audit ...jedenlogin.AuditEvent) (int, error) {
	if clientID == "" {
		return s.revokeOIDCWhere(ctx, "person_id = ?", []any{personID}, at, audit)
	}
	return s.revokeOIDCWhere(ctx, "person_id = ? AND client_id = ?", []any{personID, clientID}, at, audit)
}

func (s *Store) revokeOIDCWhere(ctx context.Context, where string, args []any, at time.Time, audit []jedenlogin.AuditEvent) (int, error) {
	var n int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("UPDATE oidc_tokens SET revoked_at = ? WHERE "+where+" AND revoked_at IS NULL"), append([]any{s.ts(at)}, args...)...)
		if err != nil {
			return fmt.Errorf("revoke tokens: %w", err)
		}
		n, _ = res.RowsAffected()
		return s.appendAudit(ctx, tx, audit)
	})
	return int(n), err
}

// DeleteExpiredOIDC removes requests and tokens that expired before now
// and keys retired before now.
func (s *Store) DeleteExpiredOIDC(ctx context.Context, now time.Time) (int, error) {
	var total int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		total = 0
		// A request stays while a code of it may still be presented: a
		// reused code must find its request to revoke the tokens.
		for _, q := range []string{
			"DELETE FROM oidc_tokens WHERE expires_at < ?",
			"DELETE FROM oidc_auth_requests WHERE expires_at < ? AND (code_expires_at IS NULL OR code_expires_at < ?)",
			"DELETE FROM oidc_keys WHERE retire_at < ?",
			"DELETE FROM oidc_links WHERE expires_at < ?",
		} {
			args := []any{s.ts(now)}
			if strings.Count(q, "?") == 2 {
				args = append(args, s.ts(now))
			}
			res, err := tx.ExecContext(ctx, s.q(q), args...)
			if err != nil {
				return fmt.Errorf("delete expired: %w", err)
			}
			n, _ := res.RowsAffected()
			total += n
		}
		return nil
	})
	return int(total), err
}

// OIDCSecret returns the named secret, storing generate()'s first.
func (s *Store) OIDCSecret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error) {
	read := func() ([]byte, error) {
		var v string
		err := s.db.QueryRowContext(ctx, s.q("SELECT value FROM oidc_secrets WHERE name = ?"), name).Scan(&v)
		if err != nil {
			return nil, err
		}
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, fmt.Errorf("secret %s: %w", name, err)
		}
		return b, nil
	}
	b, err := read()
	if err == nil {
		return b, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read secret %s: %w", name, err)
	}
	nb, err := generate()
	if err != nil {
		return nil, fmt.Errorf("generate secret %s: %w", name, err)
	}
	// Of concurrent first callers one inserts; the others' insert does
	// nothing and they read the winner's.
	if _, err := s.exec(ctx, "INSERT INTO oidc_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", name, base64.StdEncoding.EncodeToString(nb)); err != nil {
		return nil, fmt.Errorf("store secret %s: %w", name, err)
	}
	b, err = read()
	if err != nil {
		return nil, fmt.Errorf("read secret %s: %w", name, err)
	}
	return b, nil
}
