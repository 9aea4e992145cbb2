package sqlstore_test

import (
	"context"
	"encoding/json"
	"testing"

	"jedenlogin"
	"jedenlogin/store/sqlstore"
	"jedenlogin/store/storetest"
)

// TestWalkOutlineInPasses: ForEachPersonOutline gives every person, in id
// order, with the outline of their logins and of the grants those logins
// hold, as ForEachPerson gives them — walked in one pass or in several
// (fewer logins per pass than there are), its persons read in one chunk
// or in many on both readers, with logins scattered over the persons
// unlike their id order.
func TestWalkOutlineInPasses(t *testing.T) {
	storetest.Run(t, func(t *testing.T, be storetest.Backend) {
		ctx := context.Background()
		s := storetest.Open(t, be.NewDSN(t))
		snap, err := s.ImportSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b := scaleBatch(snap, 2000)
		// Each login to a person far from its neighbours', some persons
		// with none, some with several.
		persons := b.NewPersons
		for i := range b.Logins {
			b.Logins[i].PersonID = persons[(i*7)%(len(persons)-3)].ID
		}
		if err := jedenlogin.WriteImportBatch(ctx, s, b); err != nil {
			t.Fatalf("WriteImportBatch: %v", err)
		}
		type outline struct {
			Person jedenlogin.Person
			Logins []jedenlogin.Login
			Grants []jedenlogin.Grant
		}
		project := func(rec *jedenlogin.PersonRecord) outline {
			o := outline{Person: rec.Person, Logins: []jedenlogin.Login{}, Grants: []jedenlogin.Grant{}}
			for _, l := range rec.Logins {
				o.Logins = append(o.Logins, jedenlogin.Login{ID: l.ID, PersonID: l.PersonID, Name: l.Name, State: l.State, MergedInto: l.MergedInto,
					Origin: l.Origin, StateBeforeMerge: l.StateBeforeMerge})
			}
			for _, g := range rec.Grants {
				o.Grants = append(o.Grants, jedenlogin.Grant{ID: g.ID, LoginID: g.LoginID, OriginLoginID: g.OriginLoginID, EntityID: g.EntityID, MergedInto: g.MergedInto})
			}
			return o
		}
		walk := func(each func(context.Context, func(*jedenlogin.PersonRecord) error) error) []outline {
			var out []outline
			if err := each(ctx, func(rec *jedenlogin.PersonRecord) error {
				out = append(out, project(rec))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		want := walk(s.ForEachPerson)
		if len(want) != len(persons) {
			t.Fatalf("ForEachPerson gave %d persons, want %d", len(want), len(persons))
		}
		wantJSON, _ := json.Marshal(want)
		for _, perPass := range []int64{1 << 30, 1000, 300} {
			for _, chunk := range []int64{4096, 7} {
				restore := sqlstore.SetWalkPassLogins(perPass)
				restoreChunk := sqlstore.SetWalkChunk(chunk)
				got := walk(s.ForEachPersonOutline)
				restoreChunk()
				restore()
				if gotJSON, _ := json.Marshal(got); string(gotJSON) != string(wantJSON) {
					t.Errorf("%d logins per pass, chunks of %d persons: ForEachPersonOutline differs from ForEachPerson (%d and %d persons)", perPass, chunk, len(got), len(want))
				}
			}
		}
	})
}
