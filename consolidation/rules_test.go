package consolidation

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"jedenlogin"
)

// TestCompleteUnchangedKeepsAccountData: account data, once created, are
// superior to application data (SPEC §2): completing an unchanged person
// who already has them keeps them as they are.
func TestCompleteUnchangedKeepsAccountData(t *testing.T) {
	for _, tc := range []struct {
		name    string
		account *jedenlogin.AccountData
		want    jedenlogin.AccountData
	}{
		{"no account data: from the one active login", nil,
			jedenlogin.AccountData{FirstName: "Jan", LastName: "Kowalski", Email: "jankow1@example.pl", Phone: "600JANKOW1"}},
		{"existing account data are kept",
			&jedenlogin.AccountData{FirstName: "Janusz", LastName: "Kowal", PESEL: "44051401380", Email: "own@example.pl", Phone: "+48 600 100 200"},
			jedenlogin.AccountData{FirstName: "Janusz", LastName: "Kowal", PESEL: "44051401380", Email: "own@example.pl", Phone: "+48 600 100 200"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := pending(jedenlogin.CaseUnchanged, lg(1, "JANKOW1", active, day(1)))
			rec.Person.Account = tc.account
			if err := CompleteUnchanged(rec, now); err != nil {
				t.Fatalf("CompleteUnchanged: %v", err)
			}
			if rec.Person.Account == nil || *rec.Person.Account != tc.want {
				t.Errorf("account data %+v, want %+v", rec.Person.Account, tc.want)
			}
		})
	}
}

// TestConfirmDoesNotMergeMergedLoginsAgain: a login merged before (at an
// earlier consolidation or by the import) keeps when, into which login and
// from which state it was merged, and is not reported as merged again.
func TestConfirmDoesNotMergeMergedLoginsAgain(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rec   func() *jedenlogin.PersonRecord
		login string
		hash  string
	}{
		{"choose", func() *jedenlogin.PersonRecord {
			return pending(jedenlogin.CaseChoose, lg(1, "JANKOW1", active, day(1)), lg(2, "JANKOW2", active, day(2)))
		}, "JANKOW1", ""},
		{"generate", generatePerson, "JANKOW3", "$argon2id$fresh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := tc.rec()
			old := lg(7, "jan.old", merged, day(0))
			old.StateBeforeMerge, old.MergedInto, old.MergedAt = inactive, id(99), day(-30)
			rec.Logins = append(rec.Logins, old)
			before := rec.Logins[len(rec.Logins)-1]
			ev, err := Confirm(rec, tc.login, tc.hash, now)
			if err != nil {
				t.Fatalf("Confirm: %v", err)
			}
			if after := *rec.Login(7); !reflect.DeepEqual(after, before) {
				t.Errorf("the login merged before changed:\n got %+v\nwant %+v", after, before)
			}
			if strings.Contains(ev.Details, "jan.old") {
				t.Errorf("the audit event reports the login merged before as merged now: %s", ev.Details)
			}
		})
	}
}

// TestConfirmGenerateOnlyTheReservedLogin: in case generate the one login
// is the login reserved for the person, still reserved; any other name, or
// a reservation pointing at a login that is not reserved, is refused and
// changes nothing.
func TestConfirmGenerateOnlyTheReservedLogin(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(rec *jedenlogin.PersonRecord)
		login   string
		wantErr error
	}{
		{"the reserved login", func(*jedenlogin.PersonRecord) {}, "JANKOW3", nil},
		{"another generated-looking name", func(*jedenlogin.PersonRecord) {}, "JANKOW4", ErrNotEligible},
		{"the reserved name in other case", func(*jedenlogin.PersonRecord) {}, "jankow3", ErrNotEligible},
		{"an active legacy login", func(*jedenlogin.PersonRecord) {}, "jan.kow", ErrNotEligible},
		{"the reservation points at an active login", func(rec *jedenlogin.PersonRecord) {
			rec.Person.GeneratedLoginID = id(2)
		}, "JanKow2", ErrNoGeneratedLogin},
		{"the reservation points at an inactive login", func(rec *jedenlogin.PersonRecord) {
			rec.Person.GeneratedLoginID = id(3)
		}, "JANKOW9", ErrNoGeneratedLogin},
		{"the reserved login is no longer reserved", func(rec *jedenlogin.PersonRecord) {
			rec.Login(4).State = merged
		}, "JANKOW3", ErrNoGeneratedLogin},
		{"the reservation points at no login of the person", func(rec *jedenlogin.PersonRecord) {
			rec.Person.GeneratedLoginID = id(42)
		}, "JANKOW3", ErrNoGeneratedLogin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := generatePerson()
			tc.change(rec)
			before := cloneRecord(rec)
			_, err := Confirm(rec, tc.login, "$argon2id$fresh", now)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("Confirm(%q) = %v, want %v", tc.login, err, tc.wantErr)
			}
			if err != nil && !reflect.DeepEqual(before, rec) {
				t.Error("a refused Confirm changed the record")
			}
			if err == nil && (rec.Person.UnifiedLoginID == nil || *rec.Person.UnifiedLoginID != 4) {
				t.Errorf("unified login %v, want the reserved login 4", rec.Person.UnifiedLoginID)
			}
		})
	}
}
