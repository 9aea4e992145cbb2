package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"

	"jedenlogin"
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

// SetWalkChunk sets how many person ids one chunk of the outline walk's
// persons spans, so tests reach walks of many chunks on both readers; the
// returned function restores it.
func SetWalkChunk(n int64) (restore func()) {
	old := walkChunk
	walkChunk = n
	return func() { walkChunk = old }
}

// CopyRows copies rows into table of a PostgreSQL store with the bulk
// load's binary COPY (copyRows), the column types read as an import reads
// them.
func CopyRows(ctx context.Context, s *Store, table string, cols []string, rows [][]any) error {
	types, err := pgColumnTypes(ctx, s.db, table, cols)
	if err != nil {
		return err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		return copyRows(ctx, dc.(*stdlib.Conn).Conn(), table, cols, types, len(rows), func(dst []any, i int) { copy(dst, rows[i]) })
	})
}

// OmissibleColumns returns which of table's cols a SQLite bulk load may
// leave out of an INSERT when a batch has them NULL (bulkInsert.omissible).
func OmissibleColumns(ctx context.Context, s *Store, table string, cols []string) ([]bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	text := make([]bool, len(cols))
	for k, c := range cols {
		text[k] = textCols[c]
	}
	return omissibleColumns(ctx, tx, table, cols, text)
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

// InOneChainedGroup runs fns as chained write transactions (the token
// responses' kind) that the store commits as one group: a first one waits
// in its own group until every one of fns is queued behind it, in order.
// It returns each one's error.
func (s *Store) InOneChainedGroup(t testing.TB, fns []func(*sql.Tx) error) []error {
	t.Helper()
	ctx := context.Background()
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.chainedWriteTx(ctx, func(*sql.Tx) error { <-release; return nil })
	}()
	queued := func(n int) func() bool {
		return func() bool {
			s.group.mu.Lock()
			defer s.group.mu.Unlock()
			return s.group.leading && len(s.group.pending) == n
		}
	}
	waitFor(t, queued(0))
	errs := make([]error, len(fns))
	for i := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.chainedWriteTx(ctx, fns[i])
		}()
		waitFor(t, queued(i+1))
	}
	close(release)
	wg.Wait()
	return errs
}

// Untouched marks err as returned before the transaction wrote anything.
func Untouched(err error) error { return untouched{err} }

// AppendAuditTx appends events in tx (appendAudit).
func (s *Store) AppendAuditTx(tx *sql.Tx, events ...jedenlogin.AuditEvent) error {
	return s.appendAudit(context.Background(), tx, events)
}

// Q is the store's query in its dialect's placeholders.
func (s *Store) Q(query string) string { return s.q(query) }
