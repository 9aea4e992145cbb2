package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is what SQLite and PostgreSQL do differently, as a value (dex's
// flavor): Open picks sqliteDialect or postgresDialect once, and the rest of
// the store writes one query text ('?' placeholders, standard SQL both
// databases run: ON CONFLICT … DO UPDATE, RETURNING, string_agg) and asks
// its dialect for what is not the same. No code outside Open, this file and
// the two bulkLoader implementations names a database; the rest reads the
// fields below and never compares dialects.
type dialect struct {
	// name is the backend's name (Store.Backend) and the directory of its
	// migrations under schema/.
	name string
	// numbered: placeholders are $1, $2, … (Store.q rewrites the '?' of
	// the store's query texts), not '?'.
	numbered bool

	// timeType is the column type of a time; timeValue is the column value
	// of a non-zero time: INTEGER Unix nanoseconds on SQLite, timestamptz
	// (microseconds) on PostgreSQL. timeCol scans both.
	timeType  string
	timeValue func(time.Time) any
	// timeResolution is the precision a time column keeps (the audit
	// chain hashes times as stored).
	timeResolution time.Duration
	// dayNumber is the expression of a time column's UTC day as whole days
	// since 1970-01-01.
	dayNumber func(col string) string

	// forUpdate follows a SELECT in a write transaction that must lock the
	// rows it reads: " FOR UPDATE" on PostgreSQL; empty on SQLite, whose
	// write transaction (BEGIN IMMEDIATE) already excludes every other
	// writer.
	forUpdate string
	// skipLocked follows a SELECT that claims rows for one worker among
	// many (the mail outbox): " FOR UPDATE SKIP LOCKED" on PostgreSQL, so
	// concurrent claimers take different rows without waiting; empty on
	// SQLite, whose one writer claims alone.
	skipLocked string
	// lockName takes a lock on name until the transaction ends, so writers
	// of the same name (a login prefix) run one after the other; nothing on
	// SQLite, for the same reason.
	lockName func(ctx context.Context, tx *sql.Tx, name string) error
	// auditLast is the query, in a write transaction, of the newest audit
	// event (columns "id, " + auditCols), the one the next event links to,
	// taken with the chain's lock held until the transaction ends, so
	// appends take turns: on PostgreSQL audit_chain_last() (migration 0015), which
	// takes lockName's lock on "audit_events chain" and then reads, in one round
	// trip; on SQLite a plain read, its write transaction excluding every
	// other writer already.
	auditLast string
	// lockMigrations serialises migrators until the transaction ends.
	lockMigrations func(ctx context.Context, tx *sql.Tx) error
	// oneWriter: the database lets one write transaction in at a time, so
	// the store queues this process's writers in Go (Store.wmu) rather than
	// in the database's busy handler. Write transactions themselves are
	// BEGIN IMMEDIATE on SQLite (sqliteDSN's _txlock) and READ COMMITTED
	// with row locks (forUpdate, lockName) on PostgreSQL.
	oneWriter bool

	// snapshot are the options of a read-only transaction that sees one
	// state of the database throughout (SQLite's transactions all do).
	snapshot sql.TxOptions
	// shareSnapshot begins n read-only transactions (through begin, which
	// uses snapshot) that all see one state of the database.
	shareSnapshot func(ctx context.Context, s *Store, n int, begin func() (*sql.Tx, error)) error
	// walkSettings are run (SET LOCAL) in each reader of a walk over every
	// person (ForEachPerson).
	walkSettings []string

	// batchesWrites: the independent writes of a transaction go to the
	// database as one statement of data-modifying WITH queries (batch.go):
	// one round trip instead of one per write.
	batchesWrites bool
	// prepares: the store keeps a prepared statement per query text
	// (prepared.go); false where the driver keeps its own cache (pgx).
	prepares bool
	// uncancelledShortReads: a short read runs without its context's
	// cancellation (shortCtx), which the SQLite driver pays a goroutine
	// per statement for.
	uncancelledShortReads bool

	// keyGroup is the expression of a person's grouping: person_key up to
	// its first ':'.
	keyGroup string
	// nameContains returns the condition on the name column, and its one
	// argument, that matches names containing query ignoring case, Polish
	// letters included, whatever the collation (caseClasses): SQLite GLOB
	// or a PostgreSQL regular expression; LIKE and ILIKE fold only ASCII.
	nameContains func(query string) (cond, pattern string)
	// idsIn returns the condition "col is one of the ids" with one
	// placeholder, whose argument idsArg encodes: json_each of a JSON
	// array on SQLite, = ANY of a bigint array on PostgreSQL.
	idsIn  func(col string) string
	idsArg func(ids []int64) (any, error)
	// migrationsExist is a query returning whether schema_migrations exists.
	migrationsExist string
	// loadIndexes is a query of one argument, a table, listing the name and
	// CREATE statement of each of its indexes that an import may drop for a
	// large load: those backing no constraint.
	loadIndexes string
	// loadForeignKeys is a query of one argument, a table, listing the
	// name and definition (for ALTER TABLE … ADD CONSTRAINT) of each of its
	// foreign keys, which an import drops with the indexes for a large load
	// and adds again at commit: adding one checks every row in one join,
	// where a deferred check runs a lookup per row. "" where the import
	// checks references otherwise (SQLite: checkRefs).
	loadForeignKeys string

	// isUniqueViolation reports a unique or primary-key violation.
	isUniqueViolation func(error) bool
	// isRetryable reports errors after which the whole transaction may
	// simply run again: a busy or locked database on SQLite, a
	// serialization failure or deadlock on PostgreSQL.
	isRetryable func(error) bool

	// bulk is how an import loads and finishes its rows (import.go).
	bulk bulkLoader

	// backupInto is the statement that writes a consistent copy of the
	// open database to the file named by its one argument while others
	// keep writing (Store.Backup); "" where the database is backed up by
	// its own tools (PostgreSQL: pg_dump and WAL archiving).
	backupInto string
}

var sqliteDialect = &dialect{
	name:           BackendSQLite,
	timeType:       "INTEGER",
	timeValue:      func(t time.Time) any { return t.UnixNano() },
	timeResolution: time.Nanosecond,
	dayNumber:      func(col string) string { return "(" + col + " / 86400000000000)" },
	lockName:       func(context.Context, *sql.Tx, string) error { return nil },
	lockMigrations: func(context.Context, *sql.Tx) error { return nil },
	auditLast:      "SELECT id, " + colList(auditCols, "") + " FROM audit_events ORDER BY id DESC LIMIT 1",
	oneWriter:      true,
	snapshot:       sql.TxOptions{ReadOnly: true},
	shareSnapshot:  sqliteShareSnapshot,
	prepares:       true,

	uncancelledShortReads: true,

	keyGroup: "substr(person_key, 1, instr(person_key, ':') - 1)",
	nameContains: func(query string) (string, string) {
		return "name GLOB ?", "*" + caseClasses(query, false) + "*"
	},
	idsIn:           func(col string) string { return col + " IN (SELECT value FROM json_each(?))" },
	idsArg:          jsonIDs,
	migrationsExist: "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
	loadIndexes:     "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",

	isUniqueViolation: func(err error) bool {
		var se *sqlite.Error
		return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
	},
	isRetryable: func(err error) bool {
		var se *sqlite.Error
		if !errors.As(err, &se) {
			return false
		}
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	},
	bulk:       sqliteBulk{},
	backupInto: "VACUUM INTO ?",
}

var postgresDialect = &dialect{
	name:      BackendPostgres,
	numbered:  true,
	timeType:  "TIMESTAMPTZ",
	timeValue: func(t time.Time) any { return t.UTC() },
	// timestamptz keeps microseconds; pgx truncates the rest.
	timeResolution: time.Microsecond,
	dayNumber:      func(col string) string { return "floor(extract(epoch FROM " + col + ") / 86400)::bigint" },
	forUpdate:      " FOR UPDATE",
	skipLocked:     " FOR UPDATE SKIP LOCKED",
	lockName: func(ctx context.Context, tx *sql.Tx, name string) error {
		_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext($1))", name)
		return err
	},
	lockMigrations: func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7244918315)")
		return err
	},
	auditLast:     "SELECT id, " + colList(auditCols, "") + " FROM audit_chain_last()",
	snapshot:      sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead},
	shareSnapshot: postgresShareSnapshot,
	batchesWrites: true,
	// Each chunk of a walk touches a few thousand of a million rows: plan
	// it for its real bounds, and walk the grants through their index
	// instead of hashing the whole table once per chunk, which the planner
	// prefers on its cost estimates.
	walkSettings: []string{"plan_cache_mode = force_custom_plan", "enable_hashjoin = off", "enable_mergejoin = off"},

	keyGroup: "split_part(person_key, ':', 1)",
	nameContains: func(query string) (string, string) {
		return "name ~ ?", caseClasses(query, true)
	},
	idsIn:           func(col string) string { return col + " = ANY(?)" },
	idsArg:          func(ids []int64) (any, error) { return ids, nil },
	migrationsExist: "SELECT to_regclass('schema_migrations') IS NOT NULL",
	loadIndexes: `SELECT i.indexname, i.indexdef FROM pg_indexes i
			WHERE i.schemaname = current_schema() AND i.tablename = ?
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)`,
	loadForeignKeys: `SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
			WHERE contype = 'f' AND conrelid = to_regclass(?) ORDER BY conname`,

	isUniqueViolation: func(err error) bool {
		var pe *pgconn.PgError
		return errors.As(err, &pe) && pe.Code == "23505"
	},
	isRetryable: func(err error) bool {
		var pe *pgconn.PgError
		return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
	},
	bulk: postgresBulk{},
}

// noLock is the writer lock of a database that takes many writers at once.
type noLock struct{}

func (noLock) Lock()   {}
func (noLock) Unlock() {}

// writerLock returns the lock that queues this process's writers: a mutex
// where the database lets one writer in at a time.
func (d *dialect) writerLock() sync.Locker {
	if d.oneWriter {
		return new(sync.Mutex)
	}
	return noLock{}
}

// sqliteShareSnapshot: a SQLite reader sees the database as of its first
// read, so the write lock is held while every reader makes it — no commit
// can come between them — and released at once.
func sqliteShareSnapshot(ctx context.Context, s *Store, n int, begin func() (*sql.Tx, error)) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	w, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer w.Rollback()
	for range n {
		tx, err := begin()
		if err != nil {
			return err
		}
		var one int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM store_meta").Scan(&one); err != nil {
			return fmt.Errorf("begin reading: %w", err)
		}
	}
	return nil
}

// jsonIDs is ids as a JSON array, for json_each.
func jsonIDs(ids []int64) (any, error) {
	b, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// snapshotID is the form of a PostgreSQL snapshot id (pg_export_snapshot).
var snapshotID = regexp.MustCompile(`^[0-9A-F]+-[0-9A-F]+(-[0-9A-F]+)?$`)

// postgresShareSnapshot: the first transaction exports its snapshot and
// the others take it.
func postgresShareSnapshot(ctx context.Context, s *Store, n int, begin func() (*sql.Tx, error)) error {
	tx, err := begin()
	if err != nil {
		return err
	}
	var snap string
	if err := tx.QueryRowContext(ctx, "SELECT pg_export_snapshot()").Scan(&snap); err != nil {
		return fmt.Errorf("export snapshot: %w", err)
	}
	if !snapshotID.MatchString(snap) {
		return fmt.Errorf("export snapshot: unexpected id %q", snap)
	}
	for range n - 1 {
		tx, err := begin()
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "SET TRANSACTION SNAPSHOT '"+snap+"'"); err != nil {
			return fmt.Errorf("share snapshot: %w", err)
		}
	}
	return nil
}
