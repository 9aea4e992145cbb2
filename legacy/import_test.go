package legacy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/legacy/legacygen"
	"jedenlogin/store/sqlstore"
	"jedenlogin/store/storetest"
)

var testNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func importer(st jedenlogin.Store) *Importer {
	return &Importer{Store: st, Now: func() time.Time { return testNow }}
}

func mustImport(t *testing.T, st jedenlogin.Store, data string) *Summary {
	t.Helper()
	sum, err := importer(st).Import(context.Background(), strings.NewReader(data), int64(len(data)))
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			t.Fatalf("Import: %v\n%s", err, ve.Report())
		}
		t.Fatalf("Import: %v", err)
	}
	return sum
}

// persons returns every person record of the store by key.
func persons(t *testing.T, st jedenlogin.Store) map[string]*jedenlogin.PersonRecord {
	t.Helper()
	out := map[string]*jedenlogin.PersonRecord{}
	err := st.ForEachPerson(context.Background(), func(rec *jedenlogin.PersonRecord) error {
		out[rec.Person.Key] = rec
		return nil
	})
	if err != nil {
		t.Fatalf("ForEachPerson: %v", err)
	}
	return out
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

func loginNames(ls []jedenlogin.Login, state jedenlogin.LoginState) []string {
	var out []string
	for _, l := range ls {
		if l.State == state {
			out = append(out, l.Name)
		}
	}
	slices.Sort(out)
	return out
}

func TestImportNothingWrittenOnError(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		st := storetest.Open(t, b.NewDSN(t))
		data := makeCSV(t, base("JANKOW1"), base("B").with("valid_to", "31.12.2026"), base("C").with("pesel", "1"), base("JANKOW1"))
		sum, err := importer(st).Import(context.Background(), strings.NewReader(data), 0)
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("Import error = %v, want *ValidationError", err)
		}
		checkIssues(t, "errors", ve.Errors, []wantIssue{{3, "valid_to", "RRRR-MM-DD"}, {5, "login", "występuje już w wierszu 2"}})
		checkIssues(t, "warnings", ve.Warnings, []wantIssue{{4, "pesel", "PESEL"}})
		if !strings.Contains(err.Error(), "2 błędy") || !strings.Contains(err.Error(), "nic nie zaimportowano") {
			t.Errorf("Error() = %q; want the count and that nothing was imported", err)
		}
		if sum == nil || sum.RowsRead != 4 {
			t.Errorf("summary = %+v, want RowsRead 4", sum)
		}
		for table, n := range counts(t, st) {
			if n != 0 {
				t.Errorf("%s has %d rows after a failed import, want 0", table, n)
			}
		}
	})
}

// TestImportLateErrorWritesNothing: the rows before an error late in a
// large file have gone into the import's transaction already (the import
// writes while it reads); the error still leaves the database untouched.
func TestImportLateErrorWritesNothing(t *testing.T) {
	var buf bytes.Buffer
	if _, err := legacygen.Generate(&buf, legacygen.Options{Rows: 3 * writeChunk, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	rows := strings.Count(buf.String(), "\n") - 1
	if !slices.Equal(legacygen.Header, Header()) {
		t.Fatalf("generated header %v, want %v", legacygen.Header, Header())
	}
	_, bad, _ := strings.Cut(makeCSV(t, base("LATEBAD1").with("valid_to", "jutro")), "\n") // without its header
	data := buf.String() + bad
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		st := storetest.Open(t, b.NewDSN(t))
		sum, err := importer(st).Import(context.Background(), strings.NewReader(data), 0)
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("Import error = %v, want *ValidationError", err)
		}
		checkIssues(t, "errors", ve.Errors, []wantIssue{{rows + 2, "valid_to", "RRRR-MM-DD"}})
		if sum == nil || sum.RowsRead != rows+1 {
			t.Errorf("summary = %+v, want RowsRead %d", sum, rows+1)
		}
		for table, n := range counts(t, st) {
			if n != 0 {
				t.Errorf("%s has %d rows after a failed import, want 0", table, n)
			}
		}
		// The store is usable afterwards: the file without the bad row imports.
		if _, err := importer(st).Import(context.Background(), strings.NewReader(buf.String()), 0); err != nil {
			t.Fatalf("importing the good rows afterwards: %v", err)
		}
		if n := counts(t, st)["logins"]; n < rows {
			t.Errorf("logins after the good import = %d, want at least %d", n, rows)
		}
	})
}

// TestImportLargeIntoExistingPerson: a file large enough for the store to
// drop its indexes for the load, with a login for a person the database
// has, imports — the person is read in the import's own transaction, not
// from outside, where the dropped indexes' locks made it wait for the
// import itself (PostgreSQL) or for the only connection (":memory:").
func TestImportLargeIntoExistingPerson(t *testing.T) {
	var buf bytes.Buffer
	if _, err := legacygen.Generate(&buf, legacygen.Options{Rows: 12_000, Seed: 11}); err != nil {
		t.Fatal(err)
	}
	_, more, _ := strings.Cut(makeCSV(t, base("jan.k2").with("pesel", "44051401359", "first_name", "Jan", "last_name", "Kowalski")), "\n")
	run := func(t *testing.T, st jedenlogin.Store) {
		mustImport(t, st, makeCSV(t, base("JANKOW1").with("pesel", "44051401359", "first_name", "Jan", "last_name", "Kowalski")))
		// The deadline only turns a hang into a failure; under the race
		// detector on a busy 2-core machine the import alone takes a minute.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		sum, err := importer(st).Import(ctx, strings.NewReader(buf.String()+more), 0)
		if err != nil {
			t.Fatalf("Import: %v", err)
		}
		if sum.PersonsUpdated != 1 || sum.MergedAtOnce != 1 {
			t.Errorf("persons updated %d, merged at once %d; want 1, 1", sum.PersonsUpdated, sum.MergedAtOnce)
		}
		// Jan was done (unchanged) after the first import: his new login is
		// merged into JANKOW1 at once.
		rec := persons(t, st)["pesel:44051401359"]
		if rec == nil || len(rec.Logins) != 2 || rec.Logins[1].Name != "jan.k2" || rec.Logins[1].State != jedenlogin.LoginMerged ||
			rec.Logins[1].MergedInto == nil || *rec.Logins[1].MergedInto != rec.Logins[0].ID {
			t.Errorf("the existing person after the import = %s", mustJSONT(t, rec))
		}
	}
	storetest.Run(t, func(t *testing.T, b storetest.Backend) { run(t, storetest.Open(t, b.NewDSN(t))) })
	t.Run("memory", func(t *testing.T) {
		st, err := sqlstore.Open(context.Background(), ":memory:", sqlstore.Options{Migrate: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		run(t, st)
	})
}

// casesFile has one person of every case of SPEC §6 and a generated-name
// clash: Anna Nowak-Kowalska needs ANNNOW+N while ANNNOW1 (another person)
// and annnow2 (lower case) exist.
func casesFile(t *testing.T) string {
	return makeCSV(t,
		// unchanged, by PESEL
		base("JANKOW1").with("pesel", "44051401359", "email", "jan@sp1.pl", "phone", "600100200", "accepted_at", "2020-01-01T00:00:00Z"),
		// choose: two uppercase, by e-mail + name
		base("EWANOW1").with("first_name", "Ewa", "last_name", "Nowak", "email", "Ewa@SP2.pl", "entity_id", "E2", "entity_name", "SP 2"),
		base("EWANOW7").with("first_name", "ewa", "last_name", "NOWAK", "email", "ewa@sp2.pl", "entity_id", "E3", "entity_name", "SP 3"),
		// choose_uppercase
		base("PIOWIS1").with("first_name", "Piotr", "last_name", "Wiśniewski", "pesel", "02070803628"),
		base("PioWis2").with("first_name", "Piotr", "last_name", "Wiśniewski", "pesel", "02070803628", "entity_id", "E2", "entity_name", "SP 2"),
		// generate: lowercase only (plus an inactive uppercase)
		base("anowak").with("first_name", "Anna", "last_name", "Nowak-Kowalska", "pesel", "90010112349", "accepted_at", "2021-05-01T00:00:00Z"),
		base("a.nowak").with("first_name", "Anna", "last_name", "Kowalska", "pesel", "90010112349", "accepted_at", "2019-05-01T00:00:00Z"),
		base("ANNNOW5").with("first_name", "Anna", "last_name", "Nowak-Kowalska", "pesel", "90010112349", "status", "inactive"),
		base("ANNNOW1").with("first_name", "Anna", "last_name", "Nowicka"),
		base("annnow2").with("first_name", "Anna", "last_name", "Nowicka", "status", "inactive"),
		// no_active_login
		base("OLDLOGIN").with("first_name", "Stary", "last_name", "Login", "status", "inactive"),
	)
}

// TestImportAccountSource: the generated login's prefix and an unchanged
// person's account come from the login accepted last — one accepted before
// 1970 beats one never accepted, and of equal ones the first in the file
// wins (consolidation.AccountSource), whatever the order of the rows.
func TestImportAccountSource(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		st := storetest.Open(t, b.NewDSN(t))
		mustImport(t, st, makeCSV(t,
			// generate: Zofia (1969) beats Anna (never), though Anna comes first
			base("anna.n").with("first_name", "Anna", "last_name", "Nowak", "pesel", "90010112349"),
			base("zofia.k").with("first_name", "Zofia", "last_name", "Kowal", "pesel", "90010112349", "accepted_at", "1969-12-31T00:00:00Z"),
			// generate: equal acceptance, the first row wins
			base("ewa.a").with("first_name", "Ewa", "last_name", "Adamska", "pesel", "44051401359", "accepted_at", "2020-01-01T00:00:00Z"),
			base("ola.b").with("first_name", "Ola", "last_name", "Bąk", "pesel", "44051401359", "accepted_at", "2020-01-01T00:00:00Z"),
			// unchanged: the account from its one active login, not the inactive later one
			base("PIOWIS1").with("first_name", "Piotr", "last_name", "Wiśniewski", "pesel", "02070803628", "email", "p@sp1.pl", "accepted_at", "2019-01-01T00:00:00Z"),
			base("piotr.w").with("first_name", "Pietrek", "last_name", "Wiśnia", "pesel", "02070803628", "status", "inactive", "accepted_at", "2024-01-01T00:00:00Z"),
		))
		ps := persons(t, st)
		for key, want := range map[string]string{"pesel:90010112349": "ZOFKOW1", "pesel:44051401359": "EWAADA1"} {
			p := ps[key].Person
			if p.GeneratedLoginID == nil || ps[key].Login(*p.GeneratedLoginID).Name != want {
				t.Errorf("%s: generated login %s, want %s", key, mustJSONT(t, p), want)
			}
		}
		if a := ps["pesel:02070803628"].Person.Account; a == nil || a.FirstName != "Piotr" || a.Email != "p@sp1.pl" {
			t.Errorf("unchanged person's account = %+v, want Piotr's", a)
		}
	})
}

func mustJSONT(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestImportCases(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		st := storetest.Open(t, b.NewDSN(t))
		sum := mustImport(t, st, casesFile(t))
		if sum.LoginsNew != 11 || sum.PersonsNew != 7 || sum.Grants != 11 || sum.EntitiesNew != 3 || sum.GeneratedLogins != 1 {
			t.Errorf("summary: %+v", sum)
		}
		wantGrouping := map[jedenlogin.Grouping]int{"pesel": 3, "email": 1, "login": 3}
		for g, n := range wantGrouping {
			if sum.Grouping[g] != n {
				t.Errorf("grouping %s = %d, want %d", g, sum.Grouping[g], n)
			}
		}
		ps := persons(t, st)
		cases := []struct {
			key       string
			c         jedenlogin.Case
			state     jedenlogin.PersonState
			generated string
		}{
			{"pesel:44051401359", jedenlogin.CaseUnchanged, jedenlogin.StateDone, ""},
			{"email:ewa@sp2.pl|ewa nowak", jedenlogin.CaseChoose, jedenlogin.StatePending, ""},
			{"pesel:02070803628", jedenlogin.CaseChooseUppercase, jedenlogin.StatePending, ""},
			{"pesel:90010112349", jedenlogin.CaseGenerate, jedenlogin.StatePending, "ANNNOW3"},
			{"login:ANNNOW1", jedenlogin.CaseUnchanged, jedenlogin.StateDone, ""},
			{"login:annnow2", jedenlogin.CaseNoActiveLogin, jedenlogin.StatePending, ""},
			{"login:OLDLOGIN", jedenlogin.CaseNoActiveLogin, jedenlogin.StatePending, ""},
		}
		for _, tc := range cases {
			t.Run(tc.key, func(t *testing.T) {
				rec := ps[tc.key]
				if rec == nil {
					t.Fatalf("no person %s; have %v", tc.key, keys(ps))
				}
				p := rec.Person
				if p.Case != tc.c || p.State != tc.state {
					t.Errorf("case/state = %s/%s, want %s/%s", p.Case, p.State, tc.c, tc.state)
				}
				gen := ""
				if p.GeneratedLoginID != nil {
					l := rec.Login(*p.GeneratedLoginID)
					if l == nil || l.State != jedenlogin.LoginReserved || l.Origin != jedenlogin.OriginGenerated {
						t.Fatalf("generated login %v is not a reserved generated login of the person", l)
					}
					gen = l.Name
				}
				if gen != tc.generated {
					t.Errorf("generated login = %q, want %q", gen, tc.generated)
				}
				if tc.state == jedenlogin.StateDone {
					if p.UnifiedLoginID == nil || p.Account == nil {
						t.Fatalf("done person without unified login or account data: %+v", p)
					}
					if u := rec.Login(*p.UnifiedLoginID); u == nil || u.State != jedenlogin.LoginActive {
						t.Errorf("unified login %v is not the person's active login", u)
					}
				}
			})
		}
		jan := ps["pesel:44051401359"]
		if a := jan.Person.Account; a == nil || a.FirstName != "Jan" || a.Email != "jan@sp1.pl" || a.Phone != "600100200" || a.PESEL != "44051401359" {
			t.Errorf("account data of Jan = %+v", jan.Person.Account)
		}
		if len(jan.Grants) != 1 || jan.Grants[0].EntityID != "E1" || strings.Join(jan.Grants[0].Scopes, ",") != "sio,wnioski" {
			t.Errorf("grants of Jan = %+v", jan.Grants)
		}
		events, err := st.Audit(context.Background(), jedenlogin.AuditFilter{Action: jedenlogin.AuditImport})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 || events[0].Actor != "cli" {
			t.Fatalf("import audit events = %+v, want one by cli", events)
		}
		var d map[string]int
		if err := json.Unmarshal([]byte(events[0].Details), &d); err != nil || d["logins_new"] != 11 || d["persons_new"] != 7 {
			t.Errorf("audit details = %s (%v)", events[0].Details, err)
		}
	})
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestImportIdempotent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		st := storetest.Open(t, b.NewDSN(t))
		data := casesFile(t)
		mustImport(t, st, data)
		before := counts(t, st)
		sum := mustImport(t, st, data)
		if sum.LoginsNew != 0 || sum.LoginsPresent != 11 || sum.PersonsNew != 0 || sum.PersonsUpdated != 0 ||
			sum.Grants != 0 || sum.EntitiesNew+sum.EntitiesUpdated != 0 || sum.GeneratedLogins != 0 {
			t.Errorf("second import summary: %+v; want nothing new", sum)
		}
		after := counts(t, st)
		for table, n := range before {
			want := n
			if table == "audit_events" {
				want++ // one import event saying 0 new
			}
			if after[table] != want {
				t.Errorf("%s: %d rows after the second import, want %d", table, after[table], want)
			}
		}
		events, err := st.Audit(context.Background(), jedenlogin.AuditFilter{Action: jedenlogin.AuditImport})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 2 || !strings.Contains(events[0].Details, `"logins_new":0`) {
			t.Errorf("audit events = %+v; want the newest saying logins_new 0", events)
		}
	})
}

func TestImportIntoExistingPersons(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		st := storetest.Open(t, b.NewDSN(t))
		mustImport(t, st, makeCSV(t,
			base("JANKOW1").with("pesel", "44051401359", "scopes", "sio|wnioski", "valid_to", "2030-01-01"),
			base("anowak").with("first_name", "Anna", "last_name", "Nowak", "pesel", "02070803628"),
			base("OLDLOGIN").with("first_name", "Stary", "last_name", "Login", "status", "inactive", "email", "stary@x.pl"),
		))
		sum := mustImport(t, st, makeCSV(t,
			// done person: one duplicate grant, one new entity
			base("jkowalski").with("pesel", "44051401359", "scopes", "sio", "valid_to", "2029-01-01"),
			base("JANKOW2").with("pesel", "44051401359", "entity_id", "E9", "entity_name", "SP 9"),
			// generate person gets an uppercase login: choose_uppercase
			base("ANNNOW9").with("first_name", "Anna", "last_name", "Nowak", "pesel", "02070803628"),
			// no_active_login person gets an active uppercase login: unchanged
			base("STALOG1").with("first_name", "Stary", "last_name", "Login", "email", "STARY@x.pl"),
			// and a login that differs from an existing one only in case
			base("oldlogin").with("first_name", "Inny", "last_name", "Człowiek"),
		))
		if sum.LoginsNew != 5 || sum.PersonsUpdated != 3 || sum.PersonsNew != 1 || sum.MergedAtOnce != 2 || sum.Completed != 1 {
			t.Errorf("summary: %+v", sum)
		}
		checkIssues(t, "warnings", sum.Warnings, []wantIssue{{6, "login", "istniejącego w bazie loginu OLDLOGIN"}})

		ps := persons(t, st)
		jan := ps["pesel:44051401359"]
		unified := *jan.Person.UnifiedLoginID
		if got := loginNames(jan.Logins, jedenlogin.LoginMerged); strings.Join(got, ",") != "JANKOW2,jkowalski" {
			t.Errorf("merged logins of the done person = %v", got)
		}
		for _, l := range jan.Logins {
			if l.State == jedenlogin.LoginMerged && (l.MergedInto == nil || *l.MergedInto != unified || l.StateBeforeMerge != jedenlogin.LoginActive) {
				t.Errorf("login %s merged into %v (before %s), want %d (active)", l.Name, l.MergedInto, l.StateBeforeMerge, unified)
			}
		}
		open := 0
		for _, g := range jan.Grants {
			if g.LoginID != unified {
				t.Errorf("grant at %s is held by login %d, want the unified %d", g.EntityID, g.LoginID, unified)
			}
			if g.MergedInto == nil {
				open++
			} else if g.EntityID != "E1" {
				t.Errorf("grant at %s merged, want only the covered E1 grant merged", g.EntityID)
			}
		}
		if len(jan.Grants) != 3 || open != 2 {
			t.Errorf("grants of the done person: %d (%d open), want 3 (2 open: E1, E9)", len(jan.Grants), open)
		}

		anna := ps["pesel:02070803628"]
		if anna.Person.Case != jedenlogin.CaseChooseUppercase || anna.Person.State != jedenlogin.StatePending {
			t.Errorf("Anna: %s/%s, want choose_uppercase/pending", anna.Person.Case, anna.Person.State)
		}
		stary := ps["email:stary@x.pl|stary login"]
		if stary.Person.Case != jedenlogin.CaseUnchanged || stary.Person.State != jedenlogin.StateDone || stary.Person.Account == nil {
			t.Errorf("Stary: %+v, want unchanged, done, with account data", stary.Person)
		}
		if _, ok := ps["login:oldlogin"]; !ok {
			t.Errorf("the case twin was not imported as its own person; persons %v", keys(ps))
		}
	})
}

// racingStore runs another import just before the first BeginImport, so the
// import was planned on a snapshot that is no longer current.
type racingStore struct {
	*sqlstore.Store
	t     *testing.T
	other string
	raced bool
}

func (s *racingStore) BeginImport(ctx context.Context, version string, size jedenlogin.ImportSize) (jedenlogin.ImportWriter, error) {
	if !s.raced {
		s.raced = true
		mustImport(s.t, s.Store, s.other)
	}
	return s.Store.BeginImport(ctx, version, size)
}

func TestImportConflictReplans(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		st := &racingStore{Store: storetest.Open(t, b.NewDSN(t)), t: t,
			other: makeCSV(t, base("SHARED1").with("pesel", "44051401359"), base("ONLYOTHER"))}
		sum := mustImport(t, st, makeCSV(t, base("SHARED1").with("pesel", "44051401359"), base("jkowal").with("pesel", "44051401359")))
		if !st.raced || sum.LoginsNew != 1 || sum.LoginsPresent != 1 || sum.PersonsUpdated != 1 || sum.MergedAtOnce != 1 {
			t.Errorf("summary after the race: %+v", sum)
		}
		ps := persons(t, st)
		if len(ps) != 2 || len(ps["pesel:44051401359"].Logins) != 2 {
			t.Errorf("persons %v; want the racing import's two, Jan with both logins", keys(ps))
		}
	})
}

func TestImportCancelled(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		st := storetest.Open(t, b.NewDSN(t))
		rows := make([]rec, 3000)
		for i := range rows {
			rows[i] = base(fmt.Sprintf("LOGIN%d", i))
		}
		data := makeCSV(t, rows...)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// Cancelled while the file is being read, after the snapshot.
		_, err := importer(st).Import(ctx, &cancelReader{r: strings.NewReader(data), cancel: cancel}, 0)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Import with a cancelled context: %v, want context.Canceled", err)
		}
		for table, n := range counts(t, st) {
			if n != 0 {
				t.Errorf("%s has %d rows after a cancelled import, want 0", table, n)
			}
		}
	})
}

// cancelReader cancels its context on the first read.
type cancelReader struct {
	r      io.Reader
	cancel context.CancelFunc
}

func (c *cancelReader) Read(p []byte) (int, error) {
	c.cancel()
	return c.r.Read(p)
}
