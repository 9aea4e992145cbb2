package applications_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/applications"
)

func dayOrNil(t *time.Time) string {
	if t == nil {
		return "unbounded"
	}
	return t.Format(time.DateOnly)
}

// TestAcceptNeverOverwritesAccountData: account data are superior to
// application data (SPEC §2, §9): whichever way the grant goes, an
// applicant's existing account data stay as they were.
func TestAcceptNeverOverwritesAccountData(t *testing.T) {
	own := jedenlogin.AccountData{FirstName: "Jan", SecondName: "Paweł", LastName: "Kowalski", PESEL: peselJan, Email: "j.kowalski@gmina.example", Phone: "22 123 45 67"}
	for _, tc := range []struct {
		name string
		rec  func() *jedenlogin.PersonRecord
	}{
		{"consolidated person", consolidatedJan},
		{"pending person with an active login", func() *jedenlogin.PersonRecord {
			return &jedenlogin.PersonRecord{
				Person: jedenlogin.Person{ID: 6, Key: "pesel:" + peselJan, Case: jedenlogin.CaseChoose, State: jedenlogin.StatePending},
				Logins: []jedenlogin.Login{{ID: 20, PersonID: 6, Name: "JANKOW1", State: jedenlogin.LoginActive}},
			}
		}},
		{"known person without an active login", func() *jedenlogin.PersonRecord {
			return &jedenlogin.PersonRecord{
				Person: jedenlogin.Person{ID: 7, Key: "pesel:" + peselJan, Case: jedenlogin.CaseNoActiveLogin, State: jedenlogin.StatePending},
				Logins: []jedenlogin.Login{{ID: 30, PersonID: 7, Name: "jkow", State: jedenlogin.LoginInactive}},
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := tc.rec()
			acc := own
			rec.Person.Account = &acc
			app := publicApp(jedenlogin.FunctionEmployee)
			app.Applicant = jedenlogin.Applicant{FirstName: "Janusz", LastName: "Nowak", PESEL: peselJan, Email: "inny@example.pl", Phone: "600 700 800"}
			a := &jedenlogin.Acceptance{Application: app, Entity: entSP, Person: rec}
			if _, err := applications.Accept(a, decision); err != nil {
				t.Fatal(err)
			}
			if rec.Person.Account == nil || *rec.Person.Account != own {
				t.Errorf("account data %+v, want %+v kept", rec.Person.Account, own)
			}
		})
	}
}

// TestAcceptMergeNeverShortens: an accepted application for a grant the
// holder already has (same entity and function) widens that grant, never
// narrows it; so does an extension (PRZEDŁUŻ).
func TestAcceptMergeNeverShortens(t *testing.T) {
	today := applications.Day(now)
	for _, tc := range []struct {
		name             string
		from, to         *time.Time // the existing grant's validity
		scopes           []string
		extension        bool
		appTo            *time.Time
		appScopes        []string
		wantFrom, wantTo string
		wantScopes       []string
	}{
		{"a later end extends", day(2024, 9, 1), day(2027, 1, 1), []string{"sio"}, false, day(2028, 1, 1), []string{"sio"}, "2024-09-01", "2028-01-01", []string{"sio"}},
		{"an earlier end does not shorten", day(2024, 9, 1), day(2028, 1, 1), []string{"sio"}, false, day(2027, 1, 1), []string{"sio"}, "2024-09-01", "2028-01-01", []string{"sio"}},
		{"an unbounded grant stays unbounded", day(2024, 9, 1), nil, []string{"sio"}, false, day(2027, 1, 1), []string{"sio"}, "2024-09-01", "unbounded", []string{"sio"}},
		{"a grant starting later starts today", day(2026, 9, 1), day(2027, 1, 1), []string{"sio"}, false, day(2027, 1, 1), []string{"sio"}, today.Format(time.DateOnly), "2027-01-01", []string{"sio"}},
		{"scopes are united, none lost", nil, day(2027, 1, 1), []string{"sio", "x"}, false, day(2027, 1, 1), []string{"wnioski"}, "unbounded", "2027-01-01", []string{"sio", "wnioski", "x"}},
		{"extension to a later end", day(2024, 9, 1), day(2026, 4, 30), []string{"sio"}, true, day(2027, 4, 30), nil, "2024-09-01", "2027-04-30", []string{"sio"}},
		{"extension to an earlier end does not shorten", day(2024, 9, 1), day(2026, 4, 30), []string{"sio"}, true, day(2026, 3, 31), nil, "2024-09-01", "2026-04-30", []string{"sio"}},
		{"extension of an unbounded grant stays unbounded", day(2024, 9, 1), nil, []string{"sio"}, true, day(2027, 4, 30), nil, "2024-09-01", "unbounded", []string{"sio"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := consolidatedJan()
			g := &rec.Grants[0]
			g.ValidFrom, g.ValidTo, g.Scopes = tc.from, tc.to, tc.scopes
			app := publicApp(jedenlogin.FunctionEmployee)
			app.EntityID, app.ValidTo, app.Scopes = "GM", tc.appTo, tc.appScopes
			if tc.extension {
				app.ExtendsGrantID, app.ApplicantPersonID = id(30), id(5)
			}
			a := &jedenlogin.Acceptance{Application: app, Entity: entGM, Person: rec, EntityGrants: slices.Clone(rec.Grants)}
			if _, err := applications.Accept(a, decision); err != nil {
				t.Fatal(err)
			}
			if a.NewGrant != nil || app.GrantID == nil || *app.GrantID != 30 {
				t.Fatalf("new grant %+v, application grant %v: want grant 30 changed in place", a.NewGrant, app.GrantID)
			}
			g = &rec.Grants[0]
			if dayOrNil(g.ValidFrom) != tc.wantFrom || dayOrNil(g.ValidTo) != tc.wantTo || !slices.Equal(g.Scopes, tc.wantScopes) {
				t.Errorf("grant %s..%s %v, want %s..%s %v", dayOrNil(g.ValidFrom), dayOrNil(g.ValidTo), g.Scopes, tc.wantFrom, tc.wantTo, tc.wantScopes)
			}
		})
	}
}

// TestAcceptHeadConflictWhenMergingOrExtending: the head rule holds also
// when the accepted application widens a grant the holder has, or extends
// one: another active head of the entity in the new period refuses it;
// the holder's own grant does not count against itself.
func TestAcceptHeadConflictWhenMergingOrExtending(t *testing.T) {
	otherHead := jedenlogin.Grant{ID: 40, LoginID: 99, EntityID: "GM", Function: jedenlogin.FunctionHead, ValidFrom: day(2026, 9, 1), ValidTo: day(2029, 8, 31)}
	for _, tc := range []struct {
		name      string
		extension bool
		others    []jedenlogin.Grant
		wantErr   error
	}{
		{"merge, no other head", false, nil, nil},
		{"merge, another head in the new period", false, []jedenlogin.Grant{otherHead}, applications.ErrHeadConflict},
		{"extension, no other head", true, nil, nil},
		{"extension, another head in the new period", true, []jedenlogin.Grant{otherHead}, applications.ErrHeadConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := consolidatedJan()
			rec.Grants[0].Function, rec.Grants[0].ValidTo = jedenlogin.FunctionHead, day(2026, 8, 31)
			app := publicApp(jedenlogin.FunctionHead)
			app.EntityID, app.ValidTo = "GM", day(2028, 8, 31)
			if tc.extension {
				app.ExtendsGrantID, app.ApplicantPersonID = id(30), id(5)
			}
			a := &jedenlogin.Acceptance{Application: app, Entity: entGM, Person: rec, EntityGrants: append(slices.Clone(rec.Grants), tc.others...)}
			_, err := applications.Accept(a, decision)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("Accept = %v, want %v", err, tc.wantErr)
			}
			if err != nil && !rec.Grants[0].ValidTo.Equal(*day(2026, 8, 31)) {
				t.Errorf("a refused acceptance moved the grant's end to %s", dayOrNil(rec.Grants[0].ValidTo))
			}
		})
	}
}

// TestAcceptUnknownApplicantNeedsValidPESEL: nobody gets an account from a
// public application whose PESEL is not valid.
func TestAcceptUnknownApplicantNeedsValidPESEL(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pesel string
		ok    bool
	}{
		{"valid PESEL", peselJan, true},
		{"valid PESEL with check digit 0", "44051401380", true},
		{"wrong check digit", "85031212344", false},
		{"12 digits", "850312123430", false},
		{"a letter", "8503121234O", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := publicApp(jedenlogin.FunctionEmployee)
			app.Applicant.PESEL = tc.pesel
			a := &jedenlogin.Acceptance{Application: app, Entity: entSP}
			_, err := applications.Accept(a, decision)
			if tc.ok {
				if err != nil || a.NewPerson == nil || a.NewLogin == nil {
					t.Fatalf("Accept = %v, person %v, login %v: want both created", err, a.NewPerson, a.NewLogin)
				}
				return
			}
			if jedenlogin.ErrorCode(err) != jedenlogin.EINVALID || a.NewPerson != nil || a.NewLogin != nil || a.NewGrant != nil {
				t.Errorf("Accept = %v, person %v, login %v, grant %v: want EINVALID and nothing created", err, a.NewPerson, a.NewLogin, a.NewGrant)
			}
		})
	}
}
