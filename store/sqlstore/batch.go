package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Write batches. On PostgreSQL every statement is a round trip: a backend
// process wakes up, answers, and the server's goroutine wakes up again —
// paid in CPU on the same cores that hash passwords, so a sign-in's share
// of them is what keeps it below the raw hashing rate. A transaction's
// writes that do not depend on each other's results therefore go to
// PostgreSQL as one statement, each write a data-modifying WITH query, and
// the main query returns how many rows each one wrote. SQLite has neither
// round trips nor data-modifying WITH: there the writes run one after
// another, each through its prepared statement, as before.

// write is one statement of a batch (query in '?' form) with its arguments.
type write struct {
	query string
	args  []any
}

// execBatch runs ws in tx, in order where they run one by one, and returns
// the number of rows each one wrote. The writes must touch different rows:
// PostgreSQL's WITH queries all see the state before the statement and
// must not write one row twice. An error is the first write's to fail
// (one by one) or the statement's (batched), unwrapped, so the caller can
// still tell a unique violation (dialect.isUniqueViolation).
func (s *Store) execBatch(ctx context.Context, tx *sql.Tx, ws []write) ([]int64, error) {
	n := make([]int64, len(ws))
	if !s.d.batchesWrites || len(ws) == 1 {
		for i, w := range ws {
			res, err := s.txExec(ctx, tx, w.query, w.args...)
			if err != nil {
				return nil, err
			}
			if n[i], err = res.RowsAffected(); err != nil {
				return nil, err
			}
		}
		return n, nil
	}
	query, args, dest := batchStatement(ws, n)
	if err := tx.QueryRowContext(ctx, s.q(query), args...).Scan(dest...); err != nil {
		return nil, err
	}
	return n, nil
}

// batchStatement is the one statement of a batch of writes (in '?' form)
// on PostgreSQL, its arguments, and the destinations of its one row: the
// number of rows each write wrote, into n.
func batchStatement(ws []write, n []int64) (query string, args []any, dest []any) {
	var b strings.Builder
	b.WriteString("WITH ")
	for i, w := range ws {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "w%d AS (%s RETURNING 1)", i, w.query)
		args = append(args, w.args...)
	}
	b.WriteString(" SELECT ")
	dest = make([]any, len(ws))
	for i := range ws {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(SELECT count(*) FROM w%d)", i)
		dest[i] = &n[i]
	}
	return b.String(), args, dest
}
