package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// MarkEmailVerified records a confirmed address (schema 0007_oidc2.sql).
func (s *Store) MarkEmailVerified(ctx context.Context, personID int64, email string, at time.Time) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO verified_emails (person_id, email, verified_at) VALUES (?, ?, ?)
ON CONFLICT (person_id, email) DO UPDATE SET verified_at = excluded.verified_at`), personID, email, s.ts(at))
		if err != nil {
			return fmt.Errorf("mark e-mail verified: %w", err)
		}
		return nil
	})
}

// EmailVerified reports whether the person confirmed the address.
func (s *Store) EmailVerified(ctx context.Context, personID int64, email string) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM verified_emails WHERE person_id = ? AND email = ?"), personID, email).Scan(&n); err != nil {
		return false, fmt.Errorf("e-mail verified: %w", err)
	}
	return n > 0, nil
}
