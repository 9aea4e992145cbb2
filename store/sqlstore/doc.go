// Package sqlstore is the SQL implementation of jedenlogin.Store, one code
// base with two dialects: SQLite (modernc.org/sqlite, pure Go, the default)
// and PostgreSQL (pgx through database/sql). The schema lives in embedded,
// numbered files under schema/<dialect>/ and is applied in order by Migrate,
// which records each file in schema_migrations.
//
// Business rules are not here: the store loads and saves records, locks
// what must be serialised, and keeps counters atomic. Times are stored in
// UTC (SQLite: INTEGER Unix nanoseconds; PostgreSQL: timestamptz, which
// keeps microseconds).
package sqlstore
