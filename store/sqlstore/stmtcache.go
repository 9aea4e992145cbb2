package sqlstore

import (
	"context"
	"database/sql/driver"
	"strings"

	"modernc.org/sqlite"
)

// The SQLite driver compiles every query text it is given afresh (parsing
// was an eighth of the CPU of an OpenID Connect refresh, more than the
// work the short statements of a request do), and database/sql keeps no
// statement cache of its own. So every SQLite connection of a Store keeps
// its compiled statements by query text: a statement run a second time on
// the same connection — inside or outside a transaction — reuses the
// compiled one. This covers every query of the store, not just those that
// go through Store.prepared. PostgreSQL needs none of it: pgx caches
// statements per connection itself.

// maxConnStmts bounds the statements one connection keeps; texts built at
// run time (IN lists of varying length) beyond it run uncached.
const maxConnStmts = 512

// sqliteConnector opens SQLite connections that cache their statements.
type sqliteConnector struct {
	dsn string
	drv *sqlite.Driver
}

func (c sqliteConnector) Connect(context.Context) (driver.Conn, error) {
	dc, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &cachingConn{inner: dc, stmts: map[string]*cachedStmt{}}, nil
}

func (c sqliteConnector) Driver() driver.Driver { return c.drv }

// cachingConn is a driver connection with a statement cache. database/sql
// never uses one connection from two goroutines at once (closing rows
// included), so the cache needs no lock.
type cachingConn struct {
	inner driver.Conn
	stmts map[string]*cachedStmt
}

// cachedStmt is a compiled statement; busy while rows read from it are
// open (a query run again before its rows are closed — nested in a
// transaction — gets a statement of its own).
type cachedStmt struct {
	st   driver.Stmt
	busy bool
}

var (
	_ driver.Conn               = (*cachingConn)(nil)
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.ExecerContext      = (*cachingConn)(nil)
	_ driver.QueryerContext     = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
)

// stmt returns the cached statement of query, compiling it on first use;
// nil when the text is not cached (several statements, the cache full,
// the statement busy, or compiling failed — the caller then runs the text
// directly, which reports any error in the ordinary way).
func (c *cachingConn) stmt(ctx context.Context, query string) *cachedStmt {
	if cs, ok := c.stmts[query]; ok {
		if cs.busy {
			return nil
		}
		return cs
	}
	if len(c.stmts) >= maxConnStmts || strings.Contains(strings.TrimRight(strings.TrimSpace(query), ";"), ";") {
		return nil
	}
	st, err := c.inner.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	cs := &cachedStmt{st: st}
	c.stmts[query] = cs
	return cs
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs := c.stmt(ctx, query)
	if cs == nil {
		return c.inner.(driver.QueryerContext).QueryContext(ctx, query, args)
	}
	rows, err := cs.st.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, cs: cs}, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs := c.stmt(ctx, query)
	if cs == nil {
		return c.inner.(driver.ExecerContext).ExecContext(ctx, query, args)
	}
	cs.busy = true
	defer func() { cs.busy = false }()
	return cs.st.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) { return c.inner.Prepare(query) }

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.inner.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *cachingConn) Begin() (driver.Tx, error) { return c.inner.Begin() } //nolint:staticcheck // required by driver.Conn

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.inner.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error { return c.inner.(driver.Pinger).Ping(ctx) }

func (c *cachingConn) ResetSession(ctx context.Context) error {
	return c.inner.(driver.SessionResetter).ResetSession(ctx)
}

func (c *cachingConn) IsValid() bool { return c.inner.(driver.Validator).IsValid() }

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	for q, cs := range c.stmts {
		cs.st.Close()
		delete(c.stmts, q)
	}
	return c.inner.Close()
}

// cachedRows frees its statement for the next query when closed.
type cachedRows struct {
	driver.Rows
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.cs.busy = false
	return err
}
