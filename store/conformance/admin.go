package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"jedenlogin"
)

func runAdminTests(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"SearchPersons", testSearchPersons},
		{"PersonsOutline", testPersonsOutline},
		{"SessionsOfPerson", testSessionsOfPerson},
		{"ConsolidationsPerDay", testConsolidationsPerDay},
		{"AuditChain", testAuditChain},
		{"AuditChainConcurrent", testAuditChainConcurrent},
		{"AuditFilterAddressOutcome", testAuditFilterAddressOutcome},
		{"AdminTokens", testAdminTokens},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

func testSearchPersons(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	w := seed(t, s)
	err := s.UpdatePerson(ctx, w.p2, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		rec.Person.Account = &jedenlogin.AccountData{FirstName: "Anna", LastName: "Nowak", PESEL: "02270803628", Email: "anna@example.pl"}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    jedenlogin.PersonSearch
		want []int64
	}{
		{"login folded", jedenlogin.PersonSearch{LoginFolded: "JANKOW.K"}, []int64{w.p1}},
		{"login exact upper", jedenlogin.PersonSearch{LoginFolded: "OLD"}, []int64{w.p3}},
		{"login lower is not folded", jedenlogin.PersonSearch{LoginFolded: "jankow.k"}, []int64{}},
		{"pesel of key and logins", jedenlogin.PersonSearch{PESEL: "44051401458"}, []int64{w.p1, w.p2, w.p3}},
		{"pesel of account", jedenlogin.PersonSearch{PESEL: "02270803628"}, []int64{w.p2}},
		{"email of login", jedenlogin.PersonSearch{Emails: []string{"JANKOW1@example.pl", "x@y.pl"}}, []int64{w.p1}},
		{"email of account", jedenlogin.PersonSearch{Emails: []string{"anna@example.pl"}}, []int64{w.p2}},
		{"last name", jedenlogin.PersonSearch{LastNames: []string{"Nowak", "NOWAK"}}, []int64{w.p2}},
		{"first and last name", jedenlogin.PersonSearch{LastNames: []string{"Kowalski"}, FirstNames: []string{"Jan"}}, []int64{w.p1, w.p2, w.p3}},
		{"first name differs", jedenlogin.PersonSearch{LastNames: []string{"Kowalski"}, FirstNames: []string{"Piotr"}}, []int64{}},
		{"alternatives", jedenlogin.PersonSearch{LoginFolded: "OLD", Emails: []string{"anna@example.pl"}}, []int64{w.p2, w.p3}},
		{"nothing asked", jedenlogin.PersonSearch{}, []int64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.SearchPersons(ctx, tc.q, 50)
			if err != nil {
				t.Fatalf("SearchPersons: %v", err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("SearchPersons(%+v) = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
	got, err := s.SearchPersons(ctx, jedenlogin.PersonSearch{PESEL: "44051401458"}, 2)
	if err != nil || !slices.Equal(got, []int64{w.p1, w.p2}) {
		t.Errorf("SearchPersons limit 2 = %v, %v", got, err)
	}
}

func testSessionsOfPerson(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	w := seed(t, s)
	for i, id := range []string{"a1", "b2", "c3"} {
		pid, lid := w.p1, w.jankow1
		if id == "c3" {
			pid, lid = w.p2, w.ann
		}
		created := t0.Add(time.Duration(i) * time.Minute)
		if err := s.CreateSession(ctx, &jedenlogin.Session{IDHash: id, LoginID: lid, PersonID: pid, CSRFToken: "t", CreatedAt: created, LastSeenAt: created, ExpiresAt: created.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	ss, err := s.SessionsOfPerson(ctx, w.p1)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, x := range ss {
		ids = append(ids, x.IDHash)
	}
	if !slices.Equal(ids, []string{"b2", "a1"}) || !ss[0].CreatedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("SessionsOfPerson = %v (%+v), want newest first b2, a1", ids, ss)
	}
	if ss, err := s.SessionsOfPerson(ctx, w.p3); err != nil || len(ss) != 0 {
		t.Errorf("SessionsOfPerson(no sessions) = %v, %v", ss, err)
	}
}

func testConsolidationsPerDay(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	w := seed(t, s)
	day := time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)
	for pid, at := range map[int64]time.Time{
		w.p1: day.Add(23*time.Hour + 59*time.Minute),
		w.p2: day.Add(2 * time.Hour),
		w.p3: day.Add(-48 * time.Hour), // before since
	} {
		err := s.UpdatePerson(ctx, pid, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
			rec.Person.State = jedenlogin.StateDone
			rec.Person.ConsolidatedAt = &at
			return nil, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ConsolidationsPerDay(ctx, day.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "ConsolidationsPerDay", got, []jedenlogin.DayCount{{Day: day, N: 2}})
	// since within a day: that day counts from since on.
	got, err = s.ConsolidationsPerDay(ctx, day.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "ConsolidationsPerDay from 03:00", got, []jedenlogin.DayCount{{Day: day, N: 1}})
	// after the newest: none.
	got, err = s.ConsolidationsPerDay(ctx, day.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "ConsolidationsPerDay after the newest", got, []jedenlogin.DayCount{})
}

// auditLog reads the whole log in id order.
func auditLog(t testing.TB, s jedenlogin.Store) []jedenlogin.AuditEvent {
	t.Helper()
	var evs []jedenlogin.AuditEvent
	if err := s.ForEachAudit(context.Background(), 0, func(e jedenlogin.AuditEvent) error {
		evs = append(evs, e)
		return nil
	}); err != nil {
		t.Fatalf("ForEachAudit: %v", err)
	}
	return evs
}

// brokenLink returns the id of the first event whose link fails, 0 if none.
func brokenLink(evs []jedenlogin.AuditEvent) int64 {
	var c jedenlogin.AuditChain
	for _, e := range evs {
		if !c.Add(e) {
			return e.ID
		}
	}
	return 0
}

func testAuditChain(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	w := seed(t, s) // the import's event is the first link
	p := w.p1
	odd := t0.Add(123456789 * time.Nanosecond)
	if err := s.AppendAudit(ctx, jedenlogin.AuditEvent{At: odd, Action: jedenlogin.AuditSignIn, Actor: "JANKOW1", PersonID: &p, Subject: "JANKOW1", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendAudit(ctx,
		jedenlogin.AuditEvent{Action: jedenlogin.AuditSignOut, Actor: "JANKOW1", Outcome: "ok"},
		jedenlogin.AuditEvent{Action: jedenlogin.AuditBlocked, Actor: "system", Subject: "X", Outcome: "blocked"}); err != nil {
		t.Fatal(err)
	}
	err := s.UpdatePerson(ctx, w.p2, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		return []jedenlogin.AuditEvent{{Action: jedenlogin.AuditContactChanged, Actor: "ANNNOW1", Outcome: "ok"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	evs := auditLog(t, s)
	if len(evs) != 5 {
		t.Fatalf("audit log has %d events, want 5", len(evs))
	}
	if evs[0].Action != jedenlogin.AuditImport || evs[0].PrevHash != jedenlogin.AuditGenesis {
		t.Errorf("first event %s links to %q, want the import linked to the genesis", evs[0].Action, evs[0].PrevHash)
	}
	if id := brokenLink(evs); id != 0 {
		t.Errorf("chain broken at event %d in an untouched log: %+v", id, evs)
	}
	// The same events read by Audit carry the same links.
	newest, err := s.Audit(ctx, jedenlogin.AuditFilter{Limit: 1})
	if err != nil || len(newest) != 1 || newest[0].PrevHash != jedenlogin.AuditHash(&evs[3]) {
		t.Errorf("Audit newest = %+v, %v; want the link to event %d", newest, err, evs[3].ID)
	}
	// A forged copy of an event no longer matches its successor's link.
	forged := slices.Clone(evs)
	forged[2].Outcome = "failed"
	if id := brokenLink(forged); id != evs[3].ID {
		t.Errorf("forged outcome of event %d: first broken link %d, want %d", evs[2].ID, id, evs[3].ID)
	}
	removed := slices.Delete(slices.Clone(evs), 1, 2)
	if id := brokenLink(removed); id != evs[2].ID {
		t.Errorf("removed event %d: first broken link %d, want %d", evs[1].ID, id, evs[2].ID)
	}
}

func testAuditChainConcurrent(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	w := seed(t, s)
	const workers, each = 6, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				var err error
				if i%2 == 0 {
					err = s.AppendAudit(ctx, jedenlogin.AuditEvent{Action: jedenlogin.AuditSignIn, Actor: fmt.Sprintf("W%d", g), Outcome: "ok"},
						jedenlogin.AuditEvent{Action: jedenlogin.AuditSignOut, Actor: fmt.Sprintf("W%d", g), Outcome: "ok"})
				} else {
					err = s.UpdatePerson(ctx, w.p1+int64(g%3), func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
						return []jedenlogin.AuditEvent{{Action: jedenlogin.AuditContactChanged, Actor: fmt.Sprintf("W%d", g), Outcome: "ok"}}, nil
					})
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent append: %v", err)
	}
	evs := auditLog(t, s)
	if want := 1 + workers*(each/2*2+each/2); len(evs) != want {
		t.Errorf("audit log has %d events, want %d", len(evs), want)
	}
	if id := brokenLink(evs); id != 0 {
		t.Errorf("chain broken at event %d after concurrent appends", id)
	}
}

func testAuditFilterAddressOutcome(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	if err := s.AppendAudit(ctx,
		jedenlogin.AuditEvent{At: t0, Action: jedenlogin.AuditSignIn, Actor: "A", Address: "192.0.2.1", Outcome: "ok"},
		jedenlogin.AuditEvent{At: t0, Action: jedenlogin.AuditSignInFailed, Actor: "A", Address: "192.0.2.1", Outcome: "failed"},
		jedenlogin.AuditEvent{At: t0, Action: jedenlogin.AuditSignInFailed, Actor: "B", Address: "192.0.2.2", Outcome: "failed"},
	); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    jedenlogin.AuditFilter
		want int
	}{
		{jedenlogin.AuditFilter{Address: "192.0.2.1"}, 2},
		{jedenlogin.AuditFilter{Outcome: "failed"}, 2},
		{jedenlogin.AuditFilter{Outcome: "failed", Address: "192.0.2.1"}, 1},
		{jedenlogin.AuditFilter{Address: "192.0.2.9"}, 0},
	} {
		got, err := s.Audit(ctx, tc.f)
		if err != nil || len(got) != tc.want {
			t.Errorf("Audit(%+v) = %d events, %v; want %d", tc.f, len(got), err, tc.want)
		}
	}
}

func testPersonsOutline(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	w := seed(t, s)
	got, err := s.PersonsOutline(ctx, []int64{w.p3, 999999, w.p1})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Person.ID != w.p1 || got[1].Person.ID != w.p3 {
		t.Fatalf("PersonsOutline = %+v, want p1 and p3 by id", got)
	}
	if names := loginNames(got[0].Logins); !slices.Equal(names, []string{"JANKOW1", "jankow.k"}) || len(got[0].Grants) != 0 {
		t.Errorf("p1 outline: logins %v, grants %d", names, len(got[0].Grants))
	}
	sameJSON(t, "p1 person", got[0].Person, mustPerson(t, s, w.p1).Person)
	if got, err := s.PersonsOutline(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("PersonsOutline(nil) = %v, %v", got, err)
	}
}

// testAdminTokens: operator tokens are created with their audit event,
// found by hash in any state, listed by name, revoked once, touched
// forward only; a name is never reused, not even after revocation.
func testAdminTokens(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	ev := func(name, outcome string) jedenlogin.AuditEvent {
		return jedenlogin.AuditEvent{At: t0, Action: jedenlogin.AuditAdminToken, Actor: "cli", Subject: "token:" + name, Outcome: outcome}
	}
	if got, err := s.AdminTokens(ctx); err != nil || len(got) != 0 {
		t.Fatalf("AdminTokens of an empty store = %v, %v; want none", got, err)
	}
	skrypt := jedenlogin.AdminToken{Name: "skrypt", Hash: "aa01", CreatedAt: t0, ExpiresAt: at(24 * time.Hour)}
	if err := s.CreateAdminToken(ctx, skrypt, ev("skrypt", "created")); err != nil {
		t.Fatalf("CreateAdminToken: %v", err)
	}
	if err := s.CreateAdminToken(ctx, jedenlogin.AdminToken{Name: "crm", Hash: "bb02", CreatedAt: t0.Add(time.Second)}, ev("crm", "created")); err != nil {
		t.Fatalf("CreateAdminToken crm: %v", err)
	}
	for name, dup := range map[string]jedenlogin.AdminToken{
		"same name": {Name: "skrypt", Hash: "cc03", CreatedAt: t0},
		"same hash": {Name: "inny", Hash: "aa01", CreatedAt: t0},
	} {
		if err := s.CreateAdminToken(ctx, dup, ev(dup.Name, "created")); !errors.Is(err, jedenlogin.ErrConflict) {
			t.Errorf("CreateAdminToken with the %s = %v, want ErrConflict", name, err)
		}
	}
	got, err := s.AdminTokenByHash(ctx, "aa01")
	if err != nil {
		t.Fatalf("AdminTokenByHash: %v", err)
	}
	if got.Name != "skrypt" || !got.CreatedAt.Equal(t0) || got.ExpiresAt == nil || !got.ExpiresAt.Equal(*skrypt.ExpiresAt) || got.RevokedAt != nil || got.LastUsedAt != nil {
		t.Errorf("AdminTokenByHash = %+v, want %+v", got, skrypt)
	}
	if _, err := s.AdminTokenByHash(ctx, "ff99"); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("AdminTokenByHash of an unknown hash = %v, want ErrNotFound", err)
	}

	// Touched forward only; an unknown hash is no error.
	if err := s.TouchAdminToken(ctx, "aa01", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchAdminToken(ctx, "aa01", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchAdminToken(ctx, "ff99", t0); err != nil {
		t.Errorf("TouchAdminToken of an unknown hash: %v", err)
	}
	if got, _ := s.AdminTokenByHash(ctx, "aa01"); got.LastUsedAt == nil || !got.LastUsedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("LastUsedAt = %v, want %v", got.LastUsedAt, t0.Add(time.Hour))
	}

	if err := s.RevokeAdminToken(ctx, "skrypt", t0.Add(2*time.Hour), ev("skrypt", "revoked")); err != nil {
		t.Fatalf("RevokeAdminToken: %v", err)
	}
	if err := s.RevokeAdminToken(ctx, "skrypt", t0.Add(3*time.Hour), ev("skrypt", "revoked")); !errors.Is(err, jedenlogin.ErrConflict) {
		t.Errorf("second RevokeAdminToken = %v, want ErrConflict", err)
	}
	if err := s.RevokeAdminToken(ctx, "nieznany", t0, ev("nieznany", "revoked")); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("RevokeAdminToken of an unknown name = %v, want ErrNotFound", err)
	}
	got, err = s.AdminTokenByHash(ctx, "aa01")
	if err != nil || got.RevokedAt == nil || !got.RevokedAt.Equal(t0.Add(2*time.Hour)) || got.ActiveAt(t0) {
		t.Errorf("revoked token = %+v, %v; want RevokedAt %v and inactive", got, err, t0.Add(2*time.Hour))
	}
	// A revoked name stays taken.
	if err := s.CreateAdminToken(ctx, jedenlogin.AdminToken{Name: "skrypt", Hash: "dd04", CreatedAt: t0}, ev("skrypt", "created")); !errors.Is(err, jedenlogin.ErrConflict) {
		t.Errorf("CreateAdminToken reusing a revoked name = %v, want ErrConflict", err)
	}

	list, err := s.AdminTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tk := range list {
		names = append(names, tk.Name)
	}
	if !slices.Equal(names, []string{"crm", "skrypt"}) {
		t.Errorf("AdminTokens = %v, want [crm skrypt]", names)
	}
	// Only the writes that happened are audited: two creations, one revocation.
	evs, err := s.Audit(ctx, jedenlogin.AuditFilter{Action: jedenlogin.AuditAdminToken})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, e := range evs {
		seen = append(seen, e.Subject+" "+e.Outcome)
	}
	if want := []string{"token:skrypt revoked", "token:crm created", "token:skrypt created"}; !slices.Equal(seen, want) {
		t.Errorf("audit events %v, want %v", seen, want)
	}
}
