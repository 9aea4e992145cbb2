package legacy_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/consolidation"
	"jedenlogin/legacy"
	"jedenlogin/legacy/legacygen"
	"jedenlogin/store/storetest"
)

// TestImportGeneratedFile imports a generated 1,000-row file and checks the
// outcome of the import for every person: unchanged ones are done, generate
// ones hold a reserved login, the others are pending, and the invariants of
// `jedenlogin verify` hold.
func TestImportGeneratedFile(t *testing.T) {
	var data bytes.Buffer
	if _, err := legacygen.Generate(&data, legacygen.Options{Rows: 1000, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		st := storetest.Open(t, b.NewDSN(t))
		im := &legacy.Importer{Store: st, Now: func() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) }}
		ctx := context.Background()
		sum, err := im.Import(ctx, bytes.NewReader(data.Bytes()), int64(data.Len()))
		if err != nil {
			var ve *legacy.ValidationError
			if errors.As(err, &ve) {
				t.Fatalf("%v\n%s", err, ve.Report())
			}
			t.Fatal(err)
		}
		if sum.RowsRead != 1000 || sum.LoginsNew != 1000 || sum.Grants != 1000 {
			t.Errorf("summary: %+v", sum)
		}

		perCase := map[jedenlogin.Case]int{}
		v := consolidation.NewVerifier()
		logins := 0
		err = st.ForEachPerson(ctx, func(rec *jedenlogin.PersonRecord) error {
			p := rec.Person
			perCase[p.Case]++
			logins += len(rec.Logins)
			v.Add(rec)
			if got := consolidation.Classify(rec.Logins); got != p.Case {
				t.Errorf("%s: stored case %s, logins classify as %s", p.Key, p.Case, got)
			}
			switch p.Case {
			case jedenlogin.CaseUnchanged:
				if p.State != jedenlogin.StateDone || p.UnifiedLoginID == nil || p.Account == nil {
					t.Errorf("%s: unchanged but not done: %+v", p.Key, p)
				}
			case jedenlogin.CaseGenerate:
				if p.State != jedenlogin.StatePending || p.GeneratedLoginID == nil {
					t.Fatalf("%s: generate without a reserved login: %+v", p.Key, p)
				}
				l := rec.Login(*p.GeneratedLoginID)
				if l == nil || l.State != jedenlogin.LoginReserved || l.Origin != jedenlogin.OriginGenerated {
					t.Errorf("%s: generated login %+v is not reserved", p.Key, l)
				}
			default:
				if p.State != jedenlogin.StatePending || p.GeneratedLoginID != nil {
					t.Errorf("%s: %s person should be pending without a reserved login: %+v", p.Key, p.Case, p)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range jedenlogin.Cases {
			if perCase[c] == 0 || perCase[c] != sum.Cases[c] {
				t.Errorf("case %s: %d persons stored, summary says %d; want some", c, perCase[c], sum.Cases[c])
			}
		}
		if logins != 1000+sum.GeneratedLogins {
			t.Errorf("%d logins stored, want 1000 legacy + %d reserved", logins, sum.GeneratedLogins)
		}
		for _, viol := range v.Finish() {
			t.Errorf("invariant broken: person %d: %s", viol.PersonID, viol.Message)
		}

		again, err := im.Import(ctx, bytes.NewReader(data.Bytes()), 0)
		if err != nil {
			t.Fatal(err)
		}
		if again.LoginsNew != 0 || again.LoginsPresent != 1000 || again.PersonsNew+again.PersonsUpdated != 0 {
			t.Errorf("re-import: %+v; want nothing new", again)
		}
	})
}
