package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// acquireLeaseSQL takes a lease in one upsert: the insert wins when there is
// no row; otherwise the row is taken over only when it has expired or is the
// holder's own. The conflict branch's WHERE is evaluated on the current row
// under its lock (PostgreSQL re-checks it once a concurrent inserter
// commits; SQLite has a single writer), so two callers never both succeed.
const acquireLeaseSQL = `INSERT INTO leases AS l (lease_key, holder, expires_at) VALUES (?, ?, ?)
ON CONFLICT (lease_key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
WHERE l.expires_at <= ? OR l.holder = excluded.holder`

// AcquireLease takes the lease on key for holder until now+ttl if it is
// free, expired or holder's own, and reports whether holder holds it now.
func (s *Store) AcquireLease(ctx context.Context, key, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, errors.New("acquire lease " + key + ": ttl must be positive")
	}
	now = now.UTC()
	res, err := s.exec(ctx, acquireLeaseSQL, key, holder, s.ts(now.Add(ttl)), s.ts(now))
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", key, err)
	}
	// An insert or a take-over changes one row; a lease held by another
	// changes none (the conflict branch's WHERE is false).
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", key, err)
	}
	return n == 1, nil
}

// ReleaseLease deletes the lease on key if holder holds it; a lease taken
// over by another holder after it expired stays theirs.
func (s *Store) ReleaseLease(ctx context.Context, key, holder string) error {
	if _, err := s.exec(ctx, "DELETE FROM leases WHERE lease_key = ? AND holder = ?", key, holder); err != nil {
		return fmt.Errorf("release lease %s: %w", key, err)
	}
	return nil
}
