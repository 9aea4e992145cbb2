package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"jedenlogin"
)

const adminTokenCols = "name, hash, created_at, expires_at, revoked_at, last_used_at"

func scanAdminToken(row interface{ Scan(...any) error }) (*jedenlogin.AdminToken, error) {
	var (
		t                          jedenlogin.AdminToken
		created, exp, rev, lastUse timeCol
	)
	if err := row.Scan(&t.Name, &t.Hash, &created, &exp, &rev, &lastUse); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt = created.t, exp.ptr(), rev.ptr(), lastUse.ptr()
	return &t, nil
}

// CreateAdminToken stores a new operator token with its audit events;
// jedenlogin.ErrConflict when the name (or the hash) is taken.
func (s *Store) CreateAdminToken(ctx context.Context, t jedenlogin.AdminToken, audit ...jedenlogin.AuditEvent) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q("INSERT INTO admin_tokens ("+adminTokenCols+") VALUES (?, ?, ?, ?, ?, ?)"),
			t.Name, t.Hash, s.ts(t.CreatedAt), s.tsp(t.ExpiresAt), s.tsp(t.RevokedAt), s.tsp(t.LastUsedAt))
		if s.d.isUniqueViolation(err) {
			return fmt.Errorf("admin token %s: %w", t.Name, jedenlogin.ErrConflict)
		} else if err != nil {
			return fmt.Errorf("create admin token %s: %w", t.Name, err)
		}
		return s.appendAudit(ctx, tx, audit)
	})
}

// AdminTokenByHash returns the token with this hash or jedenlogin.ErrNotFound.
func (s *Store) AdminTokenByHash(ctx context.Context, hash string) (*jedenlogin.AdminToken, error) {
	t, err := scanAdminToken(s.db.QueryRowContext(ctx, s.q("SELECT "+adminTokenCols+" FROM admin_tokens WHERE hash = ?"), hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("admin token: %w", jedenlogin.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("read admin token: %w", err)
	}
	return t, nil
}

// AdminTokens returns every token by name.
func (s *Store) AdminTokens(ctx context.Context) ([]jedenlogin.AdminToken, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+adminTokenCols+" FROM admin_tokens ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("read admin tokens: %w", err)
	}
	defer rows.Close()
	out := []jedenlogin.AdminToken{}
	for rows.Next() {
		t, err := scanAdminToken(rows)
		if err != nil {
			return nil, fmt.Errorf("read admin tokens: %w", err)
		}
		out = append(out, *t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read admin tokens: %w", err)
	}
	return out, nil
}

// RevokeAdminToken revokes the named token with its audit events:
// jedenlogin.ErrNotFound for an unknown name, jedenlogin.ErrConflict when
// it is revoked already.
func (s *Store) RevokeAdminToken(ctx context.Context, name string, at time.Time, audit ...jedenlogin.AuditEvent) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("UPDATE admin_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL"), s.ts(at), name)
		if err != nil {
			return fmt.Errorf("revoke admin token %s: %w", name, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("revoke admin token %s: %w", name, err)
		} else if n == 0 {
			var one int
			err := tx.QueryRowContext(ctx, s.q("SELECT 1 FROM admin_tokens WHERE name = ?"), name).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("admin token %s: %w", name, jedenlogin.ErrNotFound)
			} else if err != nil {
				return fmt.Errorf("revoke admin token %s: %w", name, err)
			}
			return fmt.Errorf("admin token %s revoked already: %w", name, jedenlogin.ErrConflict)
		}
		return s.appendAudit(ctx, tx, audit)
	})
}

// TouchAdminToken records a use of the token (never moving the time back).
func (s *Store) TouchAdminToken(ctx context.Context, hash string, at time.Time) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q("UPDATE admin_tokens SET last_used_at = ? WHERE hash = ? AND (last_used_at IS NULL OR last_used_at < ?)"),
			s.ts(at), hash, s.ts(at))
		return err
	})
	if err != nil {
		return fmt.Errorf("touch admin token: %w", err)
	}
	return nil
}
