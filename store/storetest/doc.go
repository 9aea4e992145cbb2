// Package storetest gives tests a fresh, migrated database on every backend
// the machine offers: SQLite always, PostgreSQL when the environment variable
// JEDENLOGIN_TEST_POSTGRES holds a DSN (e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable). Without it the
// PostgreSQL run is left out with a log line, or fails the test when
// JEDENLOGIN_TEST_STRICT=1. Every test that touches a database uses it, so
// the choice of backends lives in one place.
package storetest
