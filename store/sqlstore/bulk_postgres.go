package sqlstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// postgresBulk is the bulkLoader of PostgreSQL: COPY in the import's
// transaction, the references checked at commit (by adding the foreign
// keys a large load dropped, or by the deferred checks of the others).
type postgresBulk struct{}

func (postgresBulk) begin(ctx context.Context, w *importWriter) error {
	var err error
	if w.tx, err = w.conn.BeginTx(ctx, nil); err != nil {
		return fmt.Errorf("import: begin: %w", err)
	}
	if _, err := w.tx.ExecContext(ctx, "LOCK TABLE entities, persons, logins, grants IN EXCLUSIVE MODE"); err != nil {
		return fmt.Errorf("import: lock tables: %w", err)
	}
	// Rows may come before the rows they refer to (a login before its
	// person): the references are checked at commit (0005_import_order).
	if _, err := w.tx.ExecContext(ctx, "SET CONSTRAINTS ALL DEFERRED"); err != nil {
		return fmt.Errorf("import: defer reference checks: %w", err)
	}
	return nil
}

// write copies the rows at once.
func (postgresBulk) write(ctx context.Context, w *importWriter, table string, cols []string, n int, fill func(dst []any, i int)) error {
	row := make([]any, len(cols))
	err := w.conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		_, err := pc.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(n, func(i int) ([]any, error) {
			fill(row, i) // pgx encodes a row before asking for the next
			return row, nil
		}))
		return err
	})
	if err != nil {
		return fmt.Errorf("import: write %s: %w", table, err)
	}
	return nil
}

func (postgresBulk) commit(ctx context.Context, w *importWriter) error {
	// Check the references now (PostgreSQL builds no index on a table
	// with checks pending); they look up primary keys, which stay.
	if _, err := w.tx.ExecContext(ctx, "SET CONSTRAINTS ALL IMMEDIATE"); err != nil {
		return fmt.Errorf("import: check references: %w", err)
	}
	if len(w.rebuild) > 0 {
		// Each index sorts its table in memory up to this, instead of in
		// runs on disk (the default is 64 MB); for this transaction only.
		if _, err := w.tx.ExecContext(ctx, "SET LOCAL maintenance_work_mem = '256MB'"); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	}
	if err := w.buildIndexes(ctx); err != nil {
		return err
	}
	// Fresh statistics, or the planner walks a million rows per chunk
	// of ForEachPerson until autovacuum gets round to the tables.
	if len(w.rebuild) > 0 {
		if _, err := w.tx.ExecContext(ctx, "ANALYZE entities, persons, logins, grants"); err != nil {
			return fmt.Errorf("import: analyze: %w", err)
		}
	}
	for _, t := range []string{"persons", "logins", "grants"} {
		if _, err := w.tx.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('"+t+"', 'id'), COALESCE((SELECT max(id) FROM "+t+"), 0) + 1, false)"); err != nil {
			return fmt.Errorf("import: reset id sequence of %s: %w", t, err)
		}
	}
	return nil
}

func (postgresBulk) finish(*importWriter) {}
