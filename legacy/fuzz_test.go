package legacy_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"jedenlogin/legacy"
	"jedenlogin/legacy/legacyfuzz"
	"jedenlogin/store/sqlstore"
	"jedenlogin/store/storetest"
)

// The fuzz target of Import (TESTING.md, "Fuzzing"); those of Parse are in
// legacyfuzz, built without SQLite. FuzzImport runs a few inputs a second
// (the instrumented SQLite driver and a new database each), so scripts/test
// runs only its seeds; run it longer locally.

func importer(st *sqlstore.Store) *legacy.Importer {
	return &legacy.Importer{Store: st, Now: func() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) }}
}

// counts returns row counts of the tables an import writes.
func counts(t *testing.T, st *sqlstore.Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"persons", "logins", "grants", "entities", "audit_events"} {
		var n int
		if err := st.DB().QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// FuzzImport: Import of any file into an empty database either imports
// every row Parse keeps, or — when Parse finds an error — returns those
// errors and leaves the database empty; importing the same file again
// writes nothing but its audit event.
func FuzzImport(f *testing.F) {
	for _, s := range legacyfuzz.Seeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pf := legacyfuzz.CheckFile(t, data)
		st := storetest.Open(t, storetest.Backends(t)[0].NewDSN(t))
		ctx := context.Background()
		sum, err := importer(st).Import(ctx, bytes.NewReader(data), int64(len(data)))
		if len(pf.Errors)+pf.ErrorsLeftOut > 0 {
			var ve *legacy.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Import = %v; Parse found errors %v", err, pf.Errors)
			}
			if !reflect.DeepEqual(ve.Errors, pf.Errors) || ve.ErrorsLeftOut != pf.ErrorsLeftOut {
				t.Fatalf("Import errors %v, Parse errors %v", ve.Errors, pf.Errors)
			}
			for table, n := range counts(t, st) {
				if n != 0 {
					t.Fatalf("%s has %d rows after a refused import", table, n)
				}
			}
			return
		}
		if err != nil {
			t.Fatalf("Import of a file Parse accepts: %v", err)
		}
		if sum.LoginsNew != len(pf.Rows) || sum.LoginsPresent != 0 {
			t.Fatalf("Import wrote %d logins (%d present); Parse kept %d rows", sum.LoginsNew, sum.LoginsPresent, len(pf.Rows))
		}
		before := counts(t, st)
		sum2, err := importer(st).Import(ctx, bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("second Import: %v", err)
		}
		after := counts(t, st)
		if sum2.LoginsNew != 0 || sum2.LoginsPresent != len(pf.Rows) {
			t.Fatalf("second Import wrote %d logins, found %d present; want 0 and %d", sum2.LoginsNew, sum2.LoginsPresent, len(pf.Rows))
		}
		for table, n := range before {
			want := n
			if table == "audit_events" {
				want++
			}
			if after[table] != want {
				t.Fatalf("second Import: %s went from %d to %d rows", table, n, after[table])
			}
		}
	})
}
