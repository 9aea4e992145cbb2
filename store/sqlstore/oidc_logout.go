package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"jedenlogin"
)

// Back-channel logout (schema 0007_oidc2.sql): oidc_links says which
// client holds which jedenlogin session, oidc_logouts is the queue of
// logout tokens to deliver.

// upsertOIDCLink records a client's session in the token response's
// transaction; a later code exchange of the same session (a switch of
// entity) replaces the entity and extends the link.
func (s *Store) upsertOIDCLink(ctx context.Context, tx *sql.Tx, l *jedenlogin.OIDCLink) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO oidc_links (session_id_hash, client_id, person_id, login_id, entity_id, created_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (session_id_hash, client_id) DO UPDATE SET person_id = excluded.person_id, login_id = excluded.login_id,
	entity_id = excluded.entity_id, expires_at = excluded.expires_at`),
		l.SessionIDHash, l.ClientID, l.PersonID, l.LoginID, l.EntityID, s.ts(l.CreatedAt), s.ts(l.ExpiresAt))
	if err != nil {
		return fmt.Errorf("link client %s to the session: %w", l.ClientID, err)
	}
	return nil
}

// EndOIDCSessions revokes the tokens of the selected client sessions,
// queues a logout for each whose client has a back-channel URI, and
// forgets the links, in one transaction.
func (s *Store) EndOIDCSessions(ctx context.Context, end jedenlogin.OIDCSessionEnd, audit ...jedenlogin.AuditEvent) ([]jedenlogin.OIDCLogout, error) {
	where, args := "l.session_id_hash = ?", []any{end.SessionIDHash}
	tokWhere := "session_id_hash = ?"
	if end.SessionIDHash == "" {
		if end.EntityID == "" {
			return nil, fmt.Errorf("end client sessions: neither a session nor an entity")
		}
		where, args = "l.person_id = ? AND l.entity_id = ?", []any{end.PersonID, end.EntityID}
		tokWhere = "person_id = ? AND entity_id = ?"
	}
	var out []jedenlogin.OIDCLogout
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, s.q(`SELECT l.session_id_hash, l.client_id, l.person_id FROM oidc_links l
JOIN oidc_clients c ON c.id = l.client_id WHERE `+where+` AND c.backchannel_logout_uri <> '' ORDER BY l.client_id`), args...)
		if err != nil {
			return fmt.Errorf("end client sessions: %w", err)
		}
		for rows.Next() {
			var hash string
			lo := jedenlogin.OIDCLogout{ID: newLogoutID(), Reason: end.Reason, NextAt: end.At, CreatedAt: end.At}
			if err := rows.Scan(&hash, &lo.ClientID, &lo.PersonID); err != nil {
				rows.Close()
				return fmt.Errorf("end client sessions: %w", err)
			}
			lo.SID = jedenlogin.OIDCSessionID(hash)
			out = append(out, lo)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("end client sessions: %w", err)
		}
		for _, lo := range out {
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO oidc_logouts (id, client_id, person_id, sid, reason, attempts, next_at, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)"),
				lo.ID, lo.ClientID, lo.PersonID, lo.SID, lo.Reason, s.ts(lo.NextAt), s.ts(lo.CreatedAt)); err != nil {
				return fmt.Errorf("queue logout for %s: %w", lo.ClientID, err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE oidc_tokens SET revoked_at = ? WHERE "+tokWhere+" AND revoked_at IS NULL"), append([]any{s.ts(end.At)}, args...)...); err != nil {
			return fmt.Errorf("end client sessions: revoke tokens: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM oidc_links WHERE "+strings.ReplaceAll(where, "l.", "")), args...); err != nil {
			return fmt.Errorf("end client sessions: %w", err)
		}
		return s.appendAudit(ctx, tx, audit)
	})
	return out, err
}

func newLogoutID() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("sqlstore: crypto/rand failed: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// OIDCLinksWithEntity returns every link acting for an entity.
func (s *Store) OIDCLinksWithEntity(ctx context.Context) ([]jedenlogin.OIDCLink, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT session_id_hash, client_id, person_id, login_id, entity_id, created_at, expires_at FROM oidc_links WHERE entity_id <> '' ORDER BY person_id"))
	if err != nil {
		return nil, fmt.Errorf("client sessions: %w", err)
	}
	defer rows.Close()
	var out []jedenlogin.OIDCLink
	for rows.Next() {
		var (
			l        jedenlogin.OIDCLink
			from, to timeCol
		)
		if err := rows.Scan(&l.SessionIDHash, &l.ClientID, &l.PersonID, &l.LoginID, &l.EntityID, &from, &to); err != nil {
			return nil, fmt.Errorf("client sessions: %w", err)
		}
		l.CreatedAt, l.ExpiresAt = from.t, to.t
		out = append(out, l)
	}
	return out, rows.Err()
}

// ClaimOIDCLogouts takes the due logouts one by one with a compare-and-
// swap on next_at, so two instances never take the same one.
func (s *Store) ClaimOIDCLogouts(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]jedenlogin.OIDCLogout, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT id, client_id, person_id, sid, reason, attempts, next_at, created_at FROM oidc_logouts WHERE next_at <= ? ORDER BY next_at LIMIT ?"), s.ts(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due logouts: %w", err)
	}
	var due []jedenlogin.OIDCLogout
	for rows.Next() {
		var (
			lo          jedenlogin.OIDCLogout
			next, since timeCol
		)
		if err := rows.Scan(&lo.ID, &lo.ClientID, &lo.PersonID, &lo.SID, &lo.Reason, &lo.Attempts, &next, &since); err != nil {
			rows.Close()
			return nil, fmt.Errorf("due logouts: %w", err)
		}
		lo.NextAt, lo.CreatedAt = next.t, since.t
		due = append(due, lo)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("due logouts: %w", err)
	}
	var out []jedenlogin.OIDCLogout
	for _, lo := range due {
		until := now.Add(lease)
		var n int64
		err := s.writeTx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, s.q("UPDATE oidc_logouts SET attempts = attempts + 1, next_at = ? WHERE id = ? AND next_at = ?"), s.ts(until), lo.ID, s.ts(lo.NextAt))
			if err != nil {
				return err
			}
			n, _ = res.RowsAffected()
			return nil
		})
		if err != nil {
			return out, fmt.Errorf("claim logout: %w", err)
		}
		if n == 1 {
			lo.Attempts++
			lo.NextAt = until
			out = append(out, lo)
		}
	}
	return out, nil
}

// FinishOIDCLogout removes a logout (next nil) or sets when it is due again.
func (s *Store) FinishOIDCLogout(ctx context.Context, id string, next *time.Time, audit ...jedenlogin.AuditEvent) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		var err error
		if next == nil {
			_, err = tx.ExecContext(ctx, s.q("DELETE FROM oidc_logouts WHERE id = ?"), id)
		} else {
			_, err = tx.ExecContext(ctx, s.q("UPDATE oidc_logouts SET next_at = ? WHERE id = ?"), s.ts(*next), id)
		}
		if err != nil {
			return fmt.Errorf("finish logout: %w", err)
		}
		return s.appendAudit(ctx, tx, audit)
	})
}
