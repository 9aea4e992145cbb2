package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// SetBulkIndexThreshold lowers the load size from which an import
// rebuilds indexes after loading, so tests reach that path with small
// batches; the returned function restores it.
func SetBulkIndexThreshold(n int) (restore func()) {
	old := bulkIndexThreshold
	bulkIndexThreshold = n
	return func() { bulkIndexThreshold = old }
}

// SetWalkPassLogins sets how many logins one pass of the outline walk
// holds, so tests reach walks in several passes; the returned function
// restores it.
func SetWalkPassLogins(n int64) (restore func()) {
	old := walkPassLogins
	walkPassLogins = n
	return func() { walkPassLogins = old }
}

// MigrationVersion returns the version of the migration whose file is
// NNNN_name.sql, or 0 when there is none.
func (s *Store) MigrationVersion(name string) (int, error) {
	ms, err := s.migrations()
	if err != nil {
		return 0, err
	}
	for _, m := range ms {
		if strings.HasSuffix(m.name, "_"+name) {
			return m.version, nil
		}
	}
	return 0, nil
}

// RerunMigration runs the SQL of the migration whose file is NNNN_name.sql
// again, as it ran when applied (later migrations stay applied).
func (s *Store) RerunMigration(ctx context.Context, name string) error {
	ms, err := s.migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if strings.HasSuffix(m.name, "_"+name) {
			return s.writeTx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, m.sql)
				return err
			})
		}
	}
	return fmt.Errorf("no migration %s", name)
}
