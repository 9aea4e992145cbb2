package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"

	"jedenlogin/store/sqlstore"
)

// Environment variables read by Backends.
const (
	EnvPostgres = "JEDENLOGIN_TEST_POSTGRES"
	EnvStrict   = "JEDENLOGIN_TEST_STRICT"
)

// Backend is one database backend under test.
type Backend struct {
	Name string // "sqlite" or "postgres"
	// NewDSN returns the DSN of a fresh, empty database that lives until the
	// test ends. Opening the same DSN twice gives the same database.
	NewDSN func(t testing.TB) string
}

// Backends returns the backends to test: SQLite always, PostgreSQL when
// JEDENLOGIN_TEST_POSTGRES is set. When it is not set Backends logs why
// PostgreSQL is left out, or fails the test when JEDENLOGIN_TEST_STRICT=1.
func Backends(t testing.TB) []Backend {
	t.Helper()
	bs := []Backend{{Name: sqlstore.BackendSQLite, NewDSN: sqliteDSN}}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		if os.Getenv(EnvStrict) == "1" {
			t.Fatalf("PostgreSQL tests required (%s=1) but %s is not set; set it to e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable", EnvStrict, EnvPostgres)
		}
		t.Logf("PostgreSQL backend not tested: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to test it", EnvPostgres)
		return bs
	}
	return append(bs, Backend{Name: sqlstore.BackendPostgres, NewDSN: func(t testing.TB) string { return postgresDSN(t, base) }})
}

// Run runs fn as a subtest named after each backend.
func Run(t *testing.T, fn func(t *testing.T, b Backend)) {
	t.Helper()
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) { fn(t, b) })
	}
}

// Open opens dsn with migrations applied and closes the store when the test ends.
func Open(t testing.TB, dsn string) *sqlstore.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Migrate: true})
	if err != nil {
		t.Fatalf("open store %s: %v", redact(dsn), err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sqliteDSN(t testing.TB) string {
	return filepath.Join(t.TempDir(), "jedenlogin.db")
}

// postgresDSN creates a schema of its own in the test database and returns
// base with search_path pointing at it; the schema is dropped afterwards.
func postgresDSN(t testing.TB, base string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "jt_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres %s: %v", redact(base), err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("postgres %s: create schema: %v", redact(base), err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			t.Errorf("postgres: drop schema %s: %v", schema, err)
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("postgres: drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// redact hides a password in a DSN.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	return u.Redacted()
}
