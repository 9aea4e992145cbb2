package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// Prepared statements. The SQLite driver compiles every statement it is
// given afresh, and compiling costs more than running the short queries of
// a request (the session, the person, a throttle counter). So on SQLite
// the store prepares each query text once and keeps the *sql.Stmt, which
// database/sql in turn prepares once per connection and then reuses.
// PostgreSQL needs none of this: pgx keeps a statement cache of its own on
// every connection (its default QueryExecModeCacheStatement), so the store
// hands it the text.

// maxPrepared bounds the statement cache: queries built at run time (an IN
// list of varying length) are prepared once they come, until the bound is
// reached, and then run unprepared.
const maxPrepared = 256

// stmtCache is the statement cache of one Store.
type stmtCache struct {
	m sync.Map // query text → *sql.Stmt
	n atomic.Int32
	// mu serialises preparing and closing, so a statement prepared while
	// the store closes is closed too.
	mu     sync.Mutex
	closed bool
	// pending holds the texts preparedInTx is preparing in the background.
	pending sync.Map
}

// prepared returns the prepared statement of query (already in the store's
// dialect), preparing it on first use; nil where the dialect does not
// prepare (PostgreSQL), when the cache is full or closed, and when
// preparing fails — the caller then runs the text unprepared, which reports
// the error, if any, in the ordinary way.
func (s *Store) prepared(ctx context.Context, query string) *sql.Stmt {
	if !s.d.prepares {
		return nil
	}
	c := &s.stmts
	if v, ok := c.m.Load(query); ok {
		return v.(*sql.Stmt)
	}
	if c.n.Load() >= maxPrepared {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m.Load(query); ok {
		return v.(*sql.Stmt)
	}
	if c.closed || c.n.Load() >= maxPrepared {
		return nil
	}
	// A cancelled request must not leave a broken statement behind: the
	// statement outlives it.
	st, err := s.db.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil
	}
	c.m.Store(query, st)
	c.n.Add(1)
	return st
}

// closeStmts closes every cached statement; later calls of prepared
// return nil.
func (s *Store) closeStmts() {
	c := &s.stmts
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.m.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		c.m.Delete(k)
		return true
	})
}

// shortCtx is the context for a short read (a lookup by key, a few rows
// through an index) on SQLite: ctx without its cancellation, once ctx is
// checked to be live. For a context that can be cancelled the SQLite driver
// starts a goroutine per statement to interrupt it, which costs as much
// CPU as the lookup itself, while the lookup is over in microseconds
// anyway. A context that has ended already is passed on, so the query
// fails with its error as usual. PostgreSQL gets ctx unchanged.
func (s *Store) shortCtx(ctx context.Context) context.Context {
	if !s.d.uncancelledShortReads || ctx.Err() != nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

// queryRow runs a short read (see shortCtx) returning at most one row
// outside a transaction, prepared when the store prepares (query in '?'
// form).
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return dbQueryer{s}.QueryRowContext(ctx, s.q(query), args...)
}

// query runs a short read (see shortCtx) outside a transaction, prepared
// when the store prepares (query in '?' form).
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return dbQueryer{s}.QueryContext(ctx, s.q(query), args...)
}

// queryRowWrite runs a statement that writes and returns a row (RETURNING)
// outside a transaction, prepared when the store prepares (query in '?'
// form). Unlike queryRow it keeps ctx's cancellation: a write may wait for
// another process's lock, and that wait ends with the request.
func (s *Store) queryRowWrite(ctx context.Context, query string, args ...any) *sql.Row {
	query = s.q(query)
	if st := s.prepared(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.db.QueryRowContext(ctx, query, args...)
}

// preparedInTx is prepared for a statement run inside a transaction. The
// transaction holds a pool connection and preparing takes another, so
// when every connection is held by a transaction whose goroutine wants to
// prepare, none comes and all wait for ever (seen with 8 concurrent
// person searches on SQLite's 8 connections: prepared holds its lock while
// it waits for a connection, the others wait for the lock). It returns the
// statement only when it is already prepared, and otherwise prepares it in
// the background — by a goroutine that holds no connection — for the next
// use; this use runs the text (SQLite's connections keep their compiled
// statements, stmtcache.go; pgx caches its own).
func (s *Store) preparedInTx(ctx context.Context, query string) *sql.Stmt {
	if !s.d.prepares {
		return nil
	}
	c := &s.stmts
	if v, ok := c.m.Load(query); ok {
		return v.(*sql.Stmt)
	}
	if c.n.Load() < maxPrepared {
		if _, busy := c.pending.LoadOrStore(query, true); !busy {
			go func() {
				defer c.pending.Delete(query)
				s.prepared(context.WithoutCancel(ctx), query)
			}()
		}
	}
	return nil
}

// txExec runs a write statement (query in '?' form) in tx, through the
// store's prepared statement of query when it prepares one: database/sql
// reuses the statement already prepared on the transaction's connection,
// so a transaction of short writes compiles no more than the same writes
// made one by one.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	query = s.q(query)
	if st := s.preparedInTx(ctx, query); st != nil {
		ts := tx.StmtContext(ctx, st)
		defer ts.Close()
		return ts.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// txQuery runs a read (query in '?' form) in tx through the store's
// prepared statement of query when it prepares one (see txExec).
func (s *Store) txQuery(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	query = s.q(query)
	if st := s.preparedInTx(ctx, query); st != nil {
		// The transaction's statement is closed with the transaction.
		return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, query, args...)
}

// dbQueryer is the database as a queryer for short reads (see shortCtx),
// with queries already in the store's dialect, using the prepared
// statements; code shared with transactions takes it in place of a *sql.Tx.
type dbQueryer struct{ s *Store }

func (d dbQueryer) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = d.s.shortCtx(ctx)
	if st := d.s.prepared(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.s.db.QueryContext(ctx, query, args...)
}

func (d dbQueryer) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = d.s.shortCtx(ctx)
	if st := d.s.prepared(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.s.db.QueryRowContext(ctx, query, args...)
}
