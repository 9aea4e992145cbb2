package consolidation

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/locale"
)

var (
	t0  = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
)

// day returns a pointer to t0 plus n days.
func day(n int) *time.Time {
	t := t0.AddDate(0, 0, n)
	return &t
}

func id(n int64) *int64 { return &n }

const (
	active   = jedenlogin.LoginActive
	inactive = jedenlogin.LoginInactive
	reserved = jedenlogin.LoginReserved
	merged   = jedenlogin.LoginMerged
)

// lg is a legacy login of person 1 whose application data name it, so tests
// can tell which login the account data came from.
func lg(loginID int64, name string, state jedenlogin.LoginState, accepted *time.Time) jedenlogin.Login {
	return jedenlogin.Login{
		ID: loginID, PersonID: 1, Name: name, PasswordHash: "hash-of-" + name,
		State: state, Origin: jedenlogin.OriginLegacy,
		FirstName: "Jan", LastName: "Kowalski", Email: strings.ToLower(name) + "@example.pl",
		Phone: "600" + name, AcceptedAt: accepted,
	}
}

// gen is a generated login of person 1.
func gen(loginID int64, name string, state jedenlogin.LoginState) jedenlogin.Login {
	return jedenlogin.Login{ID: loginID, PersonID: 1, Name: name, State: state, Origin: jedenlogin.OriginGenerated}
}

func grant(grantID, loginID int64, entity string, fn jedenlogin.Function, scopes []string, from, to *time.Time) jedenlogin.Grant {
	return jedenlogin.Grant{
		ID: grantID, LoginID: loginID, OriginLoginID: loginID, EntityID: entity, Function: fn,
		Scopes: scopes, ValidFrom: from, ValidTo: to,
	}
}

func pending(c jedenlogin.Case, logins ...jedenlogin.Login) *jedenlogin.PersonRecord {
	return &jedenlogin.PersonRecord{
		Person: jedenlogin.Person{ID: 1, Key: "pesel:44051401359", Case: c, State: jedenlogin.StatePending},
		Logins: logins,
	}
}

// chooseUppercasePerson has two active uppercase logins, an active legacy
// login with a dot, an inactive login accepted last, a stray reserved login
// and grants on all of them.
func chooseUppercasePerson() *jedenlogin.PersonRecord {
	rec := pending(jedenlogin.CaseChooseUppercase,
		lg(1, "JANKOW1", active, day(10)),
		lg(2, "JANKOW2", active, day(20)), // the latest active application
		lg(3, "jan.kow", active, day(5)),
		lg(4, "JANKOW9", inactive, day(30)), // later, but inactive
		gen(5, "JANKOW3", reserved),
	)
	rec.Grants = []jedenlogin.Grant{
		grant(10, 1, "E1", jedenlogin.FunctionEmployee, []string{"sio"}, day(0), day(100)),
		grant(11, 2, "E1", jedenlogin.FunctionEmployee, []string{"wnioski"}, day(10), nil),
		grant(12, 3, "E1", jedenlogin.FunctionEmployee, []string{"sio", "x"}, nil, day(50)),
		grant(13, 3, "E2", jedenlogin.FunctionHead, nil, nil, nil),
		grant(14, 4, "E3", jedenlogin.FunctionEmployee, []string{"sio"}, nil, nil),
		grant(15, 2, "E1", jedenlogin.FunctionHead, []string{"sio"}, nil, nil),
		grant(16, 3, "E1", jedenlogin.FunctionEmployee, []string{"y"}, nil, nil),
	}
	rec.Grants[6].RevokedAt = day(1)
	return rec
}

// generatePerson has two active mixed-case logins, an inactive uppercase
// one and the reserved generated login JANKOW3.
func generatePerson() *jedenlogin.PersonRecord {
	rec := pending(jedenlogin.CaseGenerate,
		lg(1, "jan.kow", active, day(5)),
		lg(2, "JanKow2", active, day(7)),
		lg(3, "JANKOW9", inactive, day(9)),
		gen(4, "JANKOW3", reserved),
	)
	rec.Person.GeneratedLoginID = id(4)
	rec.Grants = []jedenlogin.Grant{
		grant(10, 1, "E1", jedenlogin.FunctionEmployee, []string{"sio"}, nil, day(10)),
		grant(11, 2, "E1", jedenlogin.FunctionEmployee, []string{"wnioski"}, nil, day(20)),
		grant(12, 3, "E2", jedenlogin.FunctionEmployee, nil, nil, nil),
	}
	return rec
}

func names(ls []jedenlogin.Login) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Name)
	}
	return out
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name   string
		logins []jedenlogin.Login
		want   jedenlogin.Case
	}{
		{"one uppercase", []jedenlogin.Login{lg(1, "JANKOW1", active, nil)}, jedenlogin.CaseUnchanged},
		{"several uppercase", []jedenlogin.Login{lg(1, "JANKOW1", active, nil), lg(2, "KOWJAN7", active, nil)}, jedenlogin.CaseChoose},
		{"one uppercase and a mixed-case", []jedenlogin.Login{lg(1, "JANKOW1", active, nil), lg(2, "JanKow2", active, nil)}, jedenlogin.CaseChooseUppercase},
		{"several uppercase and a mixed-case", []jedenlogin.Login{lg(1, "JANKOW1", active, nil), lg(2, "JANKOW2", active, nil), lg(3, "jkowalski", active, nil)}, jedenlogin.CaseChooseUppercase},
		{"mixed-case only", []jedenlogin.Login{lg(1, "JanKow1", active, nil), lg(2, "jkowalski", active, nil)}, jedenlogin.CaseGenerate},
		{"one mixed-case", []jedenlogin.Login{lg(1, "JanKow1", active, nil)}, jedenlogin.CaseGenerate},
		{"uppercase with a dot counts as lowercase", []jedenlogin.Login{lg(1, "JAN.KOW", active, nil)}, jedenlogin.CaseGenerate},
		{"uppercase with an underscore counts as lowercase", []jedenlogin.Login{lg(1, "JANKOW1", active, nil), lg(2, "JAN_KOW", active, nil)}, jedenlogin.CaseChooseUppercase},
		{"inactive uppercase and active mixed-case", []jedenlogin.Login{lg(1, "JANKOW1", inactive, nil), lg(2, "JanKow2", active, nil)}, jedenlogin.CaseGenerate},
		{"one active uppercase, inactive others", []jedenlogin.Login{lg(1, "JANKOW1", active, nil), lg(2, "JANKOW2", inactive, nil), lg(3, "jan", inactive, nil)}, jedenlogin.CaseUnchanged},
		{"all inactive", []jedenlogin.Login{lg(1, "JANKOW1", inactive, nil), lg(2, "jan", inactive, nil)}, jedenlogin.CaseNoActiveLogin},
		{"no logins", nil, jedenlogin.CaseNoActiveLogin},
		{"reserved and merged ignored", []jedenlogin.Login{lg(1, "jan", active, nil), gen(2, "JANKOW1", reserved), lg(3, "JANKOW2", merged, nil)}, jedenlogin.CaseGenerate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.logins); got != tt.want {
				t.Errorf("Classify(%v) = %s, want %s", names(tt.logins), got, tt.want)
			}
		})
	}
}

func TestCandidates(t *testing.T) {
	done := pending(jedenlogin.CaseChoose, lg(1, "B1", active, nil), lg(2, "A1", merged, nil))
	done.Person.State = jedenlogin.StateDone
	tests := []struct {
		name string
		rec  *jedenlogin.PersonRecord
		want []string
	}{
		{"choose, sorted", pending(jedenlogin.CaseChoose, lg(1, "KOWJAN7", active, nil), lg(2, "JANKOW1", active, nil)), []string{"JANKOW1", "KOWJAN7"}},
		{"choose_uppercase with one uppercase", pending(jedenlogin.CaseChooseUppercase, lg(1, "jan", active, nil), lg(2, "JANKOW1", active, nil)), []string{"JANKOW1"}},
		{"choose_uppercase, inactive uppercase left out", chooseUppercasePerson(), []string{"JANKOW1", "JANKOW2"}},
		{"generate", generatePerson(), []string{}},
		{"unchanged", pending(jedenlogin.CaseUnchanged, lg(1, "JANKOW1", active, nil)), []string{}},
		{"done", done, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Candidates(tt.rec)
			if got == nil || !slices.Equal(got, tt.want) {
				t.Errorf("Candidates = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestAccountSource(t *testing.T) {
	tests := []struct {
		name     string
		logins   []jedenlogin.Login
		preferID int64
		want     string // login name, "" for nil
	}{
		{"latest accepted wins", []jedenlogin.Login{lg(1, "A", active, day(1)), lg(2, "B", active, day(3)), lg(3, "C", active, day(2))}, 1, "B"},
		{"no date counts as oldest", []jedenlogin.Login{lg(1, "A", active, nil), lg(2, "B", active, day(-1000))}, 1, "B"},
		{"inactive ignored though later", []jedenlogin.Login{lg(1, "A", active, day(1)), lg(2, "B", inactive, day(9))}, 0, "A"},
		{"tie won by preferred", []jedenlogin.Login{lg(1, "A", active, day(1)), lg(2, "B", active, day(1)), lg(3, "C", active, day(1))}, 3, "C"},
		{"tie of equal instants in other zones", []jedenlogin.Login{lg(1, "A", active, day(1)), lg(2, "B", active, ptrTime(day(1).In(time.FixedZone("CET", 3600))))}, 2, "B"},
		{"tie without preferred: lowest id", []jedenlogin.Login{lg(5, "A", active, day(1)), lg(2, "B", active, day(1))}, 0, "B"},
		{"all undated: preferred", []jedenlogin.Login{lg(1, "A", active, nil), lg(2, "B", active, nil)}, 2, "B"},
		{"no active login", []jedenlogin.Login{lg(1, "A", inactive, day(1))}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AccountSource(pending("", tt.logins...), tt.preferID)
			name := ""
			if got != nil {
				name = got.Name
			}
			if name != tt.want {
				t.Errorf("AccountSource = %q, want %q", name, tt.want)
			}
		})
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

func TestCompleteUnchanged(t *testing.T) {
	rec := pending(jedenlogin.CaseUnchanged, lg(1, "JANKOW9", inactive, day(9)), lg(2, "JANKOW1", active, day(1)))
	rec.Grants = []jedenlogin.Grant{grant(10, 1, "E1", jedenlogin.FunctionEmployee, nil, nil, nil)}
	if err := CompleteUnchanged(rec, now); err != nil {
		t.Fatalf("CompleteUnchanged: %v", err)
	}
	p := rec.Person
	if p.State != jedenlogin.StateDone || p.UnifiedLoginID == nil || *p.UnifiedLoginID != 2 || p.ConsolidatedAt == nil || !p.ConsolidatedAt.Equal(now) {
		t.Errorf("person = %+v, want done with unified login 2 at %v", p, now)
	}
	if p.Account == nil || p.Account.Email != "jankow1@example.pl" {
		t.Errorf("account = %+v, want the data of JANKOW1", p.Account)
	}
	if rec.Logins[0].State != inactive || rec.Grants[0].LoginID != 1 {
		t.Errorf("the inactive login or its grant changed: %+v %+v", rec.Logins[0], rec.Grants[0])
	}
	if rec.Logins[1].PasswordHash != "hash-of-JANKOW1" {
		t.Errorf("password hash changed to %q", rec.Logins[1].PasswordHash)
	}
	if vs := verify(rec); len(vs) > 0 {
		t.Errorf("Verifier: %v", vs)
	}

	if err := CompleteUnchanged(rec, now); !errors.Is(err, jedenlogin.ErrAlreadyConsolidated) {
		t.Errorf("second CompleteUnchanged = %v, want ErrAlreadyConsolidated", err)
	}
	if err := CompleteUnchanged(chooseUppercasePerson(), now); err == nil {
		t.Errorf("CompleteUnchanged of a choose_uppercase person succeeded")
	}
	noID := pending(jedenlogin.CaseUnchanged, lg(0, "JANKOW1", active, nil))
	if err := CompleteUnchanged(noID, now); err == nil || noID.Person.State != jedenlogin.StatePending {
		t.Errorf("CompleteUnchanged of a login without id = %v, state %s; want an error and no change", err, noID.Person.State)
	}
}

func TestConfirmChooseUppercase(t *testing.T) {
	rec := chooseUppercasePerson()
	ev, err := Confirm(rec, "JANKOW1", "", now)
	if err != nil {
		t.Fatalf("Confirm: %v", err)
	}

	p := rec.Person
	if p.State != jedenlogin.StateDone || *p.UnifiedLoginID != 1 || !p.ConsolidatedAt.Equal(now) {
		t.Errorf("person = %+v, want done, unified login 1", p)
	}
	if p.Account == nil || p.Account.Email != "jankow2@example.pl" || p.Account.Phone != "600JANKOW2" {
		t.Errorf("account = %+v, want the data of JANKOW2 (latest accepted active login)", p.Account)
	}
	if l := rec.Login(1); l.State != active || l.PasswordHash != "hash-of-JANKOW1" || l.PasswordChangedAt != nil {
		t.Errorf("unified login = %+v, want active with its own hash", l)
	}

	wantBefore := map[int64]jedenlogin.LoginState{2: active, 3: active, 4: inactive, 5: reserved}
	for loginID, before := range wantBefore {
		l := rec.Login(loginID)
		if l.State != merged || l.StateBeforeMerge != before || l.MergedInto == nil || *l.MergedInto != 1 || !l.MergedAt.Equal(now) {
			t.Errorf("login %s = state %s before %s into %v; want merged into 1, before %s", l.Name, l.State, l.StateBeforeMerge, l.MergedInto, before)
		}
	}

	type want struct {
		loginID    int64
		mergedInto int64 // 0 = not merged
		scopes     []string
		from, to   *time.Time
	}
	wants := map[int64]want{
		10: {1, 0, []string{"sio", "wnioski", "x"}, nil, nil}, // keeper: union, widest validity
		11: {1, 10, []string{"wnioski"}, day(10), nil},
		12: {1, 10, []string{"sio", "x"}, nil, day(50)},
		13: {1, 0, nil, nil, nil},
		14: {4, 0, []string{"sio"}, nil, nil}, // inactive login's grant stays
		15: {1, 0, []string{"sio"}, nil, nil}, // other function: not a duplicate
		16: {1, 0, []string{"y"}, nil, nil},   // revoked: moves, not merged
	}
	for _, g := range rec.Grants {
		w := wants[g.ID]
		var into int64
		if g.MergedInto != nil {
			into = *g.MergedInto
		}
		if g.LoginID != w.loginID || into != w.mergedInto || !slices.Equal(g.Scopes, w.scopes) ||
			!reflect.DeepEqual(g.ValidFrom, w.from) || !reflect.DeepEqual(g.ValidTo, w.to) {
			t.Errorf("grant %d = login %d merged into %d scopes %v valid %v–%v; want login %d merged into %d scopes %v valid %v–%v",
				g.ID, g.LoginID, into, g.Scopes, g.ValidFrom, g.ValidTo, w.loginID, w.mergedInto, w.scopes, w.from, w.to)
		}
		if g.OriginLoginID == g.LoginID && g.ID != 14 && g.ID != 10 {
			t.Errorf("grant %d: origin login changed to %d", g.ID, g.OriginLoginID)
		}
	}

	if ev.Action != jedenlogin.AuditConsolidated || ev.Subject != "JANKOW1" || *ev.PersonID != 1 || !ev.At.Equal(now) {
		t.Errorf("audit event = %+v", ev)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(ev.Details), &d); err != nil {
		t.Fatalf("audit details %q: %v", ev.Details, err)
	}
	if d["case"] != "choose_uppercase" || d["moved_grants"] != 5.0 || d["merged_grants"] != 2.0 ||
		!reflect.DeepEqual(d["merged_logins"], []any{"JANKOW2", "JANKOW3", "JANKOW9", "jan.kow"}) {
		t.Errorf("audit details = %s", ev.Details)
	}
	if strings.Contains(ev.Details, "hash") {
		t.Errorf("audit details mention a hash: %s", ev.Details)
	}

	if vs := verify(rec); len(vs) > 0 {
		t.Errorf("Verifier on the consolidated record: %v", vs)
	}
	if _, err := Confirm(rec, "JANKOW1", "", now); !errors.Is(err, jedenlogin.ErrAlreadyConsolidated) {
		t.Errorf("second Confirm = %v, want ErrAlreadyConsolidated", err)
	}
}

func TestConfirmChooseAccountTiesAndPassword(t *testing.T) {
	tests := []struct {
		name, chosen, hash  string
		wantEmail, wantHash string
	}{
		{"tie won by the first chosen", "JANKOW1", "", "jankow1@example.pl", "hash-of-JANKOW1"},
		{"tie won by the second chosen", "JANKOW2", "", "jankow2@example.pl", "hash-of-JANKOW2"},
		{"fresh hash replaces the chosen login's", "JANKOW2", "$argon2id$new", "jankow2@example.pl", "$argon2id$new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := pending(jedenlogin.CaseChoose, lg(1, "JANKOW1", active, day(3)), lg(2, "JANKOW2", active, day(3)), lg(3, "JANKOW3", active, day(1)))
			if _, err := Confirm(rec, tt.chosen, tt.hash, now); err != nil {
				t.Fatalf("Confirm: %v", err)
			}
			if rec.Person.Account.Email != tt.wantEmail {
				t.Errorf("account e-mail = %q, want %q", rec.Person.Account.Email, tt.wantEmail)
			}
			if l := rec.LoginByName(tt.chosen); l.PasswordHash != tt.wantHash {
				t.Errorf("hash = %q, want %q", l.PasswordHash, tt.wantHash)
			}
			if rec.Person.Case != jedenlogin.CaseChoose {
				t.Errorf("case = %s, want choose", rec.Person.Case)
			}
		})
	}
}

func TestConfirmKeepsExistingAccountData(t *testing.T) {
	rec := pending(jedenlogin.CaseChoose, lg(1, "JANKOW1", active, day(3)), lg(2, "JANKOW2", active, day(1)))
	rec.Person.Account = &jedenlogin.AccountData{FirstName: "Jan", LastName: "Kowalski", Email: "own@example.pl"}
	if _, err := Confirm(rec, "JANKOW2", "", now); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	if rec.Person.Account.Email != "own@example.pl" {
		t.Errorf("account e-mail = %q; existing account data must not be overwritten", rec.Person.Account.Email)
	}
}

func TestConfirmGrantKeeperAlreadyOnUnified(t *testing.T) {
	// The unified login's grant is kept even when a moved one has a lower id.
	rec := pending(jedenlogin.CaseChoose, lg(1, "JANKOW1", active, nil), lg(2, "JANKOW2", active, nil))
	rec.Grants = []jedenlogin.Grant{
		grant(5, 1, "E1", jedenlogin.FunctionEmployee, []string{"a"}, day(0), day(10)),
		grant(9, 2, "E1", jedenlogin.FunctionEmployee, []string{"b"}, day(-5), day(5)),
	}
	if _, err := Confirm(rec, "JANKOW2", "", now); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	keep, gone := rec.Grants[1], rec.Grants[0]
	if keep.MergedInto != nil || gone.MergedInto == nil || *gone.MergedInto != 9 {
		t.Fatalf("grant 9 (on the chosen login) must be kept and 5 merged into it: %+v %+v", keep, gone)
	}
	if !slices.Equal(keep.Scopes, []string{"a", "b"}) || !keep.ValidFrom.Equal(*day(-5)) || !keep.ValidTo.Equal(*day(10)) {
		t.Errorf("kept grant = scopes %v valid %v–%v; want [a b] from day -5 to day 10", keep.Scopes, keep.ValidFrom, keep.ValidTo)
	}
	if !keep.ValidAt(*day(8)) {
		t.Errorf("kept grant not valid on day 8, which the merged grant covered")
	}
}

func TestConfirmGrantKeeperSavedOverUnsaved(t *testing.T) {
	// Neither grant is on the unified login (JANKOW1): the saved one (id
	// > 0) is kept whatever its place, and the unsaved one (id 0, as the
	// import plans them) is merged into it; with no saved grant there is
	// no keeper and Confirm refuses, leaving the record as it was.
	tests := []struct {
		name      string
		grants    []jedenlogin.Grant
		wantKeep  int // index in grants
		wantError bool
	}{
		{"unsaved first", []jedenlogin.Grant{
			grant(0, 2, "E1", jedenlogin.FunctionEmployee, []string{"a"}, nil, day(10)),
			grant(7, 3, "E1", jedenlogin.FunctionEmployee, []string{"b"}, nil, day(5)),
		}, 1, false},
		{"unsaved second", []jedenlogin.Grant{
			grant(7, 2, "E1", jedenlogin.FunctionEmployee, []string{"b"}, nil, day(5)),
			grant(0, 3, "E1", jedenlogin.FunctionEmployee, []string{"a"}, nil, day(10)),
		}, 0, false},
		{"both unsaved", []jedenlogin.Grant{
			grant(0, 2, "E1", jedenlogin.FunctionEmployee, []string{"a"}, nil, nil),
			grant(0, 3, "E1", jedenlogin.FunctionEmployee, []string{"b"}, nil, nil),
		}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := pending(jedenlogin.CaseChoose, lg(1, "JANKOW1", active, nil), lg(2, "JANKOW2", active, nil), lg(3, "JANKOW3", active, nil))
			rec.Grants = tt.grants
			before := cloneRecord(rec)
			_, err := Confirm(rec, "JANKOW1", "", now)
			if tt.wantError {
				if err == nil || !reflect.DeepEqual(before, rec) {
					t.Fatalf("Confirm = %v (record changed: %v); want an error, record unchanged", err, !reflect.DeepEqual(before, rec))
				}
				return
			}
			if err != nil {
				t.Fatalf("Confirm: %v", err)
			}
			keep, gone := rec.Grants[tt.wantKeep], rec.Grants[1-tt.wantKeep]
			if keep.ID != 7 || keep.MergedInto != nil || gone.MergedInto == nil || *gone.MergedInto != 7 {
				t.Fatalf("grant 7 must be kept and the unsaved one merged into it: %+v %+v", keep, gone)
			}
			if !slices.Equal(keep.Scopes, []string{"a", "b"}) || !keep.ValidTo.Equal(*day(10)) {
				t.Errorf("kept grant = scopes %v valid to %v; want [a b] to day 10", keep.Scopes, keep.ValidTo)
			}
		})
	}
}

func TestConfirmGenerate(t *testing.T) {
	rec := generatePerson()
	ev, err := Confirm(rec, "JANKOW3", "$argon2id$fresh", now)
	if err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	u := rec.Login(4)
	if u.State != active || u.PasswordHash != "$argon2id$fresh" || u.PasswordChangedAt == nil || !u.PasswordChangedAt.Equal(now) {
		t.Errorf("generated login = %+v, want active with the new hash", u)
	}
	if *rec.Person.UnifiedLoginID != 4 || rec.Person.State != jedenlogin.StateDone {
		t.Errorf("person = %+v", rec.Person)
	}
	if rec.Person.Account == nil || rec.Person.Account.Email != "jankow2@example.pl" {
		t.Errorf("account = %+v, want the data of JanKow2", rec.Person.Account)
	}
	if g := rec.Grants; g[0].LoginID != 4 || g[1].LoginID != 4 || g[2].LoginID != 3 {
		t.Errorf("grants held by %d %d %d, want 4 4 3", g[0].LoginID, g[1].LoginID, g[2].LoginID)
	}
	if g := rec.Grants[0]; g.MergedInto != nil || !slices.Equal(g.Scopes, []string{"sio", "wnioski"}) || !g.ValidTo.Equal(*day(20)) {
		t.Errorf("kept grant = %+v, want scopes [sio wnioski] valid to day 20", g)
	}
	if g := rec.Grants[1]; g.MergedInto == nil || *g.MergedInto != 10 {
		t.Errorf("grant 11 merged into %v, want 10", g.MergedInto)
	}
	for _, l := range rec.Logins[:3] {
		if l.State != merged || *l.MergedInto != 4 {
			t.Errorf("login %s = %s into %v, want merged into 4", l.Name, l.State, l.MergedInto)
		}
	}
	if !strings.Contains(ev.Details, `"case":"generate"`) || ev.Subject != "JANKOW3" {
		t.Errorf("audit event = %+v", ev)
	}
	if vs := verify(rec); len(vs) > 0 {
		t.Errorf("Verifier: %v", vs)
	}
}

func TestConfirmUnchangedPending(t *testing.T) {
	rec := pending(jedenlogin.CaseUnchanged, lg(1, "JANKOW1", active, day(1)), lg(2, "jan", inactive, day(2)))
	ev, err := Confirm(rec, "JANKOW1", "", now)
	if err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	if rec.Person.State != jedenlogin.StateDone || *rec.Person.UnifiedLoginID != 1 || ev.Subject != "JANKOW1" {
		t.Errorf("person = %+v, event = %+v", rec.Person, ev)
	}
}

func TestConfirmRefused(t *testing.T) {
	done := chooseUppercasePerson()
	if _, err := Confirm(done, "JANKOW1", "", now); err != nil {
		t.Fatal(err)
	}
	unreserved := generatePerson()
	unreserved.Person.GeneratedLoginID = nil
	tests := []struct {
		name     string
		rec      *jedenlogin.PersonRecord
		login    string
		hash     string
		wantErr  error
		wantCode string
	}{
		{"already consolidated", done, "JANKOW1", "", jedenlogin.ErrAlreadyConsolidated, jedenlogin.CodeAlreadyConsolidated},
		{"mixed-case login in choose_uppercase", chooseUppercasePerson(), "jan.kow", "", ErrNotEligible, jedenlogin.CodeLoginNotEligible},
		{"inactive uppercase login", chooseUppercasePerson(), "JANKOW9", "", ErrNotEligible, jedenlogin.CodeLoginNotEligible},
		{"stray reserved login in choose", chooseUppercasePerson(), "JANKOW3", "h", ErrNotEligible, jedenlogin.CodeLoginNotEligible},
		{"candidate in another case", chooseUppercasePerson(), "jankow1", "", ErrNotEligible, jedenlogin.CodeLoginNotEligible},
		{"unknown login", chooseUppercasePerson(), "NOBODY1", "", ErrNotEligible, jedenlogin.CodeLoginNotEligible},
		{"generate: a legacy login", generatePerson(), "JanKow2", "h", ErrNotEligible, jedenlogin.CodeLoginNotEligible},
		{"generate: no password", generatePerson(), "JANKOW3", "", ErrPasswordRequired, jedenlogin.EINVALID},
		{"generate: nothing reserved", unreserved, "JANKOW3", "h", ErrNoGeneratedLogin, jedenlogin.ECONFLICT},
		{"unchanged: another name", pending(jedenlogin.CaseUnchanged, lg(1, "JANKOW1", active, nil)), "JANKOW2", "", ErrNotEligible, jedenlogin.CodeLoginNotEligible},
		{"no active login", pending(jedenlogin.CaseNoActiveLogin, lg(1, "JANKOW1", inactive, nil)), "JANKOW1", "", ErrNoActiveLogin, jedenlogin.EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := cloneRecord(tt.rec)
			ev, err := Confirm(tt.rec, tt.login, tt.hash, now)
			if !errors.Is(err, tt.wantErr) || jedenlogin.ErrorCode(err) != tt.wantCode || ev != nil {
				t.Errorf("Confirm = %v, %v; want %v (code %s)", ev, err, tt.wantErr, tt.wantCode)
			}
			if !reflect.DeepEqual(before, tt.rec) {
				t.Errorf("refused Confirm changed the record")
			}
		})
	}
}

func TestErrNotEligibleIsPolish(t *testing.T) {
	_, err := Confirm(chooseUppercasePerson(), "jan.kow", "", now)
	if msg := locale.Polish.Error(err); msg != locale.Polish.Text(ErrNotEligible.Text) || !strings.Contains(msg, "loginu") {
		t.Errorf("ErrorMessage = %q", msg)
	}
}

func cloneRecord(rec *jedenlogin.PersonRecord) *jedenlogin.PersonRecord {
	c := *rec
	c.Logins = slices.Clone(rec.Logins)
	c.Grants = cloneGrants(rec.Grants)
	return &c
}

func TestRow(t *testing.T) {
	consolidated := chooseUppercasePerson()
	if _, err := Confirm(consolidated, "JANKOW2", "", now); err != nil {
		t.Fatal(err)
	}
	generated := generatePerson()
	noCase := pending("", lg(1, "JANKOW1", inactive, nil))
	noCase.Person.Key = "login:JANKOW1"
	tests := []struct {
		name string
		rec  *jedenlogin.PersonRecord
		want string
	}{
		{"pending choose_uppercase", chooseUppercasePerson(),
			`{"person_id":1,"person_key":"pesel:44051401359","case":"choose_uppercase","state":"pending",` +
				`"logins":["JANKOW1","JANKOW2","JANKOW3","JANKOW9","jan.kow"],"active_logins":["JANKOW1","JANKOW2","jan.kow"],` +
				`"candidates":["JANKOW1","JANKOW2"],"generated_login":"","unified_login":"","entities":["E1","E2","E3"]}`},
		{"done", consolidated,
			`{"person_id":1,"person_key":"pesel:44051401359","case":"choose_uppercase","state":"done",` +
				`"logins":["JANKOW1","JANKOW2","JANKOW3","JANKOW9","jan.kow"],"active_logins":["JANKOW2"],` +
				`"candidates":[],"generated_login":"","unified_login":"JANKOW2","entities":["E1","E2","E3"]}`},
		{"pending generate", generated,
			`{"person_id":1,"person_key":"pesel:44051401359","case":"generate","state":"pending",` +
				`"logins":["JANKOW3","JANKOW9","JanKow2","jan.kow"],"active_logins":["JanKow2","jan.kow"],` +
				`"candidates":[],"generated_login":"JANKOW3","unified_login":"","entities":["E1","E2"]}`},
		{"no stored case, no grants", noCase,
			`{"person_id":1,"person_key":"login:JANKOW1","case":"no_active_login","state":"pending",` +
				`"logins":["JANKOW1"],"active_logins":[],"candidates":[],"generated_login":"","unified_login":"","entities":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			js, err := json.Marshal(Row(tt.rec))
			if err != nil {
				t.Fatal(err)
			}
			if string(js) != tt.want {
				t.Errorf("Row =\n%s\nwant\n%s", js, tt.want)
			}
			row := Row(tt.rec)
			if got := row.AppendJSON([]byte("x")); string(got) != "x"+tt.want {
				t.Errorf("AppendJSON =\n%s\nwant\n%s", got[1:], tt.want)
			}
		})
	}
}

func TestRowEntitiesSkipMergedGrants(t *testing.T) {
	rec := pending(jedenlogin.CaseChoose, lg(1, "A1", active, nil), lg(2, "B1", active, nil))
	rec.Grants = []jedenlogin.Grant{
		grant(1, 1, "E9", jedenlogin.FunctionEmployee, nil, nil, nil),
		grant(2, 2, "E8", jedenlogin.FunctionEmployee, nil, nil, nil),
		grant(3, 77, "E7", jedenlogin.FunctionEmployee, nil, nil, nil), // held by another person's login
	}
	rec.Grants[1].MergedInto = id(1)
	if got := Row(rec).Entities; !slices.Equal(got, []string{"E9"}) {
		t.Errorf("Entities = %v, want [E9]", got)
	}
}

// TestAppendJSONAsEncodingJSON: the plan's rows, written by AppendJSON, are
// the bytes encoding/json writes, for strings holding every byte, invalid
// UTF-8, HTML characters, the JavaScript line separators and Polish
// letters, and for nil and empty lists.
func TestAppendJSONAsEncodingJSON(t *testing.T) {
	strs := []string{"", "JANKOW1", "jan.kow", "Zażółć gęślą jaźń", "a<b>&c", "\u2028x\u2029", "\"q\" \\ /",
		"\xff", "a\xc3", "\xe2\x80", "\xed\xa0\x80", "\U0001F600", "\x7f", "\b\f\n\r\t\x00\x1f"}
	for c := 0; c < 256; c++ {
		strs = append(strs, string([]byte{byte(c)}), "ab"+string([]byte{byte(c)})+"cd")
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rnd.IntN(12))
		for i := range b {
			b[i] = byte(rnd.IntN(256))
		}
		strs = append(strs, string(b))
	}
	for i, s := range strs {
		row := PlanRow{PersonID: int64(i) - 5, PersonKey: s, Case: s, State: "pending", Logins: []string{s, "B"},
			ActiveLogins: []string{}, Candidates: nil, GeneratedLogin: s, UnifiedLogin: "", Entities: []string{s}}
		want, err := json.Marshal(row)
		if err != nil {
			t.Fatal(err)
		}
		if got := row.AppendJSON(nil); string(got) != string(want) {
			t.Fatalf("string %q: AppendJSON =\n%s\nwant\n%s", s, got, want)
		}
	}
}
