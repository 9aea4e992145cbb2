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

// applicationTests are the ApplicationStore part of the suite (RunTests
// runs them).
var applicationTests = []struct {
	name string
	fn   func(t *testing.T, open Opener)
}{
	{"ApplicationCreateAndRead", testApplicationCreateAndRead},
	{"ApplicationFilters", testApplicationFilters},
	{"UpdateApplication", testUpdateApplication},
	{"AcceptKnownPerson", testAcceptKnownPerson},
	{"AcceptByPESEL", testAcceptByPESEL},
	{"AcceptUnknownPerson", testAcceptUnknownPerson},
	{"AcceptRollsBack", testAcceptRollsBack},
	{"AcceptConcurrentAtOneEntity", testAcceptConcurrentAtOneEntity},
	{"AcceptConcurrentSameNewPerson", testAcceptConcurrentSameNewPerson},
	{"GrantsAtAndHeldGrant", testGrantsAt},
	{"SearchEntities", testSearchEntities},
}

func runApplicationTests(t *testing.T, open Opener) {
	for _, tc := range applicationTests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

// A PESEL nobody in seed has (valid check digit).
const newPESEL = "85031212346"

func day(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

// newApp returns an application of the seeded world: from the public form
// (no applicant person) unless person is non-zero.
func newApp(entity string, fn jedenlogin.Function, person int64) *jedenlogin.Application {
	a := &jedenlogin.Application{
		Status: jedenlogin.ApplicationSubmitted, EntityID: entity, Function: fn, Scopes: []string{"wnioski", "sio"},
		ValidTo:   day(2027, 8, 31),
		Applicant: jedenlogin.Applicant{FirstName: "Jan", SecondName: "Maria", LastName: "Kowalski", PESEL: newPESEL, Email: "jan@example.pl", Phone: "600 100 200"},
		CreatedAt: t0, UpdatedAt: t0,
	}
	if person != 0 {
		a.ApplicantPersonID = i64(person)
		a.ApplicantLoginID = i64(person * 10)
	}
	return a
}

func mustCreateApp(t testing.TB, s jedenlogin.Store, a *jedenlogin.Application) int64 {
	t.Helper()
	if a.ApplicantLoginID != nil {
		a.ApplicantLoginID = nil // the login ids of the seed are not person*10
	}
	err := s.CreateApplication(context.Background(), a, func(a *jedenlogin.Application) []jedenlogin.AuditEvent {
		return []jedenlogin.AuditEvent{{At: t0, Action: jedenlogin.AuditApplicationChanged, Actor: "test", Subject: fmt.Sprintf("application:%d", a.ID), Outcome: "ok"}}
	})
	if err != nil {
		t.Fatalf("CreateApplication: %v", err)
	}
	if a.ID == 0 {
		t.Fatal("CreateApplication did not set the id")
	}
	return a.ID
}

func mustApp(t testing.TB, s jedenlogin.Store, id int64) *jedenlogin.Application {
	t.Helper()
	a, err := s.Application(context.Background(), id)
	if err != nil {
		t.Fatalf("Application(%d): %v", id, err)
	}
	return a
}

func testApplicationCreateAndRead(t *testing.T, open Opener) {
	s := open(t)
	w := seed(t, s)
	ctx := context.Background()
	a := newApp("2000", jedenlogin.FunctionEmployee, w.p2)
	a.ExtendsGrantID = i64(w.g3)
	a.ApplicantLoginID = nil
	id := mustCreateApp(t, s, a)
	got := mustApp(t, s, id)
	a.Scopes = []string{"sio", "wnioski"}
	sameJSON(t, "application", got, a)

	evs, err := s.Audit(ctx, jedenlogin.AuditFilter{Action: jedenlogin.AuditApplicationChanged})
	if err != nil || len(evs) != 1 || evs[0].Subject != fmt.Sprintf("application:%d", id) || evs[0].PersonID == nil || *evs[0].PersonID != w.p2 {
		t.Errorf("audit %+v (%v): want one event about the application, concerning the applicant", evs, err)
	}
	if _, err := s.Application(ctx, id+100); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("Application(missing) = %v, want ErrNotFound", err)
	}
	bad := newApp("9999", jedenlogin.FunctionEmployee, 0)
	if err := s.CreateApplication(ctx, bad, nil); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("unknown entity: %v, want ErrNotFound", err)
	}
	bad = newApp("2000", jedenlogin.FunctionEmployee, 0)
	bad.ExtendsGrantID = i64(12345)
	if err := s.CreateApplication(ctx, bad, nil); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("unknown grant: %v, want ErrNotFound", err)
	}
	// Odd text survives.
	odd := newApp("2000", jedenlogin.FunctionEmployee, 0)
	odd.Applicant.LastName = "O'Brien-Żółć \x1f|%_"
	odd.Scopes = []string{}
	id = mustCreateApp(t, s, odd)
	if got := mustApp(t, s, id); got.Applicant.LastName != odd.Applicant.LastName || len(got.Scopes) != 0 {
		t.Errorf("odd application read back as %+v", got)
	}
}

func appIDs(as []jedenlogin.Application) []int64 {
	out := []int64{}
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

func testApplicationFilters(t *testing.T, open Opener) {
	s := open(t)
	w := seed(t, s)
	ctx := context.Background()
	bb := newBuilder(t, s)
	bb.entity("3000", "Kuratorium", "")
	bb.entity("4000", "Szkoła bez zaimportowanego organu", "9999")
	bb.apply(t, s)
	atSchool := mustCreateApp(t, s, newApp("2000", jedenlogin.FunctionEmployee, w.p2))
	atGmina := mustCreateApp(t, s, newApp("1000", jedenlogin.FunctionHead, 0))
	atKO := mustCreateApp(t, s, newApp("3000", jedenlogin.FunctionEmployee, w.p1))
	orphan := mustCreateApp(t, s, newApp("4000", jedenlogin.FunctionHead, 0))
	ext := newApp("2000", jedenlogin.FunctionActingHead, w.p2)
	ext.ExtendsGrantID = i64(w.g3)
	extID := mustCreateApp(t, s, ext)
	if _, err := s.UpdateApplication(ctx, atKO, func(a *jedenlogin.Application) ([]jedenlogin.AuditEvent, error) {
		a.Status = jedenlogin.ApplicationWithdrawn
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    jedenlogin.ApplicationFilter
		want []int64
	}{
		{"all, newest first", jedenlogin.ApplicationFilter{}, []int64{extID, orphan, atKO, atGmina, atSchool}},
		{"limit", jedenlogin.ApplicationFilter{Limit: 2}, []int64{extID, orphan}},
		{"by applicant", jedenlogin.ApplicationFilter{ApplicantPersonID: i64(w.p2)}, []int64{extID, atSchool}},
		{"at an entity", jedenlogin.ApplicationFilter{Entities: []string{"2000"}}, []int64{extID, atSchool}},
		{"at children", jedenlogin.ApplicationFilter{ChildrenOf: []string{"1000"}}, []int64{extID, atSchool}},
		{"at entities or children", jedenlogin.ApplicationFilter{Entities: []string{"1000"}, ChildrenOf: []string{"1000"}}, []int64{extID, atGmina, atSchool}},
		{"parentless (also with a parent not in the database)", jedenlogin.ApplicationFilter{Parentless: true}, []int64{orphan, atKO, atGmina}},
		{"statuses", jedenlogin.ApplicationFilter{Statuses: []jedenlogin.ApplicationStatus{jedenlogin.ApplicationWithdrawn}}, []int64{atKO}},
		{"parentless and open", jedenlogin.ApplicationFilter{Parentless: true, Statuses: []jedenlogin.ApplicationStatus{jedenlogin.ApplicationSubmitted}}, []int64{orphan, atGmina}},
		{"extensions of a grant", jedenlogin.ApplicationFilter{ExtendsGrantID: i64(w.g3)}, []int64{extID}},
		{"nothing", jedenlogin.ApplicationFilter{Entities: []string{"9999"}}, []int64{}},
		{"public (filed without signing in)", jedenlogin.ApplicationFilter{Public: true}, []int64{orphan, atGmina}},
		{"oldest first", jedenlogin.ApplicationFilter{OldestFirst: true}, []int64{atSchool, atGmina, atKO, orphan, extID}},
		{"oldest first, a page after a cursor", jedenlogin.ApplicationFilter{OldestFirst: true, AfterID: atGmina, Limit: 2}, []int64{atKO, orphan}},
		{"newest first, after a cursor", jedenlogin.ApplicationFilter{AfterID: orphan}, []int64{atKO, atGmina, atSchool}},
		{"cursor with other conditions", jedenlogin.ApplicationFilter{OldestFirst: true, AfterID: atSchool, Entities: []string{"2000"}}, []int64{extID}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Applications(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(appIDs(got), tc.want) {
				t.Errorf("ids %v, want %v", appIDs(got), tc.want)
			}
		})
	}
}

func testUpdateApplication(t *testing.T, open Opener) {
	s := open(t)
	w := seed(t, s)
	ctx := context.Background()
	id := mustCreateApp(t, s, newApp("2000", jedenlogin.FunctionEmployee, w.p2))
	got, err := s.UpdateApplication(ctx, id, func(a *jedenlogin.Application) ([]jedenlogin.AuditEvent, error) {
		a.Status, a.ReviewedBy, a.ReviewedAt, a.UpdatedAt = jedenlogin.ApplicationUnderReview, "ANNNOW1", at(time.Hour), *at(time.Hour)
		return []jedenlogin.AuditEvent{{At: t0, Action: jedenlogin.AuditApplicationChanged, Actor: "ANNNOW1", Subject: "review"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	read := mustApp(t, s, id)
	sameJSON(t, "returned and stored", got, read)
	if read.Status != jedenlogin.ApplicationUnderReview || read.ReviewedBy != "ANNNOW1" || !read.ReviewedAt.Equal(*at(time.Hour)) {
		t.Errorf("after update %+v", read)
	}
	evs, _ := s.Audit(ctx, jedenlogin.AuditFilter{Subject: "review"})
	if len(evs) != 1 || evs[0].PersonID == nil || *evs[0].PersonID != w.p2 {
		t.Errorf("review audit %+v", evs)
	}

	boom := errors.New("boom")
	if _, err := s.UpdateApplication(ctx, id, func(a *jedenlogin.Application) ([]jedenlogin.AuditEvent, error) {
		a.Status = jedenlogin.ApplicationRejected
		return nil, boom
	}); err != boom {
		t.Errorf("fn error returned as %v", err)
	}
	if mustApp(t, s, id).Status != jedenlogin.ApplicationUnderReview {
		t.Error("a failed update was written")
	}
	if _, err := s.UpdateApplication(ctx, id+99, func(*jedenlogin.Application) ([]jedenlogin.AuditEvent, error) {
		t.Error("fn called for a missing application")
		return nil, nil
	}); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("missing application: %v", err)
	}
}

// accept runs AcceptApplication with fn.
func accept(s jedenlogin.Store, id int64, fn func(a *jedenlogin.Acceptance) ([]jedenlogin.AuditEvent, error)) (*jedenlogin.Acceptance, error) {
	return s.AcceptApplication(context.Background(), id, fn)
}

func testAcceptKnownPerson(t *testing.T, open Opener) {
	s := open(t)
	w := seed(t, s)
	id := mustCreateApp(t, s, newApp("1000", jedenlogin.FunctionEmployee, w.p2))
	a, err := accept(s, id, func(a *jedenlogin.Acceptance) ([]jedenlogin.AuditEvent, error) {
		if a.Person == nil || a.Person.Person.ID != w.p2 {
			return nil, fmt.Errorf("person %+v, want the signed-in applicant %d", a.Person, w.p2)
		}
		if a.Entity.ID != "1000" || a.Entity.Name != "Gmina Testowo" {
			return nil, fmt.Errorf("entity %+v", a.Entity)
		}
		if len(a.EntityGrants) != 1 || a.EntityGrants[0].ID != w.g2 {
			return nil, fmt.Errorf("entity grants %+v, want g2 only", a.EntityGrants)
		}
		a.Application.Status = jedenlogin.ApplicationAccepted
		a.NewGrant = &jedenlogin.Grant{LoginID: w.ann, EntityID: "1000", Function: jedenlogin.FunctionEmployee, Scopes: []string{"sio"}, ValidTo: day(2027, 8, 31), CreatedAt: t0}
		return []jedenlogin.AuditEvent{{At: t0, Action: jedenlogin.AuditGrantChanged, Actor: "JANKOW1", Subject: "entity:1000"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := mustPerson(t, s, w.p2)
	if len(rec.Grants) != 2 || rec.Grants[1].EntityID != "1000" || rec.Grants[1].ID != a.NewGrant.ID || rec.Grants[1].OriginLoginID != w.ann {
		t.Errorf("grants after acceptance %+v", rec.Grants)
	}
	app := mustApp(t, s, id)
	if app.Status != jedenlogin.ApplicationAccepted || app.GrantID == nil || *app.GrantID != a.NewGrant.ID {
		t.Errorf("application after acceptance %+v", app)
	}
	evs, _ := s.Audit(context.Background(), jedenlogin.AuditFilter{Action: jedenlogin.AuditGrantChanged})
	if len(evs) != 1 || evs[0].PersonID == nil || *evs[0].PersonID != w.p2 {
		t.Errorf("grant audit %+v", evs)
	}
}

func testAcceptByPESEL(t *testing.T, open Opener) {
	s := open(t)
	w := seed(t, s)
	ctx := context.Background()
	// P1's key holds the PESEL.
	app := newApp("2000", jedenlogin.FunctionEmployee, 0)
	app.Applicant.PESEL = "44051401458"
	id := mustCreateApp(t, s, app)
	var found int64
	if _, err := accept(s, id, func(a *jedenlogin.Acceptance) ([]jedenlogin.AuditEvent, error) {
		if a.Person != nil {
			found = a.Person.Person.ID
		}
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if found != w.p1 {
		t.Errorf("PESEL 44051401458 found person %d, want %d (by key)", found, w.p1)
	}

	// A person grouped by e-mail whose account data hold the PESEL.
	if err := s.UpdatePerson(ctx, w.p2, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		rec.Person.Account = &jedenlogin.AccountData{FirstName: "Anna", LastName: "Nowak", PESEL: newPESEL}
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	id = mustCreateApp(t, s, newApp("2000", jedenlogin.FunctionEmployee, 0))
	found = 0
	if _, err := accept(s, id, func(a *jedenlogin.Acceptance) ([]jedenlogin.AuditEvent, error) {
		if a.Person != nil {
			found = a.Person.Person.ID
		}
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if found != w.p2 {
		t.Errorf("PESEL in account data found person %d, want %d", found, w.p2)
	}

	// Only a login's application data hold the PESEL (P3's OLD).
	const oldPESEL = "02070803628"
	if err := s.UpdatePerson(ctx, w.p3, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		rec.Logins[0].PESEL = oldPESEL
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	app = newApp("2000", jedenlogin.FunctionEmployee, 0)
	app.Applicant.PESEL = oldPESEL
	id = mustCreateApp(t, s, app)
	found = 0
	if _, err := accept(s, id, func(a *jedenlogin.Acceptance) ([]jedenlogin.AuditEvent, error) {
		if a.Person != nil {
			found = a.Person.Person.ID
		}
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if found != w.p3 {
		t.Errorf("PESEL in a login's application data found person %d, want %d", found, w.p3)
	}
}

// acceptNew is a decision function for an unknown applicant: a new person
// with a generated login holding a new grant; for a known one, a grant on
// their first login.
func acceptNew(a *jedenlogin.Acceptance) ([]jedenlogin.AuditEvent, error) {
	app := a.Application
	app.Status = jedenlogin.ApplicationAccepted
	g := &jedenlogin.Grant{EntityID: app.EntityID, Function: app.Function, Scopes: app.Scopes, ValidTo: app.ValidTo, CreatedAt: t0}
	if a.Person != nil {
		g.LoginID = a.Person.Logins[0].ID
	} else {
		ad := app.Applicant
		a.NewPerson = &jedenlogin.Person{Key: "pesel:" + ad.PESEL, Case: jedenlogin.CaseUnchanged, State: jedenlogin.StateDone,
			Account: &jedenlogin.AccountData{FirstName: ad.FirstName, LastName: ad.LastName, PESEL: ad.PESEL, Email: ad.Email}, CreatedAt: t0}
		a.NewLogin = &jedenlogin.Login{State: jedenlogin.LoginActive, Origin: jedenlogin.OriginGenerated, FirstName: ad.FirstName,
			LastName: ad.LastName, PESEL: ad.PESEL, Email: ad.Email, CreatedAt: t0}
		a.LoginPrefix = "JANKOW"
	}
	a.NewGrant = g
	return []jedenlogin.AuditEvent{{At: t0, Action: jedenlogin.AuditGrantChanged, Actor: "test", Subject: "entity:" + app.EntityID}}, nil
}

func testAcceptUnknownPerson(t *testing.T, open Opener) {
	s := open(t)
	seed(t, s) // JANKOW1 exists: the new login is JANKOW2
	ctx := context.Background()
	id := mustCreateApp(t, s, newApp("2000", jedenlogin.FunctionEmployee, 0))
	a, err := accept(s, id, acceptNew)
	if err != nil {
		t.Fatal(err)
	}
	if a.NewLogin.Name != "JANKOW2" || a.NewLogin.ID == 0 || a.NewPerson.ID == 0 || a.NewLogin.PersonID != a.NewPerson.ID {
		t.Fatalf("new login %+v of person %+v", a.NewLogin, a.NewPerson)
	}
	rec := mustPerson(t, s, a.NewPerson.ID)
	if rec.Person.UnifiedLoginID == nil || *rec.Person.UnifiedLoginID != a.NewLogin.ID || rec.Person.State != jedenlogin.StateDone ||
		rec.Person.Account == nil || rec.Person.Account.PESEL != newPESEL {
		t.Errorf("new person %+v", rec.Person)
	}
	if len(rec.Logins) != 1 || rec.Logins[0].Name != "JANKOW2" || rec.Logins[0].PasswordHash != "" || rec.Logins[0].State != jedenlogin.LoginActive {
		t.Errorf("logins %+v", rec.Logins)
	}
	if len(rec.Grants) != 1 || rec.Grants[0].LoginID != a.NewLogin.ID || rec.Grants[0].EntityID != "2000" {
		t.Errorf("grants %+v", rec.Grants)
	}
	if l, err := s.LoginByName(ctx, "JANKOW2"); err != nil || l.PersonID != a.NewPerson.ID {
		t.Errorf("LoginByName(JANKOW2) = %+v, %v", l, err)
	}
	evs, _ := s.Audit(ctx, jedenlogin.AuditFilter{Action: jedenlogin.AuditGrantChanged})
	if len(evs) != 1 || evs[0].PersonID == nil || *evs[0].PersonID != a.NewPerson.ID {
		t.Errorf("audit %+v: want the event about the new person", evs)
	}
	// The next acceptance with that PESEL finds the person.
	id = mustCreateApp(t, s, newApp("1000", jedenlogin.FunctionEmployee, 0))
	b, err := accept(s, id, acceptNew)
	if err != nil {
		t.Fatal(err)
	}
	if b.NewPerson != nil || b.Person == nil || b.Person.Person.ID != a.NewPerson.ID {
		t.Errorf("second acceptance: new person %+v, person %+v", b.NewPerson, b.Person)
	}
	if rec := mustPerson(t, s, a.NewPerson.ID); len(rec.Grants) != 2 {
		t.Errorf("after the second acceptance %d grants, want 2", len(rec.Grants))
	}
}

func testAcceptRollsBack(t *testing.T, open Opener) {
	s := open(t)
	w := seed(t, s)
	id := mustCreateApp(t, s, newApp("2000", jedenlogin.FunctionEmployee, 0))
	boom := errors.New("boom")
	_, err := accept(s, id, func(a *jedenlogin.Acceptance) ([]jedenlogin.AuditEvent, error) {
		if _, err := acceptNew(a); err != nil {
			return nil, err
		}
		return nil, boom
	})
	if err != boom {
		t.Fatalf("fn error returned as %v", err)
	}
	if mustApp(t, s, id).Status != jedenlogin.ApplicationSubmitted {
		t.Error("the application changed")
	}
	if _, err := s.LoginByName(context.Background(), "JANKOW2"); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("a login was created: %v", err)
	}
	sum, _ := s.PlanSummary(context.Background())
	if sum.Persons != 3 {
		t.Errorf("%d persons, want the 3 of the seed", sum.Persons)
	}
	_ = w
	if _, err := accept(s, id+50, acceptNew); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("missing application: %v", err)
	}
}

// Barrier holds each caller of Wait until n callers have arrived or the
// timeout has passed. A decision function that waits at it makes
// acceptances that are not serialised overlap for sure (all n arrive
// together), while serialised ones just wait out the timeout one by one.
type Barrier struct {
	mu      sync.Mutex
	n       int
	arrived int
	timeout time.Duration
}

// NewBarrier returns a barrier for n callers.
func NewBarrier(n int, timeout time.Duration) *Barrier { return &Barrier{n: n, timeout: timeout} }

// Wait counts the caller and waits for the others or the timeout.
func (b *Barrier) Wait() {
	b.mu.Lock()
	b.arrived++
	b.mu.Unlock()
	deadline := time.Now().Add(b.timeout)
	for time.Now().Before(deadline) {
		b.mu.Lock()
		all := b.arrived >= b.n
		b.mu.Unlock()
		if all {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// testAcceptConcurrentAtOneEntity: acceptances at one entity serialise, so
// a rule checked against the entity's grants (here: at most one head)
// holds under concurrency. The applicants are different persons, so only
// the entity's lock can serialise them; a barrier makes unserialised
// decisions overlap.
func testAcceptConcurrentAtOneEntity(t *testing.T, open Opener) {
	s := open(t)
	w := seed(t, s)
	persons := []int64{w.p1, w.p2, w.p3}
	ids := make([]int64, len(persons))
	for i, p := range persons {
		ids[i] = mustCreateApp(t, s, newApp("2000", jedenlogin.FunctionHead, p))
	}
	errTaken := errors.New("a head exists")
	barrier := NewBarrier(len(ids), 250*time.Millisecond)
	var wg sync.WaitGroup
	errs := make([]error, len(ids))
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = accept(s, ids[i], func(a *jedenlogin.Acceptance) ([]jedenlogin.AuditEvent, error) {
				for _, g := range a.EntityGrants {
					if g.Function == jedenlogin.FunctionHead {
						return nil, errTaken
					}
				}
				barrier.Wait()
				a.Application.Status = jedenlogin.ApplicationAccepted
				a.NewGrant = &jedenlogin.Grant{LoginID: a.Person.Logins[0].ID, EntityID: "2000", Function: jedenlogin.FunctionHead, CreatedAt: t0}
				return nil, nil
			})
		}()
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, errTaken):
			t.Errorf("acceptance %d: %v", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d acceptances added a head, want exactly 1", won)
	}
	held, err := s.GrantsAt(context.Background(), []string{"2000"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	heads := 0
	for _, h := range held {
		if h.Grant.Function == jedenlogin.FunctionHead {
			heads++
		}
	}
	if heads != 1 {
		t.Errorf("%d head grants at the entity, want 1", heads)
	}
}

// testAcceptConcurrentSameNewPerson: two acceptances for one unknown PESEL
// at two entities create one person, who gets both grants.
func testAcceptConcurrentSameNewPerson(t *testing.T, open Opener) {
	s := open(t)
	seed(t, s)
	ids := []int64{
		mustCreateApp(t, s, newApp("2000", jedenlogin.FunctionEmployee, 0)),
		mustCreateApp(t, s, newApp("1000", jedenlogin.FunctionEmployee, 0)),
	}
	var wg sync.WaitGroup
	errs := make([]error, len(ids))
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = accept(s, id, acceptNew)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("acceptance %d: %v", i, err)
		}
	}
	l, err := s.LoginByName(context.Background(), "JANKOW2")
	if err != nil {
		t.Fatal(err)
	}
	rec := mustPerson(t, s, l.PersonID)
	if len(rec.Logins) != 1 || len(rec.Grants) != 2 {
		t.Errorf("the new person has logins %v and %d grants, want one login and both grants", loginNames(rec.Logins), len(rec.Grants))
	}
	if _, err := s.LoginByName(context.Background(), "JANKOW3"); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("a second login was generated: %v", err)
	}
}

func testGrantsAt(t *testing.T, open Opener) {
	s := open(t)
	w := seed(t, s)
	ctx := context.Background()
	if err := s.UpdatePerson(ctx, w.p1, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		rec.Person.Account = &jedenlogin.AccountData{FirstName: "Janusz", LastName: "Kowalski"}
		rec.Grants = append(rec.Grants, jedenlogin.Grant{LoginID: w.jankow1, EntityID: "2000", Function: jedenlogin.FunctionEmployee, MergedInto: i64(w.g1), CreatedAt: t0})
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	ids := func(hs []jedenlogin.HeldGrant) []int64 {
		out := []int64{}
		for _, h := range hs {
			out = append(out, h.Grant.ID)
		}
		return out
	}
	got, err := s.GrantsAt(ctx, []string{"2000"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(got), []int64{w.g1, w.g3}) {
		t.Errorf("grants at 2000: %v, want g1 and g3 (the merged duplicate left out)", ids(got))
	}
	if got[0].PersonID != w.p1 || got[0].LoginName != "JANKOW1" || got[0].HolderName != "Janusz Kowalski" || got[0].LoginState == "" {
		t.Errorf("holder of g1: %+v (account names first)", got[0])
	}
	if got[1].PersonID != w.p2 || got[1].LoginName != "ANNNOW1" || got[1].HolderName != "Jan Kowalski" {
		t.Errorf("holder of g3: %+v (the login's names without account data)", got[1])
	}
	if got, _ := s.GrantsAt(ctx, nil, []string{"1000"}); !slices.Equal(ids(got), []int64{w.g1, w.g3}) {
		t.Errorf("grants at children of 1000: %v", ids(got))
	}
	if got, _ := s.GrantsAt(ctx, []string{"1000"}, []string{"1000"}); !slices.Equal(ids(got), []int64{w.g2, w.g1, w.g3}) {
		t.Errorf("grants at 1000 and its children: %v", ids(got))
	}
	if got, err := s.GrantsAt(ctx, nil, nil); err != nil || len(got) != 0 {
		t.Errorf("no entities: %v, %v", got, err)
	}
	h, err := s.HeldGrant(ctx, w.g2)
	if err != nil || h.PersonID != w.p1 || h.LoginName != "jankow.k" || h.Grant.Function != jedenlogin.FunctionHead {
		t.Errorf("HeldGrant(g2) = %+v, %v", h, err)
	}
	if _, err := s.HeldGrant(ctx, 9999); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("HeldGrant(missing) = %v", err)
	}
	e, err := s.Entity(ctx, "2000")
	if err != nil || e.ParentID != "1000" || e.Name != "Szkoła Podstawowa nr 1 w Testowie" {
		t.Errorf("Entity(2000) = %+v, %v", e, err)
	}
	if _, err := s.Entity(ctx, "nope"); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("Entity(missing) = %v", err)
	}
}

func testSearchEntities(t *testing.T, open Opener) {
	s := open(t)
	bb := newBuilder(t, s)
	bb.entity("431020064", "Gmina Miejska Świdnik", "")
	bb.entity("27630", "Szkoła Podstawowa nr 1 im. Tadeusza Kościuszki w Świdniku", "431020064")
	bb.entity("27631", "Szkoła Podstawowa nr 3 w ŚWIDNIKU", "431020064")
	bb.entity("2763", "Zespół Szkół [specjalnych] * 100% _", "")
	bb.entity("31877", "Szkoła Podstawowa w Łęcznej", "")
	bb.apply(t, s)
	ctx := context.Background()
	tests := []struct {
		query string
		limit int
		want  []string
	}{
		{"27630", 0, []string{"27630"}},
		{"2763", 0, []string{"2763", "27630", "27631"}}, // the exact id first, then by name
		{"świdnik", 0, []string{"431020064", "27630", "27631"}},
		{"ŚWIDNIK", 0, []string{"431020064", "27630", "27631"}},
		{"  szkoła   podstawowa ", 0, []string{"27630", "27631", "31877"}},
		{"łęczn", 0, []string{"31877"}},
		{"[specjalnych] *", 0, []string{"2763"}},
		{"100% _", 0, []string{"2763"}},
		{"*", 0, []string{"2763"}},
		{"%", 0, []string{"2763"}},
		{"?", 0, []string{}},
		{".*", 0, []string{}},
		{"podstawowa", 2, []string{"27630", "27631"}},
		{"", 0, []string{}},
		{"przedszkole", 0, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			got, err := s.SearchEntities(ctx, tc.query, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			ids := []string{}
			for _, e := range got {
				ids = append(ids, e.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("SearchEntities(%q) = %v, want %v", tc.query, ids, tc.want)
			}
		})
	}
}
