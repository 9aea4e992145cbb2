package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jedenlogin/service"
	"jedenlogin/store/storetest"
)

// TestCLIRefusesMissingDatabase: a mistyped --db names the missing
// database instead of creating an empty file and calling its schema
// outdated; only the commands that create a database may create one.
func TestCLIRefusesMissingDatabase(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "literowka.db")
	for _, args := range [][]string{
		{"plan", "--db", missing},
		{"verify", "--db", missing},
		{"unlock", "--db", missing, "JANKOW1"},
		{"create-operator", "--db", missing, "JANKOW1"},
	} {
		code, _, errOut := cli(t, args...)
		if code != 1 || !strings.Contains(errOut, "baza danych "+missing+" nie istnieje") {
			t.Errorf("%s: exit %d, stderr %q", args[0], code, errOut)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Fatalf("%s created %s", args[0], missing)
		}
	}
	if code, out, errOut := cli(t, "migrate-schema", "--db", missing); code != 0 || !strings.Contains(out, "schemat bazy danych w wersji") {
		t.Errorf("migrate-schema on a new file: exit %d\n%s%s", code, out, errOut)
	}
}

// TestCLIUnlock: unlock says what it did — a blocked login is unblocked, a
// login that was not blocked only has its counter reset, a blocked name
// without a login is unblocked and said to have no login, and a name that
// is neither is an error (with the login that differs only in case).
func TestCLIUnlock(t *testing.T) {
	sample := filepath.Join("..", "..", "testdata", "legacy-sample.csv")
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		dsn := b.NewDSN(t)
		if code, out, errOut := cli(t, "import", "--db", dsn, sample); code != 0 {
			t.Fatalf("import: %d\n%s%s", code, out, errOut)
		}
		st := storetest.Open(t, dsn)
		ctx := context.Background()
		snap, err := st.ImportSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var login string
		for name := range snap.Logins {
			if strings.ToUpper(name) != name {
				login = name // a mixed-case login, so its upper-cased form is no login
				break
			}
		}
		if login == "" {
			t.Fatal("the sample has no mixed-case login")
		}
		now := time.Now()
		for range 5 {
			if _, _, err := st.RecordFailure(ctx, service.LoginKey(login), now, 15*time.Minute, 5, 15*time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := st.RecordFailure(ctx, service.LoginKey("NIEMA1"), now, 15*time.Minute, 5, 15*time.Minute); err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			name, login string
			code        int
			out         string
		}{
			{"blocked login", login, 0, "login " + login + " odblokowany"},
			{"no longer blocked", login, 0, "login " + login + " nie był zablokowany; wyzerowano licznik nieudanych prób (0)"},
			{"counted name without a login", "NIEMA1", 0, "zdjęto blokadę nazwy NIEMA1 (takiego loginu nie ma"},
			{"nothing at all", "NIEMA2", 1, "unlock: nie ma loginu NIEMA2 ani blokady tej nazwy"},
			{"case twin", strings.ToUpper(login), 1, "czy chodziło o " + login + "?"},
		} {
			code, out, errOut := cli(t, "unlock", "--db", dsn, tc.login)
			if code != tc.code || !strings.Contains(out+errOut, tc.out) {
				t.Errorf("%s: exit %d, output %q, want %d with %q", tc.name, code, out+errOut, tc.code, tc.out)
			}
		}
		if th, err := st.ThrottleState(ctx, service.LoginKey(login)); err != nil || th.BlockedUntil != nil || th.Failures != 0 {
			t.Errorf("after unlock: %+v, %v", th, err)
		}
	})
}
