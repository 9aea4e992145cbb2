package consolidation

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"jedenlogin"
)

// verify runs a fresh Verifier over records, and another over the records
// in outline (Store.ForEachPersonOutline, which `jedenlogin verify` walks);
// it panics, failing the test, when the two find different violations.
func verify(recs ...*jedenlogin.PersonRecord) []Violation {
	v, vo := NewVerifier(), NewVerifier()
	for _, r := range recs {
		v.Add(r)
		vo.Add(outline(r))
	}
	got, fromOutline := v.Finish(), vo.Finish()
	if !reflect.DeepEqual(got, fromOutline) {
		panic(fmt.Sprintf("the verifier finds %v in records but %v in their outline", got, fromOutline))
	}
	return got
}

// outline is rec with of its logins and grants only the fields
// Store.ForEachPersonOutline reads.
func outline(rec *jedenlogin.PersonRecord) *jedenlogin.PersonRecord {
	o := &jedenlogin.PersonRecord{Person: rec.Person}
	for _, l := range rec.Logins {
		o.Logins = append(o.Logins, jedenlogin.Login{ID: l.ID, PersonID: l.PersonID, Name: l.Name, State: l.State,
			MergedInto: l.MergedInto, Origin: l.Origin, StateBeforeMerge: l.StateBeforeMerge})
	}
	for _, g := range rec.Grants {
		o.Grants = append(o.Grants, jedenlogin.Grant{ID: g.ID, LoginID: g.LoginID, OriginLoginID: g.OriginLoginID,
			EntityID: g.EntityID, MergedInto: g.MergedInto})
	}
	return o
}

// consolidated returns chooseUppercasePerson after choosing JANKOW1.
func consolidated(t *testing.T) *jedenlogin.PersonRecord {
	t.Helper()
	rec := chooseUppercasePerson()
	if _, err := Confirm(rec, "JANKOW1", "", now); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	return rec
}

func grantByID(rec *jedenlogin.PersonRecord, grantID int64) *jedenlogin.Grant {
	for i := range rec.Grants {
		if rec.Grants[i].ID == grantID {
			return &rec.Grants[i]
		}
	}
	panic(fmt.Sprintf("no grant %d", grantID))
}

func TestVerifierPerPerson(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(rec *jedenlogin.PersonRecord)
		want   string // substring of the one violation; "" = none
	}{
		{"correct consolidated record", func(*jedenlogin.PersonRecord) {}, ""},
		{"grant left on a login that was active", func(r *jedenlogin.PersonRecord) { grantByID(r, 13).LoginID = 3 }, "upoważnienie 13 (podmiot E2) z loginu jan.kow jest w loginie jan.kow"},
		{"grant of the unified login moved away", func(r *jedenlogin.PersonRecord) { grantByID(r, 10).LoginID = 4 }, "upoważnienie 10"},
		{"grant merged into another entity's grant", func(r *jedenlogin.PersonRecord) { grantByID(r, 11).MergedInto = id(13) }, "upoważnienie 11 (podmiot E1) z loginu JANKOW2 jest w loginie JANKOW1 (podmiot E2)"},
		{"grant merged into a missing grant", func(r *jedenlogin.PersonRecord) { grantByID(r, 12).MergedInto = id(999) }, "upoważnienie 12"},
		{"grant merged in a cycle", func(r *jedenlogin.PersonRecord) {
			grantByID(r, 10).MergedInto = id(11)
		}, "upoważnienie"},
		{"merged login points to a non-unified login", func(r *jedenlogin.PersonRecord) { r.Login(3).MergedInto = id(2) }, "scalony login jan.kow wskazuje login JANKOW2"},
		{"merged login points outside the person", func(r *jedenlogin.PersonRecord) { r.Login(3).MergedInto = id(42) }, "login o id 42"},
		{"merged login without target", func(r *jedenlogin.PersonRecord) { r.Login(3).MergedInto = nil }, "scalony login jan.kow nie wskazuje"},
		{"done with two active logins", func(r *jedenlogin.PersonRecord) { r.Login(4).State = active }, "2 aktywnych loginów"},
		{"done without account data", func(r *jedenlogin.PersonRecord) { r.Person.Account = nil }, "uniwersalnych danych konta"},
		{"unified login not active", func(r *jedenlogin.PersonRecord) { r.Login(1).State = inactive }, "jednolity login JANKOW1 nie jest aktywny"},
		{"done without unified login", func(r *jedenlogin.PersonRecord) {
			r.Person.UnifiedLoginID = nil
			for i := range r.Logins {
				r.Logins[i].State = inactive
			}
		}, "nie ma jednolitego loginu"},
		{"login of another person", func(r *jedenlogin.PersonRecord) { r.Login(4).PersonID = 2 }, "login JANKOW9 należy do osoby o id 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := consolidated(t)
			tt.mutate(rec)
			vs := verify(rec)
			if tt.want == "" {
				if len(vs) != 0 {
					t.Errorf("violations on a correct record: %v", vs)
				}
				return
			}
			if len(vs) == 0 {
				t.Fatalf("no violation, want one containing %q", tt.want)
			}
			for _, v := range vs {
				if v.PersonID != 1 || !strings.Contains(v.Message, "osoba pesel:44051401359") {
					t.Errorf("violation %+v does not name person 1", v)
				}
			}
			if !strings.Contains(vs[0].Message, tt.want) {
				t.Errorf("violations %v, want one containing %q", vs, tt.want)
			}
		})
	}
}

func TestVerifierPending(t *testing.T) {
	for _, rec := range []*jedenlogin.PersonRecord{chooseUppercasePerson(), generatePerson()} {
		if vs := verify(rec); len(vs) != 0 {
			t.Errorf("violations on a pending %s person: %v", rec.Person.Case, vs)
		}
	}
	broken := chooseUppercasePerson()
	broken.Logins[2].State = merged
	broken.Logins[2].MergedInto = id(1)
	vs := verify(broken)
	if len(vs) != 1 || !strings.Contains(vs[0].Message, "login jan.kow jest scalony") {
		t.Errorf("violations = %v, want one about the merged login of a pending person", vs)
	}
}

// person returns a record of person pid with these logins (ids assigned);
// when unified is not "", the person is done with that login and the others
// are merged into it.
func person(pid int64, unified string, logins ...jedenlogin.Login) *jedenlogin.PersonRecord {
	rec := &jedenlogin.PersonRecord{Person: jedenlogin.Person{ID: pid, Key: fmt.Sprintf("login:p%d", pid), State: jedenlogin.StatePending}}
	for i, l := range logins {
		l.ID = pid*100 + int64(i)
		l.PersonID = pid
		if l.Name == unified {
			rec.Person.State = jedenlogin.StateDone
			rec.Person.UnifiedLoginID = id(l.ID)
			rec.Person.Account = &jedenlogin.AccountData{FirstName: "Jan"}
		} else if unified != "" {
			l.StateBeforeMerge, l.State = l.State, merged
		}
		rec.Logins = append(rec.Logins, l)
	}
	for i := range rec.Logins {
		if rec.Logins[i].State == merged {
			rec.Logins[i].MergedInto = rec.Person.UnifiedLoginID
		}
	}
	return rec
}

func TestVerifierAcrossPersons(t *testing.T) {
	legacy := func(name string) jedenlogin.Login { return lg(0, name, active, nil) }
	legacyInactive := func(name string) jedenlogin.Login { return lg(0, name, inactive, nil) }
	generated := func(name string, s jedenlogin.LoginState) jedenlogin.Login { return gen(0, name, s) }
	tests := []struct {
		name    string
		persons []*jedenlogin.PersonRecord
		want    []string // substrings, one per violation
	}{
		{"distinct names", []*jedenlogin.PersonRecord{
			person(1, "JANKOW1", legacy("JANKOW1"), legacy("jan")),
			person(2, "", legacy("JanKow2"), generated("JANKOW3", reserved)),
		}, nil},
		{"legacy case twins are not violations", []*jedenlogin.PersonRecord{
			person(1, "JANKOW5", legacy("JANKOW5")),
			person(2, "", legacy("JanKow5")),
			person(3, "", legacyInactive("jankow5")),
		}, nil},
		{"two unified logins equal", []*jedenlogin.PersonRecord{
			person(1, "JANKOW1", legacy("JANKOW1")),
			person(2, "", legacy("JanKow1")),
			person(3, "JANKOW1", legacy("JANKOW1")),
		}, []string{"osoba login:p3: jednolity login JANKOW1 jest równy, bez względu na wielkość liter, jednolitemu loginowi JANKOW1 (osoba login:p1)"}},
		{"generated login equal to an earlier legacy login", []*jedenlogin.PersonRecord{
			person(1, "", legacy("JanKow3")),
			person(2, "", legacy("jan"), generated("JANKOW3", reserved)),
		}, []string{"osoba login:p2: login JANKOW3 jest równy, bez względu na wielkość liter, loginowi JanKow3 (osoba login:p1)"}},
		{"legacy login equal to an earlier generated login", []*jedenlogin.PersonRecord{
			person(1, "JANKOW3", legacy("jan"), generated("JANKOW3", active)),
			person(2, "", legacy("JanKow1")),
			person(3, "", legacy("jankow3")),
		}, []string{"osoba login:p3: login jankow3 jest równy, bez względu na wielkość liter, loginowi JANKOW3 (osoba login:p1)"}},
		{"generated clash within one person", []*jedenlogin.PersonRecord{
			person(1, "", legacy("JanKow3"), generated("JANKOW3", reserved)),
		}, []string{"login JANKOW3 jest równy"}},
		{"every later clash is reported", []*jedenlogin.PersonRecord{
			person(1, "", legacy("jankow3")),
			person(2, "", generated("JANKOW3", reserved)),
			person(3, "", legacy("JanKow3")),
		}, []string{"osoba login:p2: login JANKOW3", "osoba login:p3: login JanKow3 jest równy, bez względu na wielkość liter, loginowi JANKOW3 (osoba login:p2)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := verify(tt.persons...)
			if len(vs) != len(tt.want) {
				t.Fatalf("violations = %v, want %d", vs, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(vs[i].Message, w) {
					t.Errorf("violation %d = %q, want it to contain %q", i, vs[i].Message, w)
				}
			}
		})
	}
}

func TestVerifierChecked(t *testing.T) {
	v := NewVerifier()
	v.Add(consolidated(t))
	v.Add(generatePerson())
	if p, l := v.Checked(); p != 2 || l != 9 {
		t.Errorf("Checked = %d persons, %d logins; want 2, 9", p, l)
	}
}

func BenchmarkVerifier(b *testing.B) {
	const persons = 200_000
	recs := make([]*jedenlogin.PersonRecord, persons)
	for i := range recs {
		pid := int64(i + 1)
		name := fmt.Sprintf("LOG%d", pid)
		recs[i] = person(pid, name, lg(0, name, active, nil), lg(0, fmt.Sprintf("log%d.old", pid), active, nil), lg(0, fmt.Sprintf("Log%dx", pid), inactive, nil))
	}
	b.ResetTimer()
	for b.Loop() {
		v := NewVerifier()
		for _, r := range recs {
			v.Add(r)
		}
		if vs := v.Finish(); len(vs) != 0 {
			b.Fatalf("violations: %v", vs[:1])
		}
	}
}
