package conformance

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"jedenlogin"
)

// Opener returns a fresh, empty, migrated store that is closed when the test ends.
type Opener func(t testing.TB) jedenlogin.Store

// RunTests runs the conformance suite against the stores open returns.
// When the store has a DB() *sql.DB method the suite also checks that the
// audit log refuses UPDATE and DELETE at the database level.
func RunTests(t *testing.T, open func(t testing.TB) jedenlogin.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"ImportAndRead", testImportAndRead},
		{"ImportSnapshot", testImportSnapshot},
		{"ImportConflict", testImportConflict},
		{"ImportEmptyBatchChangesNothing", testImportEmptyBatch},
		{"ImportWriterChunksAndRollback", testImportWriter},
		{"ImportWriterReferencesBeforeRows", testImportWriterOrder},
		{"ImportWriterPersons", testImportWriterPersons},
		{"ImportUpdatesPersonsAndEntities", testImportUpdates},
		{"PersonNotFound", testPersonNotFound},
		{"ForEachPerson", testForEachPerson},
		{"ForEachPersonMatchesPerson", testForEachPersonMatchesPerson},
		{"ForEachPersonOutline", testForEachPersonOutline},
		{"ForEachPersonOneState", testForEachPersonOneState},
		{"PlanSummary", testPlanSummary},
		{"UpdatePerson", testUpdatePerson},
		{"UpdatePersonErrors", testUpdatePersonErrors},
		{"UpdatePersonConcurrent", testUpdatePersonConcurrent},
		{"ReserveLogin", testReserveLogin},
		{"ReserveLoginConcurrent", testReserveLoginConcurrent},
		{"Logins", testLogins},
		{"SetPasswordHash", testSetPasswordHash},
		{"Entities", testEntities},
		{"Throttle", testThrottle},
		{"ThrottleConcurrent", testThrottleConcurrent},
		{"ForgiveFailure", testForgiveFailure},
		{"CountAttempt", testCountAttempt},
		{"CountAttemptConcurrent", testCountAttemptConcurrent},
		{"ForgiveFailureConcurrent", testForgiveFailureConcurrent},
		{"DeleteExpiredThrottles", testDeleteExpiredThrottles},
		{"Leases", testLeases},
		{"LeaseConcurrent", testLeaseConcurrent},
		{"Sessions", testSessions},
		{"SessionView", testSessionView},
		{"StartSession", testStartSession},
		{"Audit", testAudit},
		{"AuditAppendOnly", testAuditAppendOnly},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
	runAccountTests(t, open)
	runApplicationTests(t, open)
	runOIDCTests(t, open)
	runEventTests(t, open)
	runOutboxTests(t, open)
	runNoticeTests(t, open)
	runAdminTests(t, open)
	runMFATests(t, open)
}

// t0 is the suite's clock: whole seconds, UTC, so every backend keeps it exactly.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func at(d time.Duration) *time.Time {
	t := t0.Add(d)
	return &t
}

func i64(v int64) *int64 { return &v }

// builder fills an import batch with ids taken from the snapshot.
type builder struct {
	snap                *jedenlogin.ImportSnapshot
	b                   jedenlogin.ImportBatch
	nextP, nextL, nextG int64
}

func newBuilder(t testing.TB, s jedenlogin.Store) *builder {
	t.Helper()
	snap, err := s.ImportSnapshot(context.Background())
	if err != nil {
		t.Fatalf("ImportSnapshot: %v", err)
	}
	return &builder{snap: snap, b: jedenlogin.ImportBatch{SnapshotVersion: snap.Version},
		nextP: snap.NextPersonID, nextL: snap.NextLoginID, nextG: snap.NextGrantID}
}

func (bb *builder) entity(id, name, parent string) {
	bb.b.Entities = append(bb.b.Entities, jedenlogin.Entity{ID: id, Name: name, Kind: "szkola", ParentID: parent})
}

func (bb *builder) person(key string, c jedenlogin.Case) int64 {
	id := bb.nextP
	bb.nextP++
	bb.b.NewPersons = append(bb.b.NewPersons, jedenlogin.Person{ID: id, Key: key, Case: c, State: jedenlogin.StatePending, CreatedAt: t0})
	return id
}

func (bb *builder) login(personID int64, name string, state jedenlogin.LoginState) int64 {
	id := bb.nextL
	bb.nextL++
	bb.b.Logins = append(bb.b.Logins, jedenlogin.Login{
		ID: id, PersonID: personID, Name: name, PasswordHash: "{SSHA}" + name, State: state, Origin: jedenlogin.OriginLegacy,
		FirstName: "Jan", SecondName: "Maria", LastName: "Kowalski", PESEL: "44051401458", Email: name + "@example.pl",
		Phone: "+48 600 000 000", AcceptedAt: at(-time.Duration(id) * time.Hour), LastLoginAt: at(-time.Minute),
		CreatedAt: t0,
	})
	return id
}

func (bb *builder) grant(loginID int64, entity string, fn jedenlogin.Function, scopes ...string) int64 {
	id := bb.nextG
	bb.nextG++
	bb.b.Grants = append(bb.b.Grants, jedenlogin.Grant{
		ID: id, LoginID: loginID, EntityID: entity, Function: fn, Scopes: jedenlogin.NormalizeScopes(scopes),
		ValidTo: at(365 * 24 * time.Hour), OriginLoginID: loginID, CreatedAt: t0,
	})
	return id
}

func (bb *builder) apply(t testing.TB, s jedenlogin.Store) {
	t.Helper()
	if err := jedenlogin.WriteImportBatch(context.Background(), s, &bb.b); err != nil {
		t.Fatalf("WriteImportBatch: %v", err)
	}
}

// seed imports a small world: two entities, and persons
//   - P1 "pesel:…" with logins JANKOW1 (active) and jankow.k (active), each with a grant;
//   - P2 "email:…" with login ANNNOW1 (active) and a grant;
//   - P3 "login:OLD" with login OLD (inactive), no grant.
type seeded struct {
	p1, p2, p3                 int64
	jankow1, jankowk, ann, old int64
	g1, g2, g3                 int64
}

func seed(t testing.TB, s jedenlogin.Store) seeded {
	t.Helper()
	bb := newBuilder(t, s)
	bb.entity("1000", "Gmina Testowo", "")
	bb.entity("2000", "Szkoła Podstawowa nr 1 w Testowie", "1000")
	var w seeded
	w.p1 = bb.person("pesel:44051401458", jedenlogin.CaseChooseUppercase)
	w.jankow1 = bb.login(w.p1, "JANKOW1", jedenlogin.LoginActive)
	w.jankowk = bb.login(w.p1, "jankow.k", jedenlogin.LoginActive)
	w.g1 = bb.grant(w.jankow1, "2000", jedenlogin.FunctionEmployee, "wnioski", "sio")
	w.g2 = bb.grant(w.jankowk, "1000", jedenlogin.FunctionHead)
	w.p2 = bb.person("email:anna@example.pl|anna nowak", jedenlogin.CaseUnchanged)
	w.ann = bb.login(w.p2, "ANNNOW1", jedenlogin.LoginActive)
	w.g3 = bb.grant(w.ann, "2000", jedenlogin.FunctionActingHead, "sio")
	w.p3 = bb.person("login:OLD", jedenlogin.CaseNoActiveLogin)
	w.old = bb.login(w.p3, "OLD", jedenlogin.LoginInactive)
	bb.b.Audit = append(bb.b.Audit, jedenlogin.AuditEvent{At: t0, Action: jedenlogin.AuditImport, Actor: "cli", Outcome: "ok", Details: `{"rows":4}`})
	bb.apply(t, s)
	return w
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sameJSON(t testing.TB, what string, got, want any) {
	t.Helper()
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func mustPerson(t testing.TB, s jedenlogin.Store, id int64) *jedenlogin.PersonRecord {
	t.Helper()
	rec, err := s.Person(context.Background(), id)
	if err != nil {
		t.Fatalf("Person(%d): %v", id, err)
	}
	return rec
}

func loginNames(ls []jedenlogin.Login) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Name)
	}
	return out
}

func testImportAndRead(t *testing.T, open Opener) {
	s := open(t)
	bb := newBuilder(t, s)
	bb.entity("1000", "Gmina Testowo", "")
	p := bb.person("pesel:44051401458", jedenlogin.CaseChoose)
	l1 := bb.login(p, "JANKOW1", jedenlogin.LoginActive)
	l2 := bb.login(p, "JANKOW2", jedenlogin.LoginInactive)
	g := bb.grant(l1, "1000", jedenlogin.FunctionEmployee, "sio", "wnioski")
	bb.b.Grants[0].ValidFrom = at(-24 * time.Hour)
	bb.b.Grants[0].RevokedAt = at(time.Hour)
	bb.b.Grants[0].RevokeReason = "lost_credentials"
	bb.b.Logins[1].PasswordHash = ""
	bb.b.Logins[1].AcceptedAt, bb.b.Logins[1].LastLoginAt = nil, nil
	bb.apply(t, s)

	rec := mustPerson(t, s, p)
	sameJSON(t, "person", rec.Person, bb.b.NewPersons[0])
	sameJSON(t, "logins", rec.Logins, bb.b.Logins)
	sameJSON(t, "grants", rec.Grants, bb.b.Grants)
	if rec.Login(l2) == nil || rec.Grants[0].ID != g {
		t.Errorf("record ids: logins %v, grants %+v", loginNames(rec.Logins), rec.Grants)
	}
}

func testImportSnapshot(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	empty, err := s.ImportSnapshot(ctx)
	if err != nil {
		t.Fatalf("ImportSnapshot: %v", err)
	}
	if len(empty.Logins)+len(empty.Persons)+len(empty.Entities) != 0 || empty.NextPersonID != 1 || empty.NextLoginID != 1 || empty.NextGrantID != 1 {
		t.Errorf("empty snapshot = %+v, want no rows and next ids 1", empty)
	}
	w := seed(t, s)
	snap, err := s.ImportSnapshot(ctx)
	if err != nil {
		t.Fatalf("ImportSnapshot: %v", err)
	}
	wantLogins := map[string]int64{"JANKOW1": w.p1, "jankow.k": w.p1, "ANNNOW1": w.p2, "OLD": w.p3}
	sameJSON(t, "snapshot logins", snap.Logins, wantLogins)
	if len(snap.Persons) != 3 || snap.Persons["login:OLD"].ID != w.p3 || snap.Persons["pesel:44051401458"].Case != jedenlogin.CaseChooseUppercase {
		t.Errorf("snapshot persons = %+v", snap.Persons)
	}
	if len(snap.Entities) != 2 || snap.Entities["2000"].ParentID != "1000" {
		t.Errorf("snapshot entities = %+v", snap.Entities)
	}
	if snap.NextPersonID != w.p3+1 || snap.NextLoginID != w.old+1 || snap.NextGrantID != w.g3+1 {
		t.Errorf("next ids = %d/%d/%d, want %d/%d/%d", snap.NextPersonID, snap.NextLoginID, snap.NextGrantID, w.p3+1, w.old+1, w.g3+1)
	}
	if snap.Version == empty.Version {
		t.Errorf("version %q did not change with the import", snap.Version)
	}

	// Ids assigned by the store after an import continue past the imported ones.
	l, err := s.ReserveLogin(ctx, "JANKOW", jedenlogin.Login{PersonID: w.p1})
	if err != nil {
		t.Fatalf("ReserveLogin: %v", err)
	}
	if l.ID <= w.old {
		t.Errorf("reserved login id %d, want > %d", l.ID, w.old)
	}
}

func countPersons(t testing.TB, s jedenlogin.Store) (int, int) {
	t.Helper()
	sum, err := s.PlanSummary(context.Background())
	if err != nil {
		t.Fatalf("PlanSummary: %v", err)
	}
	return sum.Persons, sum.Logins
}

func testImportConflict(t *testing.T, open Opener) {
	ctx := context.Background()
	tests := []struct {
		name   string
		change func(t *testing.T, s jedenlogin.Store, w seeded)
	}{
		{"another import", func(t *testing.T, s jedenlogin.Store, w seeded) {
			bb := newBuilder(t, s)
			bb.login(bb.person("login:NEW", jedenlogin.CaseUnchanged), "NEW", jedenlogin.LoginActive)
			bb.apply(t, s)
		}},
		{"a consolidation", func(t *testing.T, s jedenlogin.Store, w seeded) {
			err := s.UpdatePerson(ctx, w.p2, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
				rec.Person.State = jedenlogin.StateDone
				return nil, nil
			})
			if err != nil {
				t.Fatalf("UpdatePerson: %v", err)
			}
		}},
		{"a reserved login", func(t *testing.T, s jedenlogin.Store, w seeded) {
			if _, err := s.ReserveLogin(ctx, "JANKOW", jedenlogin.Login{PersonID: w.p1}); err != nil {
				t.Fatalf("ReserveLogin: %v", err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			w := seed(t, s)
			stale := newBuilder(t, s)
			p := stale.person("login:STALE", jedenlogin.CaseUnchanged)
			stale.login(p, "STALE", jedenlogin.LoginActive)
			stale.b.UpdatedPersons = append(stale.b.UpdatedPersons, stale.snap.Persons["email:anna@example.pl|anna nowak"])
			tc.change(t, s, w)
			persons, logins := countPersons(t, s)
			before := mustJSON(t, mustPerson(t, s, w.p2))

			err := jedenlogin.WriteImportBatch(ctx, s, &stale.b)
			if !errors.Is(err, jedenlogin.ErrImportConflict) {
				t.Fatalf("WriteImportBatch of a stale batch = %v, want ErrImportConflict", err)
			}
			if p2, l2 := countPersons(t, s); p2 != persons || l2 != logins {
				t.Errorf("after refused import: %d persons, %d logins; want %d, %d", p2, l2, persons, logins)
			}
			if after := mustJSON(t, mustPerson(t, s, w.p2)); after != before {
				t.Errorf("refused import changed a person:\n%s\n%s", before, after)
			}
		})
	}
}

// testImportWriter streams an import in chunks: a rolled-back import and
// one failing on a duplicate login write nothing and leave the store
// usable; the same rows committed in chunks read back whole.
func testImportWriter(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	w := seed(t, s)
	bb := newBuilder(t, s)
	const n = 300
	for i := range n {
		p := bb.person(fmt.Sprintf("login:STREAM%d", i), jedenlogin.CaseUnchanged)
		l := bb.login(p, fmt.Sprintf("STREAM%d", i), jedenlogin.LoginActive)
		bb.grant(l, "2000", jedenlogin.FunctionEmployee, "a")
	}
	persons, logins := countPersons(t, s)
	write := func(b *jedenlogin.ImportBatch, chunk int) (jedenlogin.ImportWriter, error) {
		t.Helper()
		iw, err := s.BeginImport(ctx, b.SnapshotVersion, jedenlogin.ImportSize{Persons: len(b.NewPersons), Logins: len(b.Logins), Grants: len(b.Grants)})
		if err != nil {
			t.Fatalf("BeginImport: %v", err)
		}
		for i := 0; i < len(b.NewPersons); i += chunk {
			if err := iw.NewPersons(ctx, b.NewPersons[i:min(i+chunk, len(b.NewPersons))]); err != nil {
				return iw, err
			}
		}
		for i := 0; i < len(b.Logins); i += chunk {
			if err := iw.Logins(ctx, b.Logins[i:min(i+chunk, len(b.Logins))]); err != nil {
				return iw, err
			}
		}
		for i := 0; i < len(b.Grants); i += chunk {
			if err := iw.Grants(ctx, b.Grants[i:min(i+chunk, len(b.Grants))]); err != nil {
				return iw, err
			}
		}
		return iw, nil
	}
	unchanged := func(what string) {
		t.Helper()
		if p2, l2 := countPersons(t, s); p2 != persons || l2 != logins {
			t.Errorf("after %s: %d persons, %d logins; want %d, %d", what, p2, l2, persons, logins)
		}
		if _, err := s.LoginByName(ctx, "STREAM0"); !errors.Is(err, jedenlogin.ErrNotFound) {
			t.Errorf("after %s: LoginByName(STREAM0) = %v, want ErrNotFound", what, err)
		}
	}

	iw, err := write(&bb.b, 7)
	if err != nil {
		t.Fatalf("writing chunks: %v", err)
	}
	if err := iw.Rollback(); err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	if err := iw.Rollback(); err != nil {
		t.Errorf("second Rollback = %v, want nil", err)
	}
	unchanged("a rolled-back import")

	dup := bb.b
	dup.Logins = append(slices.Clip(bb.b.Logins), bb.b.Logins[0]) // the same name twice
	dup.Logins[len(dup.Logins)-1].ID = bb.nextL
	dangling := bb.b
	dangling.Grants = append(slices.Clip(bb.b.Grants), bb.b.Grants[0]) // a grant of an entity nobody wrote
	dangling.Grants[len(dangling.Grants)-1].ID, dangling.Grants[len(dangling.Grants)-1].EntityID = bb.nextG, "NOPE"
	for _, bad := range []struct {
		name string
		b    *jedenlogin.ImportBatch
	}{{"a duplicate login name", &dup}, {"a grant of a missing entity", &dangling}} {
		iw, err = write(bad.b, 64)
		if err == nil {
			err = iw.Commit(ctx)
		}
		if err == nil {
			t.Errorf("an import with %s committed", bad.name)
		}
		iw.Rollback()
		unchanged("an import with " + bad.name)
	}

	iw, err = write(&bb.b, 64)
	if err != nil {
		t.Fatalf("writing chunks: %v", err)
	}
	if err := iw.Commit(ctx); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := iw.Rollback(); err != nil {
		t.Errorf("Rollback after Commit = %v, want nil", err)
	}
	if p2, l2 := countPersons(t, s); p2 != persons+n || l2 != logins+n {
		t.Errorf("after the import: %d persons, %d logins; want %d, %d", p2, l2, persons+n, logins+n)
	}
	rec := mustPerson(t, s, bb.b.NewPersons[n-1].ID)
	if len(rec.Logins) != 1 || rec.Logins[0].Name != fmt.Sprintf("STREAM%d", n-1) || len(rec.Grants) != 1 || rec.Grants[0].EntityID != "2000" {
		t.Errorf("last streamed person = %s", mustJSON(t, rec))
	}
	// The store takes other writes after the import.
	if _, err := s.ReserveLogin(ctx, "STREAM", jedenlogin.Login{PersonID: w.p1}); err != nil {
		t.Errorf("ReserveLogin after the import: %v", err)
	}
}

func testImportEmptyBatch(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	w := seed(t, s)
	snap1, err := s.ImportSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recs := mustJSON(t, []any{mustPerson(t, s, w.p1), mustPerson(t, s, w.p2), mustPerson(t, s, w.p3)})
	if err := jedenlogin.WriteImportBatch(ctx, s, &jedenlogin.ImportBatch{SnapshotVersion: snap1.Version}); err != nil {
		t.Fatalf("WriteImportBatch(empty batch): %v", err)
	}
	snap2, err := s.ImportSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "snapshot logins", snap2.Logins, snap1.Logins)
	sameJSON(t, "snapshot persons", snap2.Persons, snap1.Persons)
	sameJSON(t, "snapshot entities", snap2.Entities, snap1.Entities)
	if snap2.NextPersonID != snap1.NextPersonID || snap2.NextLoginID != snap1.NextLoginID || snap2.NextGrantID != snap1.NextGrantID {
		t.Errorf("next ids moved: %+v -> %+v", snap1, snap2)
	}
	if got := mustJSON(t, []any{mustPerson(t, s, w.p1), mustPerson(t, s, w.p2), mustPerson(t, s, w.p3)}); got != recs {
		t.Errorf("records changed:\n%s\n%s", recs, got)
	}
}

func testImportUpdates(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	w := seed(t, s)
	bb := newBuilder(t, s)
	bb.entity("2000", "Szkoła Podstawowa im. Marii Konopnickiej", "1000")
	p := bb.snap.Persons["login:OLD"]
	p.Case = jedenlogin.CaseUnchanged
	p.State = jedenlogin.StateDone
	p.UnifiedLoginID = i64(w.old)
	p.Account = &jedenlogin.AccountData{FirstName: "Olga", LastName: "Dąbrowska", Email: "olga@example.pl"}
	p.ConsolidatedAt = at(time.Minute)
	bb.b.UpdatedPersons = append(bb.b.UpdatedPersons, p)
	bb.apply(t, s)

	sameJSON(t, "updated person", mustPerson(t, s, w.p3).Person, p)
	es, err := s.Entities(ctx, []string{"2000"})
	if err != nil || len(es) != 1 || es[0].Name != "Szkoła Podstawowa im. Marii Konopnickiej" {
		t.Errorf("Entities after rename = %+v, %v", es, err)
	}
}

func testPersonNotFound(t *testing.T, open Opener) {
	s := open(t)
	seed(t, s)
	if _, err := s.Person(context.Background(), 999); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("Person(999) = %v, want ErrNotFound", err)
	}
}

func testForEachPerson(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	// Enough persons to cross any chunking a store does, with ids not contiguous.
	const n = 2300
	bb := newBuilder(t, s)
	bb.entity("1", "Podmiot", "")
	wantLogins := map[int64]int{}
	wantGrants := map[int64]int{}
	for i := 0; i < n; i++ {
		if i%7 == 3 {
			bb.nextP += 2 // gaps
		}
		p := bb.person("login:P"+strconv.Itoa(i), jedenlogin.CaseGenerate)
		for j := 0; j <= i%3; j++ {
			l := bb.login(p, fmt.Sprintf("p%d.%d", i, j), jedenlogin.LoginActive)
			wantLogins[p]++
			if j != 1 {
				bb.grant(l, "1", jedenlogin.FunctionEmployee)
				wantGrants[p]++
			}
		}
	}
	bb.apply(t, s)

	var prev int64
	seen := 0
	err := s.ForEachPerson(ctx, func(rec *jedenlogin.PersonRecord) error {
		id := rec.Person.ID
		if id <= prev {
			t.Fatalf("person %d after %d: not in id order", id, prev)
		}
		prev = id
		seen++
		if len(rec.Logins) != wantLogins[id] || len(rec.Grants) != wantGrants[id] {
			t.Errorf("person %d: %d logins, %d grants; want %d, %d", id, len(rec.Logins), len(rec.Grants), wantLogins[id], wantGrants[id])
		}
		for _, l := range rec.Logins {
			if l.PersonID != id {
				t.Errorf("person %d holds login %s of person %d", id, l.Name, l.PersonID)
			}
		}
		for _, g := range rec.Grants {
			if rec.Login(g.LoginID) == nil {
				t.Errorf("person %d holds grant %d of login %d, not theirs", id, g.ID, g.LoginID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ForEachPerson: %v", err)
	}
	if seen != n {
		t.Errorf("ForEachPerson visited %d persons, want %d", seen, n)
	}

	stop := errors.New("stop")
	calls := 0
	err = s.ForEachPerson(ctx, func(*jedenlogin.PersonRecord) error {
		calls++
		if calls == 5 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 5 {
		t.Errorf("ForEachPerson with fn failing at 5 = %v after %d calls, want stop after 5", err, calls)
	}
}

func testPlanSummary(t *testing.T, open Opener) {
	s := open(t)
	w := seed(t, s)
	err := s.UpdatePerson(context.Background(), w.p2, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		rec.Person.State = jedenlogin.StateDone
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.PlanSummary(context.Background())
	if err != nil {
		t.Fatalf("PlanSummary: %v", err)
	}
	want := &jedenlogin.PlanSummary{
		Persons: 3, Logins: 4,
		ByCaseState: map[jedenlogin.Case]map[jedenlogin.PersonState]int{
			jedenlogin.CaseChooseUppercase: {jedenlogin.StatePending: 1},
			jedenlogin.CaseUnchanged:       {jedenlogin.StateDone: 1},
			jedenlogin.CaseNoActiveLogin:   {jedenlogin.StatePending: 1},
		},
		ByGrouping: map[jedenlogin.Grouping]int{jedenlogin.GroupedByPESEL: 1, jedenlogin.GroupedByEmail: 1, jedenlogin.GroupedByLogin: 1},
	}
	sameJSON(t, "PlanSummary", sum, want)
}

func testUpdatePerson(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	w := seed(t, s)
	var saved *jedenlogin.PersonRecord
	err := s.UpdatePerson(ctx, w.p1, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		saved = rec
		rec.Person.State = jedenlogin.StateDone
		rec.Person.UnifiedLoginID = i64(w.jankow1)
		rec.Person.Account = &jedenlogin.AccountData{FirstName: "Jan", LastName: "Kowalski", PESEL: "44051401458", Email: "jan@example.pl"}
		rec.Person.ConsolidatedAt = at(time.Hour)
		k := rec.Login(w.jankowk)
		k.State, k.StateBeforeMerge, k.MergedInto, k.MergedAt = jedenlogin.LoginMerged, jedenlogin.LoginActive, i64(w.jankow1), at(time.Hour)
		for i := range rec.Grants {
			if rec.Grants[i].LoginID == w.jankowk {
				rec.Grants[i].LoginID = w.jankow1 // moved; origin stays
			}
		}
		rec.Grants = append(rec.Grants, jedenlogin.Grant{LoginID: w.jankow1, EntityID: "1000", Function: jedenlogin.FunctionEmployee,
			Scopes: []string{"wnioski", "sio", "sio"}, CreatedAt: t0})
		rec.Logins = append(rec.Logins, jedenlogin.Login{PersonID: w.p1, Name: "JANKOW9", State: jedenlogin.LoginReserved,
			Origin: jedenlogin.OriginGenerated, CreatedAt: t0})
		return []jedenlogin.AuditEvent{{At: t0.Add(time.Hour), Action: jedenlogin.AuditConsolidated, Actor: "JANKOW1", Subject: "JANKOW1", Outcome: "ok"}}, nil
	})
	if err != nil {
		t.Fatalf("UpdatePerson: %v", err)
	}
	got := mustPerson(t, s, w.p1)
	sameJSON(t, "person after update", got.Person, saved.Person)
	sameJSON(t, "logins after update", got.Logins, saved.Logins)
	sameJSON(t, "grants after update", got.Grants, saved.Grants)
	if len(got.Logins) != 3 || got.LoginByName("JANKOW9") == nil || got.LoginByName("JANKOW9").ID == 0 {
		t.Errorf("new login not saved with an id: %+v", got.Logins)
	}
	var added *jedenlogin.Grant
	for i := range got.Grants {
		if got.Grants[i].EntityID == "1000" && got.Grants[i].Function == jedenlogin.FunctionEmployee {
			added = &got.Grants[i]
		}
	}
	if len(got.Grants) != 3 || added == nil || added.ID == 0 || added.OriginLoginID != w.jankow1 || !slices.Equal(added.Scopes, []string{"sio", "wnioski"}) {
		t.Errorf("new grant = %+v (all: %+v), want saved with origin %d and scopes [sio wnioski]", added, got.Grants, w.jankow1)
	}
	for _, g := range got.Grants {
		if g.ID == w.g2 && (g.LoginID != w.jankow1 || g.OriginLoginID != w.jankowk) {
			t.Errorf("moved grant = %+v, want held by %d, origin %d", g, w.jankow1, w.jankowk)
		}
	}
	evs, err := s.Audit(ctx, jedenlogin.AuditFilter{Action: jedenlogin.AuditConsolidated})
	if err != nil || len(evs) != 1 || evs[0].PersonID == nil || *evs[0].PersonID != w.p1 {
		t.Errorf("audit of the update = %+v, %v; want one event for person %d", evs, err, w.p1)
	}
}

func testUpdatePersonErrors(t *testing.T, open Opener) {
	ctx := context.Background()
	refuse := errors.New("refused by fn")
	tests := []struct {
		name string
		id   func(w seeded) int64
		fn   func(w seeded) func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error)
		want error
	}{
		{"fn error is returned and nothing written", func(w seeded) int64 { return w.p1 },
			func(w seeded) func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
				return func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
					rec.Person.State = jedenlogin.StateDone
					rec.Logins[0].State = jedenlogin.LoginMerged
					return []jedenlogin.AuditEvent{{Action: "x"}}, refuse
				}
			}, refuse},
		{"missing person", func(w seeded) int64 { return 999 },
			func(w seeded) func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
				return func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) { return nil, nil }
			}, jedenlogin.ErrNotFound},
		{"new login equal ignoring case to another person's", func(w seeded) int64 { return w.p1 },
			func(w seeded) func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
				return func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
					rec.Person.State = jedenlogin.StateDone
					rec.Logins = append(rec.Logins, jedenlogin.Login{PersonID: w.p1, Name: "annnow1", State: jedenlogin.LoginReserved, Origin: jedenlogin.OriginGenerated})
					return nil, nil
				}
			}, jedenlogin.ErrLoginTaken},
		{"new login equal to a retired one of the same person", func(w seeded) int64 { return w.p3 },
			func(w seeded) func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
				return func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
					rec.Logins = append(rec.Logins, jedenlogin.Login{PersonID: w.p3, Name: "Old", State: jedenlogin.LoginActive, Origin: jedenlogin.OriginLegacy})
					return nil, nil
				}
			}, jedenlogin.ErrLoginTaken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			w := seed(t, s)
			before := mustJSON(t, []any{mustPerson(t, s, w.p1), mustPerson(t, s, w.p3)})
			auditBefore, _ := s.Audit(ctx, jedenlogin.AuditFilter{})
			err := s.UpdatePerson(ctx, tc.id(w), tc.fn(w))
			if !errors.Is(err, tc.want) {
				t.Fatalf("UpdatePerson = %v, want %v", err, tc.want)
			}
			if after := mustJSON(t, []any{mustPerson(t, s, w.p1), mustPerson(t, s, w.p3)}); after != before {
				t.Errorf("failed UpdatePerson wrote:\n%s\n%s", before, after)
			}
			if auditAfter, _ := s.Audit(ctx, jedenlogin.AuditFilter{}); len(auditAfter) != len(auditBefore) {
				t.Errorf("failed UpdatePerson appended audit events: %d -> %d", len(auditBefore), len(auditAfter))
			}
		})
	}
}

func testUpdatePersonConcurrent(t *testing.T, open Opener) {
	s := open(t)
	w := seed(t, s)
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.UpdatePerson(context.Background(), w.p1, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
				if rec.Person.State == jedenlogin.StateDone {
					return nil, jedenlogin.ErrAlreadyConsolidated
				}
				rec.Person.State = jedenlogin.StateDone
				rec.Person.UnifiedLoginID = i64(w.jankow1)
				return []jedenlogin.AuditEvent{{Action: jedenlogin.AuditConsolidated, Actor: "goroutine " + strconv.Itoa(i)}}, nil
			})
		}()
	}
	wg.Wait()
	won, lost := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, jedenlogin.ErrAlreadyConsolidated):
			lost++
		default:
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	if won != 1 || lost != n-1 {
		t.Errorf("%d updates won, %d were told already consolidated; want 1 and %d", won, lost, n-1)
	}
	evs, err := s.Audit(context.Background(), jedenlogin.AuditFilter{Action: jedenlogin.AuditConsolidated})
	if err != nil || len(evs) != 1 {
		t.Errorf("consolidation audit events = %d (%v), want 1", len(evs), err)
	}
}

func testReserveLogin(t *testing.T, open Opener) {
	ctx := context.Background()
	tests := []struct {
		name   string
		taken  []string
		prefix string
		want   string
	}{
		{"nothing taken", nil, "JANKOW", "JANKOW1"},
		{"spec example", []string{"JANKOW1", "JanKow2"}, "JANKOW", "JANKOW3"},
		{"legacy lower-case twin takes the number", []string{"JanKow1"}, "JANKOW", "JANKOW2"},
		{"leading zero is another name", []string{"JANKOW01", "jankow001"}, "JANKOW", "JANKOW1"},
		{"gap is filled", []string{"JANKOW1", "JANKOW3", "JANKOW10"}, "JANKOW", "JANKOW2"},
		{"longer prefix does not count", []string{"JANKOWA1", "JANKOW1X", "JANKOW-2"}, "JANKOW", "JANKOW1"},
		{"inactive logins count", []string{"ANNNOW1"}, "ANNNOW", "ANNNOW2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			bb := newBuilder(t, s)
			p := bb.person("login:X", jedenlogin.CaseGenerate)
			for _, name := range tc.taken {
				bb.login(p, name, jedenlogin.LoginInactive)
			}
			bb.apply(t, s)
			l, err := s.ReserveLogin(ctx, tc.prefix, jedenlogin.Login{PersonID: p, Name: "IGNORED", FirstName: "Jan", CreatedAt: t0})
			if err != nil {
				t.Fatalf("ReserveLogin: %v", err)
			}
			if l.Name != tc.want || l.ID == 0 || l.PersonID != p || l.State != jedenlogin.LoginReserved || l.Origin != jedenlogin.OriginGenerated {
				t.Errorf("ReserveLogin = %+v, want %s reserved, generated, for person %d", l, tc.want, p)
			}
			stored, err := s.LoginByName(ctx, tc.want)
			if err != nil {
				t.Fatalf("LoginByName(%s): %v", tc.want, err)
			}
			sameJSON(t, "stored login", stored, l)
		})
	}
}

func testReserveLoginConcurrent(t *testing.T, open Opener) {
	s := open(t)
	bb := newBuilder(t, s)
	p := bb.person("login:X", jedenlogin.CaseGenerate)
	bb.login(p, "ANNKOW1", jedenlogin.LoginActive) // another prefix: must not matter
	bb.apply(t, s)
	const n = 50
	var wg sync.WaitGroup
	names := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := s.ReserveLogin(context.Background(), "JANKOW", jedenlogin.Login{PersonID: p})
			if err != nil {
				t.Errorf("ReserveLogin: %v", err)
				return
			}
			names[i] = l.Name
		}()
	}
	wg.Wait()
	var want []string
	for i := 1; i <= n; i++ {
		want = append(want, "JANKOW"+strconv.Itoa(i))
	}
	sort.Strings(names)
	sort.Strings(want)
	if !slices.Equal(names, want) {
		t.Errorf("50 concurrent reservations gave %v, want JANKOW1…JANKOW50 once each", names)
	}
}

func testLogins(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	bb := newBuilder(t, s)
	p := bb.person("login:X", jedenlogin.CaseChooseUppercase)
	up := bb.login(p, "JANKOW1", jedenlogin.LoginActive)
	low := bb.login(p, "JanKow1", jedenlogin.LoginActive)
	kasia := bb.login(p, "KASIA1", jedenlogin.LoginActive)
	bb.apply(t, s)

	tests := []struct {
		name   string
		lookup string
		exact  int64 // 0: not found
		folded []int64
	}{
		{"upper", "JANKOW1", up, []int64{up, low}},
		{"mixed", "JanKow1", low, []int64{up, low}},
		{"other case", "jankow1", 0, []int64{up, low}},
		{"unknown", "NOBODY", 0, nil},
		{"lower case", "kasia1", 0, []int64{kasia}},
		// loginname.Fold folds ASCII letters only: the long s and the
		// dotless i, whose upper case is ASCII, stay what they are.
		{"non-ASCII letters do not fold", "KAſıA1", 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := s.LoginByName(ctx, tc.lookup)
			if tc.exact == 0 {
				if !errors.Is(err, jedenlogin.ErrNotFound) {
					t.Errorf("LoginByName(%s) = %+v, %v; want ErrNotFound", tc.lookup, l, err)
				}
			} else if err != nil || l.ID != tc.exact {
				t.Errorf("LoginByName(%s) = %+v, %v; want id %d", tc.lookup, l, err, tc.exact)
			}
			ls, err := s.LoginsByFoldedName(ctx, tc.lookup)
			if err != nil {
				t.Fatalf("LoginsByFoldedName: %v", err)
			}
			var ids []int64
			for _, l := range ls {
				ids = append(ids, l.ID)
			}
			slices.Sort(ids)
			if !slices.Equal(ids, tc.folded) {
				t.Errorf("LoginsByFoldedName(%s) = %v, want %v", tc.lookup, ids, tc.folded)
			}
		})
	}

	if err := s.TouchLogin(ctx, up, t0.Add(time.Hour)); err != nil {
		t.Fatalf("TouchLogin: %v", err)
	}
	if l, _ := s.LoginByName(ctx, "JANKOW1"); l == nil || l.LastLoginAt == nil || !l.LastLoginAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("after TouchLogin: %+v", l)
	}
	if err := s.TouchLogin(ctx, 999, t0); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("TouchLogin(999) = %v, want ErrNotFound", err)
	}
}

func testSetPasswordHash(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	w := seed(t, s)
	old := "{SSHA}JANKOW1"
	tests := []struct {
		name     string
		old, new string
		want     bool
		after    string
	}{
		{"current hash is replaced", old, "$argon2id$new", true, "$argon2id$new"},
		{"stale hash is refused", old, "$argon2id$other", false, "$argon2id$new"},
		{"next change from the new hash", "$argon2id$new", "$argon2id$third", true, "$argon2id$third"},
	}
	for i, tc := range tests {
		ok, err := s.SetPasswordHash(ctx, w.jankow1, tc.old, tc.new, t0.Add(time.Duration(i+1)*time.Minute))
		if err != nil || ok != tc.want {
			t.Errorf("%s: SetPasswordHash = %v, %v; want %v", tc.name, ok, err, tc.want)
		}
		l, err := s.LoginByName(ctx, "JANKOW1")
		if err != nil {
			t.Fatal(err)
		}
		if l.PasswordHash != tc.after {
			t.Errorf("%s: hash %q, want %q", tc.name, l.PasswordHash, tc.after)
		}
		if tc.want && (l.PasswordChangedAt == nil || !l.PasswordChangedAt.Equal(t0.Add(time.Duration(i+1)*time.Minute))) {
			t.Errorf("%s: PasswordChangedAt = %v", tc.name, l.PasswordChangedAt)
		}
	}
	if ok, err := s.SetPasswordHash(ctx, 999, "", "x", t0); ok || err != nil {
		t.Errorf("SetPasswordHash(missing login) = %v, %v; want false, nil", ok, err)
	}
}

func testEntities(t *testing.T, open Opener) {
	s := open(t)
	seed(t, s)
	es, err := s.Entities(context.Background(), []string{"2000", "9999", "1000"})
	if err != nil {
		t.Fatalf("Entities: %v", err)
	}
	sort.Slice(es, func(i, j int) bool { return es[i].ID < es[j].ID })
	sameJSON(t, "entities", es, []jedenlogin.Entity{
		{ID: "1000", Name: "Gmina Testowo", Kind: "szkola"},
		{ID: "2000", Name: "Szkoła Podstawowa nr 1 w Testowie", Kind: "szkola", ParentID: "1000"},
	})
	if es, err := s.Entities(context.Background(), nil); err != nil || len(es) != 0 {
		t.Errorf("Entities(nil) = %v, %v", es, err)
	}
}

func testThrottle(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	const (
		window = 15 * time.Minute
		block  = 15 * time.Minute
		limit  = 5
	)
	key := "login:JANKOW1"
	if th, err := s.ThrottleState(ctx, key); err != nil || th.Failures != 0 || th.BlockedUntil != nil {
		t.Fatalf("ThrottleState(unknown) = %+v, %v; want zero", th, err)
	}
	steps := []struct {
		name        string
		at          time.Duration
		failures    int
		blocked     bool
		windowStart time.Duration
		until       *time.Time
	}{
		{"first", 0, 1, false, 0, nil},
		{"second", time.Minute, 2, false, 0, nil},
		{"third", 2 * time.Minute, 3, false, 0, nil},
		{"fourth", 3 * time.Minute, 4, false, 0, nil},
		{"fifth blocks", 4 * time.Minute, 5, true, 0, at(4*time.Minute + block)},
		{"while blocked: counted, block kept", 5 * time.Minute, 6, false, 0, at(4*time.Minute + block)},
		{"block over: restart", 4*time.Minute + block, 1, false, 4*time.Minute + block, nil},
		{"window over: restart", 4*time.Minute + block + window + time.Second, 1, false, 4*time.Minute + block + window + time.Second, nil},
		{"within window", 4*time.Minute + block + window + 2*time.Second, 2, false, 4*time.Minute + block + window + time.Second, nil},
	}
	for _, st := range steps {
		th, blocked, err := s.RecordFailure(ctx, key, t0.Add(st.at), window, limit, block)
		if err != nil {
			t.Fatalf("%s: RecordFailure: %v", st.name, err)
		}
		if th.Failures != st.failures || blocked != st.blocked || !th.WindowStart.Equal(t0.Add(st.windowStart)) ||
			(th.BlockedUntil == nil) != (st.until == nil) || (st.until != nil && !th.BlockedUntil.Equal(*st.until)) {
			t.Errorf("%s: RecordFailure = %+v blocked=%v; want failures %d blocked=%v window %v until %v",
				st.name, th, blocked, st.failures, st.blocked, t0.Add(st.windowStart), st.until)
		}
		state, err := s.ThrottleState(ctx, key)
		if err != nil || mustJSON(t, state) != mustJSON(t, th) {
			t.Errorf("%s: ThrottleState = %+v, %v; want %+v", st.name, state, err, th)
		}
	}
	if _, _, err := s.RecordFailure(ctx, "addr:192.0.2.1", t0, window, 100, block); err != nil {
		t.Fatal(err)
	}
	if err := s.ClearThrottle(ctx, key); err != nil {
		t.Fatalf("ClearThrottle: %v", err)
	}
	if th, _ := s.ThrottleState(ctx, key); th.Failures != 0 {
		t.Errorf("after ClearThrottle: %+v", th)
	}
	if th, _ := s.ThrottleState(ctx, "addr:192.0.2.1"); th.Failures != 1 {
		t.Errorf("ClearThrottle touched another key: %+v", th)
	}
	if err := s.ClearThrottle(ctx, "login:NOBODY"); err != nil {
		t.Errorf("ClearThrottle(missing) = %v", err)
	}
}

func testThrottleConcurrent(t *testing.T, open Opener) {
	s := open(t)
	const n = 50
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		blocked int
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, b, err := s.RecordFailure(context.Background(), "login:X", t0.Add(time.Duration(i)*time.Millisecond), 15*time.Minute, 5, 15*time.Minute)
			if err != nil {
				t.Errorf("RecordFailure: %v", err)
			}
			if b {
				mu.Lock()
				blocked++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	th, err := s.ThrottleState(context.Background(), "login:X")
	if err != nil || th.Failures != n || th.BlockedUntil == nil {
		t.Errorf("after %d parallel failures: %+v, %v; want %d failures and a block", n, th, err, n)
	}
	if blocked != 1 {
		t.Errorf("%d calls reported blocked=true, want exactly 1", blocked)
	}
}

func testSessions(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	mk := func(id string, person int64, seen, expires time.Duration) *jedenlogin.Session {
		return &jedenlogin.Session{IDHash: id, LoginID: person * 10, PersonID: person, CSRFToken: "csrf-" + id,
			CreatedAt: t0, LastSeenAt: t0.Add(seen), ExpiresAt: t0.Add(expires)}
	}
	a := mk("a", 1, 0, 12*time.Hour)
	for _, ss := range []*jedenlogin.Session{a, mk("b", 1, 0, 12*time.Hour), mk("c", 1, 0, 12*time.Hour), mk("d", 2, 0, 12*time.Hour)} {
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatalf("CreateSession(%s): %v", ss.IDHash, err)
		}
	}
	if err := s.CreateSession(ctx, mk("a", 3, 0, time.Hour)); err == nil {
		t.Errorf("CreateSession with an existing id hash succeeded")
	}
	got, err := s.Session(ctx, "a")
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	sameJSON(t, "session", got, a)
	if _, err := s.Session(ctx, "zzz"); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("Session(missing) = %v, want ErrNotFound", err)
	}

	entity := "2000"
	if err := s.TouchSession(ctx, "a", t0.Add(time.Minute), &entity); err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	if err := s.TouchSession(ctx, "a", t0.Add(2*time.Minute), nil); err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	got, _ = s.Session(ctx, "a")
	if got == nil || got.EntityID != "2000" || !got.LastSeenAt.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("after TouchSession: %+v", got)
	}

	n, err := s.DeleteSessionsOfPerson(ctx, 1, "a")
	if err != nil || n != 2 {
		t.Errorf("DeleteSessionsOfPerson(1, except a) = %d, %v; want 2", n, err)
	}
	if _, err := s.Session(ctx, "a"); err != nil {
		t.Errorf("the excepted session is gone: %v", err)
	}
	if _, err := s.Session(ctx, "d"); err != nil {
		t.Errorf("another person's session is gone: %v", err)
	}
	if err := s.DeleteSession(ctx, "a"); err != nil {
		t.Errorf("DeleteSession: %v", err)
	}
	if err := s.DeleteSession(ctx, "a"); err != nil {
		t.Errorf("DeleteSession(missing): %v", err)
	}
	if _, err := s.Session(ctx, "a"); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("deleted session still there: %v", err)
	}

	for _, ss := range []*jedenlogin.Session{
		mk("idle", 5, 0, 12*time.Hour), mk("fresh", 5, 50*time.Minute, 12*time.Hour), mk("old", 5, 50*time.Minute, time.Hour),
	} {
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
	}
	// At t0+1h: idle means last seen before t0+50m; "old" expires exactly now.
	n, err = s.DeleteExpiredSessions(ctx, t0.Add(time.Hour), t0.Add(50*time.Minute))
	if err != nil || n != 3 { // idle, old, and d (last seen at t0)
		t.Errorf("DeleteExpiredSessions = %d, %v; want 3", n, err)
	}
	if _, err := s.Session(ctx, "fresh"); err != nil {
		t.Errorf("fresh session deleted: %v", err)
	}
}

func testAudit(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	p1, p2 := int64(1), int64(2)
	evs := []jedenlogin.AuditEvent{
		{At: t0, Action: jedenlogin.AuditSignIn, Actor: "JANKOW1", PersonID: &p1, Subject: "JANKOW1", Address: "192.0.2.1", Outcome: "ok", Details: `{"a":1}`},
		{At: t0.Add(time.Minute), Action: jedenlogin.AuditSignInFailed, Actor: "JANKOW1", PersonID: &p1, Subject: "JANKOW1", Outcome: "failed"},
		{At: t0.Add(2 * time.Minute), Action: jedenlogin.AuditSignIn, Actor: "ANNNOW1", PersonID: &p2, Subject: "ANNNOW1", Outcome: "ok"},
		{At: t0.Add(3 * time.Minute), Action: jedenlogin.AuditUnblocked, Actor: "operator:ADMIN1", Subject: "JANKOW1", Outcome: "ok"},
	}
	if err := s.AppendAudit(ctx, evs[:2]...); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	if err := s.AppendAudit(ctx, evs[2:]...); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	if err := s.AppendAudit(ctx); err != nil {
		t.Fatalf("AppendAudit(): %v", err)
	}
	all, err := s.Audit(ctx, jedenlogin.AuditFilter{})
	if err != nil || len(all) != 4 {
		t.Fatalf("Audit(all) = %d events, %v", len(all), err)
	}
	for i, e := range all {
		want := evs[len(evs)-1-i]
		want.ID, want.PrevHash = e.ID, e.PrevHash
		sameJSON(t, "event "+strconv.Itoa(i), e, want)
		if i > 0 && e.ID >= all[i-1].ID {
			t.Errorf("events not newest first: %d after %d", e.ID, all[i-1].ID)
		}
	}
	actions := func(es []jedenlogin.AuditEvent) []string {
		out := []string{}
		for _, e := range es {
			out = append(out, e.Actor+"/"+e.Action)
		}
		return out
	}
	tests := []struct {
		name string
		f    jedenlogin.AuditFilter
		want []string
	}{
		{"action", jedenlogin.AuditFilter{Action: jedenlogin.AuditSignIn}, []string{"ANNNOW1/sign_in", "JANKOW1/sign_in"}},
		{"actor", jedenlogin.AuditFilter{Actor: "JANKOW1"}, []string{"JANKOW1/sign_in_failed", "JANKOW1/sign_in"}},
		{"subject", jedenlogin.AuditFilter{Subject: "JANKOW1"}, []string{"operator:ADMIN1/unblocked", "JANKOW1/sign_in_failed", "JANKOW1/sign_in"}},
		{"person", jedenlogin.AuditFilter{PersonID: &p2}, []string{"ANNNOW1/sign_in"}},
		{"since/until", jedenlogin.AuditFilter{Since: t0.Add(time.Minute), Until: t0.Add(3 * time.Minute)}, []string{"ANNNOW1/sign_in", "JANKOW1/sign_in_failed"}},
		{"limit", jedenlogin.AuditFilter{Limit: 1}, []string{"operator:ADMIN1/unblocked"}},
		{"before id", jedenlogin.AuditFilter{BeforeID: all[1].ID, Limit: 1}, []string{"JANKOW1/sign_in_failed"}},
		{"combined", jedenlogin.AuditFilter{Action: jedenlogin.AuditSignIn, PersonID: &p1}, []string{"JANKOW1/sign_in"}},
		{"no match", jedenlogin.AuditFilter{Actor: "nobody"}, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Audit(ctx, tc.f)
			if err != nil {
				t.Fatalf("Audit: %v", err)
			}
			if a := actions(got); !slices.Equal(a, tc.want) {
				t.Errorf("Audit(%+v) = %v, want %v", tc.f, a, tc.want)
			}
		})
	}

	many := make([]jedenlogin.AuditEvent, 120)
	for i := range many {
		many[i] = jedenlogin.AuditEvent{Action: "bulk", Actor: "system"}
	}
	if err := s.AppendAudit(ctx, many...); err != nil {
		t.Fatal(err)
	}
	got, err := s.Audit(ctx, jedenlogin.AuditFilter{Action: "bulk"})
	if err != nil || len(got) != 100 {
		t.Errorf("Audit default limit: %d events, %v; want 100", len(got), err)
	}
	if len(got) > 0 && got[0].At.IsZero() {
		t.Errorf("event appended without At has no time")
	}
}

func testAuditAppendOnly(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	dbs, ok := s.(interface{ DB() *sql.DB })
	if !ok {
		t.Skip("store exposes no DB(); append-only is checked by backends that do")
	}
	if err := s.AppendAudit(ctx, jedenlogin.AuditEvent{At: t0, Action: jedenlogin.AuditSignIn, Actor: "JANKOW1", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	db := dbs.DB()
	for _, stmt := range []string{
		"UPDATE audit_events SET outcome = 'forged'",
		"DELETE FROM audit_events",
	} {
		if _, err := db.ExecContext(ctx, stmt); err == nil {
			t.Errorf("%s: succeeded, want refused", stmt)
		}
	}
	evs, err := s.Audit(ctx, jedenlogin.AuditFilter{})
	if err != nil || len(evs) != 1 || evs[0].Outcome != "ok" {
		t.Errorf("audit log after refused changes = %+v, %v", evs, err)
	}
}

func testForEachPersonMatchesPerson(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	w := seed(t, s)
	// Text that a store might use as a separator or quote must survive.
	odd := "Zażółć \x1f'gęślą'|\"jaźń\";\n"
	err := s.UpdatePerson(ctx, w.p1, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		rec.Person.Account = &jedenlogin.AccountData{FirstName: odd, LastName: odd, Phone: "\x1f"}
		rec.Logins[0].FirstName = odd
		rec.Logins[1].Email = "\x1f\x1f"
		rec.Grants[0].RevokeReason = odd
		rec.Grants[1].Scopes = []string{"a\x1fb", "sio"}
		return nil, nil
	})
	if err != nil {
		t.Fatalf("UpdatePerson: %v", err)
	}
	seen := 0
	err = s.ForEachPerson(ctx, func(rec *jedenlogin.PersonRecord) error {
		seen++
		sameJSON(t, fmt.Sprintf("ForEachPerson vs Person(%d)", rec.Person.ID), rec, mustPerson(t, s, rec.Person.ID))
		return nil
	})
	if err != nil || seen != 3 {
		t.Errorf("ForEachPerson = %v after %d persons, want 3", err, seen)
	}
	if rec := mustPerson(t, s, w.p1); rec.Person.Account == nil || rec.Person.Account.FirstName != odd || rec.Logins[0].FirstName != odd {
		t.Errorf("odd text not kept: %+v", rec)
	}
}

// testImportWriterOrder: an import may write logins and grants before the
// persons and entities they refer to (the importer streams a file's rows
// before it knows its persons); a reference still missing at Commit fails
// the import and nothing is written.
func testImportWriterOrder(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	seed(t, s)
	persons, logins := countPersons(t, s)
	build := func(personOf func(int64) int64) *jedenlogin.ImportBatch {
		bb := newBuilder(t, s)
		bb.entity("7000", "SP 70", "")
		for i := range 20 {
			p := bb.person(fmt.Sprintf("login:LATE%d", i), jedenlogin.CaseUnchanged)
			l := bb.login(personOf(p), fmt.Sprintf("LATE%d", i), jedenlogin.LoginActive)
			bb.grant(l, "7000", jedenlogin.FunctionEmployee, "a")
		}
		return &bb.b
	}
	write := func(b *jedenlogin.ImportBatch) error {
		t.Helper()
		iw, err := s.BeginImport(ctx, b.SnapshotVersion, jedenlogin.ImportSize{Persons: len(b.NewPersons), Logins: len(b.Logins), Grants: len(b.Grants)})
		if err != nil {
			t.Fatalf("BeginImport: %v", err)
		}
		defer iw.Rollback()
		for _, step := range []func() error{
			func() error { return iw.Logins(ctx, b.Logins[:7]) },
			func() error { return iw.Grants(ctx, b.Grants[:7]) },
			func() error { return iw.Logins(ctx, b.Logins[7:]) },
			func() error { return iw.Grants(ctx, b.Grants[7:]) },
			func() error { return iw.Entities(ctx, b.Entities) },
			func() error { return iw.NewPersons(ctx, b.NewPersons) },
			func() error { return iw.Commit(ctx) },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	}

	// A login of a person nobody writes.
	if err := write(build(func(p int64) int64 { return p + 1000 })); err == nil {
		t.Errorf("an import with logins of missing persons committed")
	}
	if p2, l2 := countPersons(t, s); p2 != persons || l2 != logins {
		t.Errorf("after a failed import: %d persons, %d logins; want %d, %d", p2, l2, persons, logins)
	}

	b := build(func(p int64) int64 { return p })
	if err := write(b); err != nil {
		t.Fatalf("an import writing logins and grants before their persons and entity: %v", err)
	}
	rec := mustPerson(t, s, b.NewPersons[19].ID)
	if len(rec.Logins) != 1 || rec.Logins[0].Name != "LATE19" || len(rec.Grants) != 1 || rec.Grants[0].EntityID != "7000" {
		t.Errorf("person written after their login = %s", mustJSON(t, rec))
	}
}

// testForEachPersonOutline: the outline walk gives every person whole with
// the outline fields of their logins and grants equal to Person's — also
// for a merged login, a generated one, a merged grant and a grant of an entity whose id holds the
// characters a store might pack rows with.
func testForEachPersonOutline(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	w := seed(t, s)
	// Split at the separators, it reads as two well-formed grants.
	odd := "X\x1e1\x1f2\x1f0\x1fY"
	bb := newBuilder(t, s)
	bb.entity(odd, "Podmiot o dziwnym identyfikatorze", "")
	p4 := bb.person("login:ODD", jedenlogin.CaseUnchanged)
	l4 := bb.login(p4, "ODD1", jedenlogin.LoginActive)
	bb.grant(l4, odd, jedenlogin.FunctionEmployee)
	bb.grant(l4, "2000", jedenlogin.FunctionEmployee)
	bb.login(p4, "ODDGEN1", jedenlogin.LoginReserved)
	bb.b.Logins[len(bb.b.Logins)-1].Origin = jedenlogin.OriginGenerated
	bb.apply(t, s)
	err := s.UpdatePerson(ctx, w.p1, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		for i := range rec.Grants {
			if g := &rec.Grants[i]; g.ID == w.g2 {
				g.LoginID, g.MergedInto = w.jankow1, &w.g1
			}
		}
		for i := range rec.Logins {
			if l := &rec.Logins[i]; l.ID == w.jankowk {
				l.State, l.StateBeforeMerge, l.MergedInto = jedenlogin.LoginMerged, jedenlogin.LoginActive, &w.jankow1
			}
		}
		return nil, nil
	})
	if err != nil {
		t.Fatalf("UpdatePerson: %v", err)
	}

	type outline struct {
		Person jedenlogin.Person
		Logins []jedenlogin.Login
		Grants []jedenlogin.Grant
	}
	project := func(rec *jedenlogin.PersonRecord) outline {
		o := outline{Person: rec.Person}
		for _, l := range rec.Logins {
			o.Logins = append(o.Logins, jedenlogin.Login{ID: l.ID, PersonID: l.PersonID, Name: l.Name, State: l.State, MergedInto: l.MergedInto,
				Origin: l.Origin, StateBeforeMerge: l.StateBeforeMerge})
		}
		for _, g := range rec.Grants {
			if rec.Login(g.LoginID) != nil {
				o.Grants = append(o.Grants, jedenlogin.Grant{ID: g.ID, LoginID: g.LoginID, OriginLoginID: g.OriginLoginID, EntityID: g.EntityID, MergedInto: g.MergedInto})
			}
		}
		return o
	}
	seen := 0
	err = s.ForEachPersonOutline(ctx, func(rec *jedenlogin.PersonRecord) error {
		seen++
		sameJSON(t, fmt.Sprintf("ForEachPersonOutline vs Person(%d)", rec.Person.ID), project(rec), project(mustPerson(t, s, rec.Person.ID)))
		return nil
	})
	if err != nil || seen != 4 {
		t.Errorf("ForEachPersonOutline = %v after %d persons, want 4", err, seen)
	}
	if rec := mustPerson(t, s, p4); len(rec.Grants) != 2 || rec.Grants[0].EntityID != odd {
		t.Errorf("person with the odd entity = %s", mustJSON(t, rec))
	}
}

// testImportWriterPersons: an import reads persons of the database in its
// own transaction — also a large one, for which a store may drop indexes —
// exactly as Store.Person gives them; unknown ids are left out.
func testImportWriterPersons(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	w := seed(t, s)
	want := []*jedenlogin.PersonRecord{mustPerson(t, s, w.p1), mustPerson(t, s, w.p2), mustPerson(t, s, w.p3)}
	snap, err := s.ImportSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	iw, err := s.BeginImport(ctx, snap.Version, jedenlogin.ImportSize{Persons: 50_000, Logins: 50_000, Grants: 50_000})
	if err != nil {
		t.Fatalf("BeginImport: %v", err)
	}
	defer iw.Rollback()
	got, err := iw.Persons(ctx, []int64{w.p3, 999_999, w.p1, w.p2})
	if err != nil {
		t.Fatalf("Persons: %v", err)
	}
	sameJSON(t, "ImportWriter.Persons vs Person", got, want)
	if none, err := iw.Persons(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("Persons(nil) = %v, %v; want none", none, err)
	}
}

// testForEachPersonOneState: a walk sees the database as it was when the
// walk began, to its last person, even when the database changes under it
// (whatever chunks or readers a store uses to read it).
func testForEachPersonOneState(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	const n = 20_000
	bb := newBuilder(t, s)
	ids := make([]int64, n)
	for i := range n {
		ids[i] = bb.person(fmt.Sprintf("login:STATE%d", i), jedenlogin.CaseGenerate)
		bb.login(ids[i], fmt.Sprintf("state%d", i), jedenlogin.LoginActive)
	}
	bb.apply(t, s)
	late := []int64{ids[n-1], ids[n-2345], ids[n-4567]}
	changed := false
	walked := 0
	err := s.ForEachPersonOutline(ctx, func(rec *jedenlogin.PersonRecord) error {
		walked++
		if !changed {
			changed = true
			for _, id := range late {
				if _, err := s.ReserveLogin(ctx, "STATE", jedenlogin.Login{PersonID: id, State: jedenlogin.LoginReserved, Origin: jedenlogin.OriginGenerated, CreatedAt: t0}); err != nil {
					return err
				}
			}
		}
		if slices.Contains(late, rec.Person.ID) && len(rec.Logins) != 1 {
			t.Errorf("person %d walked with %d logins: the walk saw a login reserved after it began", rec.Person.ID, len(rec.Logins))
		}
		return nil
	})
	if err != nil || walked != n {
		t.Fatalf("walk = %v after %d persons, want %d", err, walked, n)
	}
	if rec := mustPerson(t, s, late[0]); len(rec.Logins) != 2 {
		t.Errorf("after the walk the person has %d logins, want 2", len(rec.Logins))
	}
}
