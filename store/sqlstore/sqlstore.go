package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"

	"modernc.org/sqlite"

	"jedenlogin"
)

//go:embed schema
var schemaFS embed.FS

// Backend names returned by (*Store).Backend.
const (
	BackendSQLite   = "sqlite"
	BackendPostgres = "postgres"
)

// Options tunes Open.
type Options struct {
	// Migrate applies pending schema migrations at open. Without it Open
	// refuses a database whose schema is missing or older than this binary.
	Migrate bool
}

// Store is a jedenlogin.Store on SQLite or PostgreSQL. It is safe for
// concurrent use, also by several processes sharing one database.
type Store struct {
	db *sql.DB
	// scan is the pool of the reads that cover much of the file: the
	// console's searches and counts, the audit log's pages, the walks of
	// plan and verify. On a SQLite file its connections read through a
	// memory map (sqliteMmapSize), which db's do not; elsewhere it is db.
	scan *sql.DB
	d    *dialect
	// wmu serialises this process's SQLite write transactions so they queue
	// in Go instead of spinning in SQLite's busy handler; other processes
	// are still kept out by the database lock and busy_timeout. It locks
	// nothing on PostgreSQL (dialect.writerLock).
	wmu sync.Locker
	// group queues SQLite write transactions, and PostgreSQL's
	// chainedWriteTx ones, to commit them together (groupcommit.go).
	group txGroup

	qmu    sync.Mutex
	qcache map[string]string

	// memory is true for a ":memory:" database: one connection, forever.
	memory bool

	// ckpt runs the checkpoints of a SQLite file (checkpoint.go).
	ckpt checkpointer

	// stmts holds the prepared statements (SQLite only; prepared.go).
	stmts stmtCache

	// recordFailureSQL is RecordFailure's query in the store's dialect.
	recordFailureSQL string
	// countAttemptSQL is CountAttempt's one statement where the dialect
	// has data-modifying WITH queries (PostgreSQL), else "".
	countAttemptSQL string
}

var _ jedenlogin.Store = (*Store)(nil)

// Open connects to the database named by dsn: a postgres:// or
// postgresql:// URL selects PostgreSQL, anything else is a SQLite file path
// (":memory:" gives a private in-memory database). It returns an error
// wrapping jedenlogin.ErrSchemaOutdated when the schema is not current and
// opts.Migrate is false.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	s := &Store{qcache: map[string]string{}}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		s.d = postgresDialect
		s.db, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		// As many idle connections as open ones: a connection closed for
		// being idle takes its statement cache (pgx) with it.
		s.db.SetMaxOpenConns(20)
		s.db.SetMaxIdleConns(20)
		s.scan = s.db
		s.db.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		s.d = sqliteDialect
		if err := createSQLite(ctx, dsn); err != nil {
			return nil, err
		}
		// Connections that keep their compiled statements (stmtcache.go).
		s.db = sql.OpenDB(sqliteConnector{dsn: sqliteDSN(dsn, 0), drv: &sqlite.Driver{}})
		s.scan = s.db
		if dsn == ":memory:" || dsn == "" {
			// Every connection to ":memory:" is a database of its own: keep
			// exactly one, forever.
			s.memory = true
			s.db.SetMaxOpenConns(1)
			s.db.SetMaxIdleConns(1)
			s.db.SetConnMaxLifetime(0)
			s.db.SetConnMaxIdleTime(0)
		} else {
			s.db.SetMaxOpenConns(sqliteConns)
			s.db.SetMaxIdleConns(sqliteConns)
			s.scan = sql.OpenDB(sqliteConnector{dsn: sqliteDSN(dsn, sqliteMmapSize), drv: &sqlite.Driver{}})
			s.scan.SetMaxOpenConns(sqliteScanConns)
			s.scan.SetMaxIdleConns(sqliteScanConns)
		}
	}
	s.wmu = s.d.writerLock()
	s.recordFailureSQL = recordFailureSQL(s.d.timeType)
	if s.d.batchesWrites {
		s.countAttemptSQL = countAttemptSQL(s.d.timeType)
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.closePools()
		return nil, fmt.Errorf("open %s database: %w", s.d.name, err)
	}
	if opts.Migrate {
		if _, err := s.Migrate(ctx); err != nil {
			s.closePools()
			return nil, err
		}
	}
	cur, latest, err := s.SchemaStatus(ctx)
	if err != nil {
		s.closePools()
		return nil, err
	}
	if cur < latest {
		s.closePools()
		return nil, fmt.Errorf("schema version %d, this binary needs %d: %w", cur, latest, jedenlogin.ErrSchemaOutdated)
	}
	if cur > latest {
		s.closePools()
		return nil, fmt.Errorf("schema version %d is newer than this binary knows (%d); use a newer jedenlogin", cur, latest)
	}
	if s.d == sqliteDialect && !s.memory {
		s.startCheckpoints()
	}
	return s, nil
}

// sqlitePageSize is the page size of a SQLite database jedenlogin
// creates. Twice SQLite's default: a million-login import writes and
// sorts a tenth faster (fewer pages to split, link and write), while a
// sign-in's few rows still fit a page or two per table and index. A
// database keeps the page size it was created with.
const sqlitePageSize = 8192

// createSQLite creates the SQLite database file path with sqlitePageSize
// pages in WAL mode when it does not exist yet (or is empty); the page
// size must be set before the first table and before WAL mode, which the
// connection settings of sqliteDSN turn on at once.
func createSQLite(ctx context.Context, path string) error {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.Contains(path, "?") {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 || err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil // there, or for Open to report
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return fmt.Errorf("create sqlite %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, p := range []string{fmt.Sprintf("PRAGMA page_size = %d", sqlitePageSize), "PRAGMA journal_mode = WAL"} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("create sqlite %s: %s: %w", path, p, err)
		}
	}
	return nil
}

// sqliteConns is how many connections a SQLite file database keeps open
// and idle at most.
const sqliteConns = 8

// sqliteScanConns is how many connections the scan pool keeps (Store.scan).
const sqliteScanConns = 4

// sqliteCacheSize is the page cache of every SQLite connection, in the
// PRAGMA's unit (negative: KiB).
const sqliteCacheSize = -65536

// sqliteMmapSize is how much of a SQLite file the scan pool's connections
// (Store.scan) read through a shared memory map instead of their own page
// cache (SQLite caps it at 2 GiB; beyond, pages are read as before). A
// page read from the map costs no system call and no page-cache slot: the
// driver allocates every cached page on its own and returns it to the
// system when the cache is emptied, which SQLite does for a connection
// whenever another one committed since its last read — on a 1M-login
// database that made a person search cost 10–20 ms of CPU where it reads
// a few hundred pages, and the progress page's scans re-read what another
// connection had cached. Pages written since the last checkpoint are still read from the
// write-ahead log into the cache.
//
// The serving pool (Store.db) has no map: a connection that sees the
// database changed since its last read unmaps the whole file and faults
// every page in again, and under a stream of small writes that is every
// read — token refreshes cost 14 % more CPU and ran 10–18 % slower with the
// map than with their page caches (BENCHMARKS.md, issue 11, session 6).
// The console's and the walks' reads cover far more pages than that costs.
const sqliteMmapSize = 1 << 31

// sqliteDSN adds the connection settings every SQLite connection needs.
func sqliteDSN(p string, mmap int64) string {
	if p == "" {
		p = ":memory:"
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// No commit checkpoints: the Store's goroutine does, beside the
	// writers (checkpoint.go).
	q.Add("_pragma", "wal_autocheckpoint(0)")
	// Savepoints (group commit, groupcommit.go) and statements that change
	// several rows keep the pages they may have to undo in a journal of
	// their own: in memory, not in a temporary file written page by page.
	q.Add("_pragma", "temp_store(MEMORY)")
	// A 64 MiB page cache per connection (the default is 2 MiB): the
	// walks over every person re-read index pages many times.
	q.Add("_pragma", fmt.Sprintf("cache_size(%d)", sqliteCacheSize))
	if p != ":memory:" {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", fmt.Sprintf("mmap_size(%d)", mmap))
	}
	q.Set("_txlock", "immediate")
	sep := "?"
	if strings.Contains(p, "?") {
		sep = "&"
	}
	return p + sep + q.Encode()
}

// CloseAtExit is Close for a command whose process ends right after it
// and that wrote nothing: on a SQLite file it leaves the connections to
// the exit, since closing one frees its page cache page by page (the
// driver returns each page's memory to the system: a fifth of the CPU of
// `plan --format json` on 200,000 logins) and a reader has nothing to
// write back. PostgreSQL connections are closed as by Close.
func (s *Store) CloseAtExit() error {
	if s.d == sqliteDialect && !s.memory {
		return nil
	}
	return s.Close()
}

// Close closes the prepared statements and the database.
func (s *Store) Close() error {
	s.stopCheckpoints()
	s.closeWriter()
	s.closeStmts()
	return s.closePools()
}

// closePools closes the scan pool (when it is a pool of its own) and the
// database.
func (s *Store) closePools() error {
	if s.scan != s.db {
		s.scan.Close()
	}
	return s.db.Close()
}

// Backend returns "sqlite" or "postgres".
func (s *Store) Backend() string { return s.d.name }

// DB returns the underlying database, for tests and tools.
func (s *Store) DB() *sql.DB { return s.db }

// q returns query in the store's dialect: '?' placeholders become $1, $2, …
// where the dialect numbers them. Queries must not contain '?' elsewhere.
func (s *Store) q(query string) string {
	if !s.d.numbered {
		return query
	}
	s.qmu.Lock()
	defer s.qmu.Unlock()
	if r, ok := s.qcache[query]; ok {
		return r
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	r := b.String()
	if len(s.qcache) < 1000 {
		s.qcache[query] = r
	}
	return r
}

// ts converts a time to its column value.
func (s *Store) ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.d.timeValue(t)
}

// tsp converts an optional time to its column value.
func (s *Store) tsp(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.ts(*t)
}

func i64p(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// timeCol scans a time column of either dialect.
type timeCol struct {
	t     time.Time
	valid bool
}

func (c *timeCol) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		c.t, c.valid = time.Time{}, false
	case int64:
		c.t, c.valid = time.Unix(0, v).UTC(), true
	case time.Time:
		c.t, c.valid = v.UTC(), true
	default:
		return fmt.Errorf("time column: unexpected %T", v)
	}
	return nil
}

func (c *timeCol) ptr() *time.Time {
	if !c.valid {
		return nil
	}
	t := c.t
	return &t
}

// intCol scans an integer column (NULL refused, as into an *int64) the
// way the drivers give it, an int64, without the reflection database/sql
// takes for an *int64 destination: the walks over every person scan
// millions of them.
type intCol int64

func (c *intCol) Scan(v any) error {
	if n, ok := v.(int64); ok {
		*c = intCol(n)
		return nil
	}
	var n sql.NullInt64
	if err := n.Scan(v); err != nil {
		return err
	}
	if !n.Valid {
		return errors.New("integer column: NULL")
	}
	*c = intCol(n.Int64)
	return nil
}

// nullIntCol is intCol for a column that may be NULL.
type nullIntCol sql.NullInt64

func (c *nullIntCol) Scan(v any) error {
	switch v := v.(type) {
	case int64:
		*c = nullIntCol{Int64: v, Valid: true}
		return nil
	case nil:
		*c = nullIntCol{}
		return nil
	}
	return (*sql.NullInt64)(c).Scan(v)
}

func nullInt(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

const maxAttempts = 5

// writeTx runs fn in a write transaction, retrying on retryable errors. On
// SQLite the transaction is BEGIN IMMEDIATE (taken at once, so it never
// fails on a lock upgrade) and queued behind this process's other writers.
func (s *Store) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		err = s.writeTxOnce(ctx, fn)
		if err == nil || !s.d.isRetryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
	return err
}

// chainedWriteTx is writeTx for frequent writes that append to the audit
// chain, such as every token response of the OpenID Connect provider. On
// SQLite it is writeTx (grouped already). On PostgreSQL such transactions
// take turns anyway — the chain's lock (audit_chain_last) is held from the
// append through the commit's WAL flush — so one after the other they
// cannot commit more often than the flush allows. Here they queue in this
// process and commit in groups (groupcommit.go): one chain lock and one
// flush for the group, every member answered only after the commit, a
// failed group rerun member by member. The members run without savepoints
// of their own (a round trip each saved): an error fn returns after
// writing must come from a statement (which aborts the transaction), and
// one it returns before writing it marks untouched — any other error
// fails the group, which then reruns member by member. fn must not take
// locks other processes could hold while they wait for the chain's lock
// (a deadlock PostgreSQL would break by failing the group, which then
// reruns alone).
func (s *Store) chainedWriteTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.d.oneWriter {
		return s.writeTx(ctx, fn)
	}
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		err = s.groupWriteTx(ctx, fn, true)
		if err == nil || !s.d.isRetryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
	return err
}

func (s *Store) writeTxOnce(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.d.oneWriter {
		return s.groupWriteTx(ctx, fn, false)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// exec runs one write statement outside a transaction.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var (
		res sql.Result
		err error
	)
	query = s.q(query)
	st := s.prepared(ctx, query)
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if st != nil {
			res, err = st.ExecContext(ctx, args...)
		} else {
			res, err = s.db.ExecContext(ctx, query, args...)
		}
		if err == nil || !s.d.isRetryable(err) || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
	return res, err
}

// readTx runs fn in a read-only transaction that sees one consistent
// snapshot of the database.
func (s *Store) readTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.readTxOn(ctx, s.db, fn)
}

// scanTx is readTx on the scan pool, for reads that cover much of the file.
func (s *Store) scanTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.readTxOn(ctx, s.scan, fn)
}

func (s *Store) readTxOn(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, &s.d.snapshot)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// bumpChanges advances the change counter that ImportSnapshot.Version
// includes; every write that an import's decisions depend on calls it.
func (s *Store) bumpChanges(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, "UPDATE store_meta SET change_count = change_count + 1 WHERE id = 1"); err != nil {
		return fmt.Errorf("bump change counter: %w", err)
	}
	return nil
}

// Migrations.

type migration struct {
	version int
	name    string
	sql     string
}

func (s *Store) migrations() ([]migration, error) {
	dir := path.Join("schema", s.d.name)
	entries, err := fs.ReadDir(schemaFS, dir)
	if err != nil {
		return nil, fmt.Errorf("read embedded schema: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("schema file %s: name must start with a number and '_'", name)
		}
		b, err := fs.ReadFile(schemaFS, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read schema file %s: %w", name, err)
		}
		ms = append(ms, migration{version: v, name: strings.TrimSuffix(name, ".sql"), sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("schema files: expected version %d, found %s", i+1, m.name)
		}
	}
	return ms, nil
}

// SchemaStatus returns the schema version of the database (0 when it has
// none) and the latest version this binary knows.
func (s *Store) SchemaStatus(ctx context.Context) (current, latest int, err error) {
	ms, err := s.migrations()
	if err != nil {
		return 0, 0, err
	}
	current, err = s.schemaVersion(ctx, s.db)
	return current, len(ms), err
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Store) schemaVersion(ctx context.Context, q querier) (int, error) {
	var exists bool
	if err := q.QueryRowContext(ctx, s.d.migrationsExist).Scan(&exists); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}

// Migrate applies the pending schema migrations in order, each in its own
// transaction, and returns the names of those it applied. Concurrent calls
// (several processes) apply each migration once.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	ms, err := s.migrations()
	if err != nil {
		return nil, err
	}
	var applied []string
	for _, m := range ms {
		done := false
		err := s.writeTx(ctx, func(tx *sql.Tx) error {
			// Serialise migrators; the lock ends with the transaction.
			if err := s.d.lockMigrations(ctx, tx); err != nil {
				return fmt.Errorf("lock for migration: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version INTEGER PRIMARY KEY,
				applied_at `+s.d.timeType+` NOT NULL)`); err != nil {
				return fmt.Errorf("create schema_migrations: %w", err)
			}
			cur, err := s.schemaVersion(ctx, tx)
			if err != nil {
				return err
			}
			if cur >= m.version {
				done = true
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"),
				m.version, s.ts(time.Now())); err != nil {
				return fmt.Errorf("record migration %s: %w", m.name, err)
			}
			return nil
		})
		if err != nil {
			return applied, err
		}
		if !done {
			applied = append(applied, m.name)
		}
	}
	return applied, nil
}

// randomSuffix returns n random bytes in hex.
func randomSuffix(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
