package conformance

import (
	"context"
	"errors"
	"testing"
	"time"

	"jedenlogin"
)

// testSessionView checks that SessionView returns the session with its
// login, its person and every grant the login holds with its entity, a zero
// login and person when they do not belong together, and odd text intact.
func testSessionView(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	w := seed(t, s)
	// JANKOW1 also holds a revoked grant at 2000 (any state is listed) and
	// one at a third entity; its revoke reason holds a control character
	// that a store might use to pack text.
	bb := newBuilder(t, s)
	bb.entity("3000", "Liceum \x1f Ogólnokształcące", "1000")
	revoked := bb.grant(w.jankow1, "2000", jedenlogin.FunctionHead)
	bb.b.Grants[0].RevokedAt, bb.b.Grants[0].RevokeReason = at(time.Hour), "koniec\x1fupoważnienia"
	third := bb.grant(w.jankow1, "3000", jedenlogin.FunctionEmployee, "sio")
	bb.apply(t, s)
	rec1, rec3 := mustPerson(t, s, w.p1), mustPerson(t, s, w.p3)
	ents, err := s.Entities(ctx, []string{"1000", "2000", "3000"})
	if err != nil || len(ents) != 3 {
		t.Fatalf("Entities = %+v, %v", ents, err)
	}
	entity := map[string]jedenlogin.Entity{}
	for _, e := range ents {
		entity[e.ID] = e
	}
	grants := func(rec *jedenlogin.PersonRecord, ids ...int64) []jedenlogin.GrantView {
		var out []jedenlogin.GrantView
		for _, id := range ids {
			for _, g := range rec.Grants {
				if g.ID == id {
					out = append(out, jedenlogin.GrantView{Grant: g, Entity: entity[g.EntityID]})
				}
			}
		}
		return out
	}

	mk := func(id string, login, person int64, csrf string) {
		ss := &jedenlogin.Session{IDHash: id, LoginID: login, PersonID: person, CSRFToken: csrf,
			CreatedAt: t0, LastSeenAt: t0.Add(time.Minute), ExpiresAt: t0.Add(12 * time.Hour)}
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatalf("CreateSession(%s): %v", id, err)
		}
	}
	mk("jan", w.jankow1, w.p1, "csrf-jan")
	mk("jan-k", w.jankowk, w.p1, "csrf-jan-k")
	mk("old", w.old, w.p3, "csrf\x1fold")
	mk("other-login", w.ann, w.p1, "csrf-other") // the login of another person
	mk("no-login", 999, w.p1, "csrf-no-login")
	mk("no-person", w.jankow1, 999, "csrf-no-person")

	zeroLogin, zeroPerson := &jedenlogin.Login{}, &jedenlogin.Person{}
	tests := []struct {
		name       string
		id         string
		entity     *string // set by TouchSession first
		wantLogin  *jedenlogin.Login
		wantPerson *jedenlogin.Person
		wantGrants []jedenlogin.GrantView
	}{
		{name: "grants of the login in every state", id: "jan",
			wantLogin: rec1.Login(w.jankow1), wantPerson: &rec1.Person, wantGrants: grants(rec1, w.g1, revoked, third)},
		{name: "an entity chosen", id: "jan", entity: strp("2000"),
			wantLogin: rec1.Login(w.jankow1), wantPerson: &rec1.Person, wantGrants: grants(rec1, w.g1, revoked, third)},
		{name: "another login of the same person", id: "jan-k",
			wantLogin: rec1.Login(w.jankowk), wantPerson: &rec1.Person, wantGrants: grants(rec1, w.g2)},
		{name: "a login without grants", id: "old", wantLogin: rec3.Login(w.old), wantPerson: &rec3.Person},
		{name: "login of another person", id: "other-login", wantLogin: zeroLogin, wantPerson: zeroPerson},
		{name: "login gone", id: "no-login", wantLogin: zeroLogin, wantPerson: zeroPerson},
		{name: "person gone", id: "no-person", wantLogin: zeroLogin, wantPerson: zeroPerson},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.entity != nil {
				if err := s.TouchSession(ctx, tc.id, t0.Add(2*time.Minute), tc.entity); err != nil {
					t.Fatalf("TouchSession: %v", err)
				}
			}
			want, err := s.Session(ctx, tc.id)
			if err != nil {
				t.Fatalf("Session: %v", err)
			}
			v, err := s.SessionView(ctx, tc.id)
			if err != nil {
				t.Fatalf("SessionView: %v", err)
			}
			sameJSON(t, "session", v.Session, want)
			sameJSON(t, "login", v.Login, tc.wantLogin)
			sameJSON(t, "person", v.Person, tc.wantPerson)
			if len(v.Grants) != len(tc.wantGrants) {
				t.Fatalf("Grants = %+v, want %+v", v.Grants, tc.wantGrants)
			}
			for i := range tc.wantGrants {
				sameJSON(t, "grant", v.Grants[i], tc.wantGrants[i])
			}
		})
	}

	t.Run("sees changes of the person", func(t *testing.T) {
		err := s.UpdatePerson(ctx, w.p1, func(r *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
			r.Person.State, r.Person.UnifiedLoginID, r.Person.Operator = jedenlogin.StateDone, &w.jankow1, true
			r.Login(w.jankowk).State = jedenlogin.LoginMerged
			return nil, nil
		})
		if err != nil {
			t.Fatalf("UpdatePerson: %v", err)
		}
		v, err := s.SessionView(ctx, "jan")
		if err != nil {
			t.Fatalf("SessionView: %v", err)
		}
		if v.Person.State != jedenlogin.StateDone || !v.Person.Operator || v.Person.UnifiedLoginID == nil || *v.Person.UnifiedLoginID != w.jankow1 {
			t.Errorf("person after UpdatePerson: %+v", v.Person)
		}
		v, err = s.SessionView(ctx, "jan-k")
		if err != nil || v.Login.State != jedenlogin.LoginMerged {
			t.Errorf("merged login: %+v, %v", v, err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		if _, err := s.SessionView(ctx, "zzz"); !errors.Is(err, jedenlogin.ErrNotFound) {
			t.Errorf("SessionView(missing) = %v, want ErrNotFound", err)
		}
	})
}

func strp(s string) *string { return &s }
