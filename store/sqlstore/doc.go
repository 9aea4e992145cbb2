// Package sqlstore is the SQL implementation of jedenlogin.Store, one code
// base with two dialects: SQLite (modernc.org/sqlite, pure Go, the default)
// and PostgreSQL (pgx through database/sql).
//
// # Dialects
//
// What the two databases do differently is a value, not a branch (dex's
// flavor): Open picks sqliteDialect or postgresDialect (dialect.go) once,
// from the DSN, and the rest of the store writes each query once, with '?'
// placeholders and SQL both databases run (ON CONFLICT … DO UPDATE,
// RETURNING, CAST, string_agg), taking from its dialect only what differs:
// placeholder numbering (Store.q), the time column type and value, the
// " FOR UPDATE" of a locking read, transaction-scoped named locks
// (pg_advisory_xact_lock; nothing on SQLite, whose BEGIN IMMEDIATE write
// transaction already excludes every other writer), whether writers queue
// in this process (Store.wmu, a mutex on SQLite and a no-op on
// PostgreSQL), the options of a snapshot read and how several readers
// share one snapshot, whether the store keeps prepared statements,
// case-insensitive name search (GLOB vs a regular expression over
// per-letter case classes, since LIKE and ILIKE fold only ASCII), id-list
// parameters (json_each vs = ANY), and error classification (unique
// violation; busy or serialization failure, after which a transaction is
// retried). The bulk import is the one place where the two do truly
// different work — COPY on PostgreSQL; multi-row INSERTs of prepared
// statements with foreign keys off and indexes rebuilt in sorted passes on
// SQLite — and sits behind the small bulkLoader interface, one
// implementation per dialect (bulk_sqlite.go, bulk_postgres.go). No code
// outside Open, dialect.go and those two files names a database; the rest
// reads dialect fields.
//
// # Round trips
//
// On PostgreSQL every statement is a round trip to a server process on the
// same machine, and its CPU, and the wake-ups on both sides, come out of
// the cores that hash passwords: a sign-in's statements are what keeps its
// rate below the raw argon2id rate (BENCHMARKS.md, issue 16). So the hot
// paths send few: a person's second factors are asked in one EXISTS
// (HasMFA), a successful sign-in takes the address's failure back inside
// its session's transaction (SessionStart.Forgive), the independent writes of a transaction go as one statement of
// data-modifying WITH queries (dialect.batchesWrites, batch.go), and the
// audit chain's lock comes with the read of the newest event in one call
// (audit_chain_last(), dialect.auditLast). SQLite, in-process, runs the
// same writes one by one through prepared statements.
//
// # Audit chain
//
// Every appended audit event stores the hash of the event before it
// (jedenlogin.AuditHash), so that jedenlogin verify --audit finds any
// changed, removed or inserted event. Appends take turns so that the
// chain follows the ids: SQLite's write transaction excludes every other
// writer; on PostgreSQL audit_chain_last() takes a transaction-scoped
// advisory lock before it reads the newest event, and the lock is held
// until the appending transaction commits. Appends come last in their
// transactions (at most a queued mail or the change counter after them),
// so the lock is held for little more than the insert and the commit.
//
// # Schema
//
// The schema lives in embedded, numbered files, one tree per dialect
// (schema/sqlite/, schema/postgres/), applied in order by Migrate, which
// records each version in schema_migrations. The two trees are kept apart
// on purpose: the files differ in column types and collations (INTEGER
// nanoseconds vs timestamptz, COLLATE "C"), and a file once released is
// never edited, since databases in the field recorded it as applied; a new
// migration is a new file in both trees with the same number.
//
// Business rules are not here: the store loads and saves records, locks
// what must be serialised, and keeps counters atomic. Times are stored in
// UTC (SQLite: INTEGER Unix nanoseconds; PostgreSQL: timestamptz, which
// keeps microseconds). Login names are compared ignoring case through the
// name_folded column, which holds loginname.Fold of the name.
package sqlstore
