package sqlstore_test

import (
	"fmt"
	"os"
	"testing"

	"jedenlogin/store/storetest"
)

// TestMain says at the end of the run whether PostgreSQL was left out, so
// a PASS without JEDENLOGIN_TEST_POSTGRES is not read as "both backends
// pass". (go test prints a passing package's output only with -v, -json or
// in local directory mode; with JEDENLOGIN_TEST_STRICT=1 the tests fail
// instead.)
func TestMain(m *testing.M) {
	code := m.Run()
	if os.Getenv(storetest.EnvPostgres) == "" {
		fmt.Printf("NOTE: store/sqlstore tested on SQLite only: PostgreSQL was left out because %s is not set (e.g. %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)\n",
			storetest.EnvPostgres, storetest.EnvPostgres)
	}
	os.Exit(code)
}
