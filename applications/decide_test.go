package applications_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/applications"
)

// pesel returns a PESEL with a valid check digit for the first ten digits.
func pesel(ten string) string {
	w := []int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}
	sum := 0
	for i := range 10 {
		sum += int(ten[i]-'0') * w[i]
	}
	return ten + string(rune('0'+(10-sum%10)%10))
}

var (
	peselJan  = pesel("8503121234")
	peselAnna = pesel("9107150246")
)

var decision = applications.Decision{Who: applications.Actor{Login: "KWISNIEWSKA", Address: "192.0.2.1"}, IdentityConfirmed: true, Now: now}

// publicApp is an application from the public form, under review.
func publicApp(fn jedenlogin.Function) *jedenlogin.Application {
	return &jedenlogin.Application{
		ID: 11, Status: jedenlogin.ApplicationUnderReview, EntityID: "SP", Function: fn, Scopes: []string{"sio"},
		ValidTo:   day(2027, 8, 31),
		Applicant: jedenlogin.Applicant{FirstName: "Jan", LastName: "Kowalski", PESEL: peselJan, Email: "jan@example.pl", Phone: "600700800"},
	}
}

// consolidatedJan is Jan Kowalski, consolidated onto JANKOW1 (login 10),
// with a grant at GM and account data that differ from the application's.
func consolidatedJan() *jedenlogin.PersonRecord {
	return &jedenlogin.PersonRecord{
		Person: jedenlogin.Person{ID: 5, Key: "pesel:" + peselJan, Case: jedenlogin.CaseChoose, State: jedenlogin.StateDone, UnifiedLoginID: id(10),
			Account: &jedenlogin.AccountData{FirstName: "Jan", SecondName: "Paweł", LastName: "Kowalski", PESEL: peselJan, Email: "j.kowalski@gmina.example"}},
		Logins: []jedenlogin.Login{
			{ID: 10, PersonID: 5, Name: "JANKOW1", State: jedenlogin.LoginActive, PESEL: peselJan},
			{ID: 11, PersonID: 5, Name: "jan.k", State: jedenlogin.LoginMerged, MergedInto: id(10), PESEL: peselJan},
		},
		Grants: []jedenlogin.Grant{{ID: 30, LoginID: 10, EntityID: "GM", Function: jedenlogin.FunctionEmployee, ValidTo: day(2027, 1, 1), OriginLoginID: 11}},
	}
}

func TestAcceptUnknownApplicant(t *testing.T) {
	a := &jedenlogin.Acceptance{Application: publicApp(jedenlogin.FunctionEmployee), Entity: entSP}
	evs, err := applications.Accept(a, decision)
	if err != nil {
		t.Fatal(err)
	}
	app := a.Application
	if app.Status != jedenlogin.ApplicationAccepted || app.DecidedAt == nil || !app.DecidedAt.Equal(now) || app.DecidedBy != "KWISNIEWSKA" || !app.IdentityConfirmed {
		t.Errorf("application after acceptance: %+v", app)
	}
	p := a.NewPerson
	if p == nil {
		t.Fatal("no person created for an unknown applicant")
	}
	if p.Key != "pesel:"+peselJan || p.State != jedenlogin.StateDone || p.Case != jedenlogin.CaseUnchanged || p.ConsolidatedAt == nil {
		t.Errorf("new person %+v", p)
	}
	if p.Account == nil || p.Account.FirstName != "Jan" || p.Account.LastName != "Kowalski" || p.Account.Email != "jan@example.pl" || p.Account.Phone != "600700800" {
		t.Errorf("account data %+v, want the application's", p.Account)
	}
	l := a.NewLogin
	if l == nil || l.State != jedenlogin.LoginActive || l.Origin != jedenlogin.OriginGenerated || l.PasswordHash != "" || l.PESEL != peselJan {
		t.Errorf("new login %+v: want an active generated login without a password", l)
	}
	if a.LoginPrefix != "JANKOW" {
		t.Errorf("prefix %q, want JANKOW", a.LoginPrefix)
	}
	g := a.NewGrant
	if g == nil || g.LoginID != 0 || g.EntityID != "SP" || g.Function != jedenlogin.FunctionEmployee || !slices.Equal(g.Scopes, []string{"sio"}) ||
		g.ValidFrom == nil || !g.ValidFrom.Equal(applications.Day(now)) || g.ValidTo == nil || !g.ValidTo.Equal(*day(2027, 8, 31)) {
		t.Errorf("new grant %+v", g)
	}
	if len(evs) != 2 || evs[0].Action != jedenlogin.AuditApplicationChanged || evs[0].Subject != "application:11" ||
		evs[1].Action != jedenlogin.AuditGrantChanged || evs[1].Subject != "entity:SP" || evs[0].Actor != "KWISNIEWSKA" || evs[0].Address != "192.0.2.1" {
		t.Errorf("events %+v", evs)
	}
	if !strings.Contains(evs[1].Details, `"change":"granted"`) {
		t.Errorf("grant event details %s", evs[1].Details)
	}
}

func TestAcceptKnownConsolidatedPerson(t *testing.T) {
	rec := consolidatedJan()
	app := publicApp(jedenlogin.FunctionEmployee)
	app.Applicant.FirstName, app.Applicant.Email = "Janusz", "inny@example.pl"
	a := &jedenlogin.Acceptance{Application: app, Entity: entSP, Person: rec}
	if _, err := applications.Accept(a, decision); err != nil {
		t.Fatal(err)
	}
	if a.NewPerson != nil || a.NewLogin != nil {
		t.Fatalf("a known person got a new person or login: %+v %+v", a.NewPerson, a.NewLogin)
	}
	if a.NewGrant == nil || a.NewGrant.LoginID != 10 {
		t.Fatalf("grant %+v, want one on the unified login 10", a.NewGrant)
	}
	if acc := rec.Person.Account; acc.FirstName != "Jan" || acc.Email != "j.kowalski@gmina.example" || acc.SecondName != "Paweł" {
		t.Errorf("application data overwrote account data: %+v", acc)
	}
}

func TestAcceptKnownPendingPerson(t *testing.T) {
	older, newer := day(2019, 9, 1), day(2024, 9, 1)
	rec := &jedenlogin.PersonRecord{
		Person: jedenlogin.Person{ID: 6, Key: "pesel:" + peselJan, Case: jedenlogin.CaseChoose, State: jedenlogin.StatePending},
		Logins: []jedenlogin.Login{
			{ID: 20, PersonID: 6, Name: "JANKOW1", State: jedenlogin.LoginActive, AcceptedAt: older},
			{ID: 21, PersonID: 6, Name: "JANKOW2", State: jedenlogin.LoginActive, AcceptedAt: newer},
			{ID: 22, PersonID: 6, Name: "JANKOW3", State: jedenlogin.LoginInactive, AcceptedAt: day(2025, 1, 1)},
		},
	}
	a := &jedenlogin.Acceptance{Application: publicApp(jedenlogin.FunctionEmployee), Entity: entSP, Person: rec}
	if _, err := applications.Accept(a, decision); err != nil {
		t.Fatal(err)
	}
	if a.NewGrant == nil || a.NewGrant.LoginID != 21 {
		t.Fatalf("grant %+v, want one on JANKOW2 (active, accepted last), which consolidation moves to the one login", a.NewGrant)
	}
	if rec.Person.State != jedenlogin.StatePending || rec.Person.Account != nil || a.NewLogin != nil {
		t.Errorf("a pending person was changed: %+v, new login %+v", rec.Person, a.NewLogin)
	}
}

func TestAcceptKnownPersonWithoutActiveLogin(t *testing.T) {
	rec := &jedenlogin.PersonRecord{
		Person: jedenlogin.Person{ID: 7, Key: "pesel:" + peselJan, Case: jedenlogin.CaseNoActiveLogin, State: jedenlogin.StatePending},
		Logins: []jedenlogin.Login{{ID: 30, PersonID: 7, Name: "jkow", State: jedenlogin.LoginInactive}},
	}
	a := &jedenlogin.Acceptance{Application: publicApp(jedenlogin.FunctionEmployee), Entity: entSP, Person: rec}
	if _, err := applications.Accept(a, decision); err != nil {
		t.Fatal(err)
	}
	if a.NewPerson != nil {
		t.Error("a known person was created again")
	}
	if a.NewLogin == nil || a.LoginPrefix != "JANKOW" || a.NewGrant == nil || a.NewGrant.LoginID != 0 {
		t.Fatalf("want a generated login holding the grant: login %+v grant %+v", a.NewLogin, a.NewGrant)
	}
	p := rec.Person
	if p.State != jedenlogin.StateDone || p.Case != jedenlogin.CaseUnchanged || p.Account == nil || p.Account.PESEL != peselJan {
		t.Errorf("person %+v: want consolidated with account data from the application", p)
	}
}

func TestAcceptMergesDuplicateGrant(t *testing.T) {
	rec := consolidatedJan()
	app := publicApp(jedenlogin.FunctionEmployee)
	app.EntityID, app.Scopes, app.ValidTo = "GM", []string{"wnioski"}, day(2028, 1, 1)
	a := &jedenlogin.Acceptance{Application: app, Entity: entGM, Person: rec, EntityGrants: rec.Grants}
	if _, err := applications.Accept(a, decision); err != nil {
		t.Fatal(err)
	}
	if a.NewGrant != nil {
		t.Fatalf("a duplicate grant was added: %+v", a.NewGrant)
	}
	g := rec.Grants[0]
	if !g.ValidTo.Equal(*day(2028, 1, 1)) || !slices.Equal(g.Scopes, []string{"wnioski"}) || app.GrantID == nil || *app.GrantID != 30 {
		t.Errorf("grant %+v (application grant %v): want extended to 2028-01-01 with scope wnioski", g, app.GrantID)
	}
}

func TestAcceptExtension(t *testing.T) {
	rec := consolidatedJan()
	rec.Grants[0].Function = jedenlogin.FunctionHead
	app := publicApp(jedenlogin.FunctionHead)
	app.EntityID, app.ExtendsGrantID, app.ValidTo, app.ApplicantPersonID = "GM", id(30), day(2029, 12, 31), id(5)
	a := &jedenlogin.Acceptance{Application: app, Entity: entGM, Person: rec, EntityGrants: slices.Clone(rec.Grants)}
	if _, err := applications.Accept(a, decision); err != nil {
		t.Fatal(err)
	}
	if a.NewGrant != nil || !rec.Grants[0].ValidTo.Equal(*day(2029, 12, 31)) || *app.GrantID != 30 {
		t.Errorf("extension: new grant %+v, grant %+v", a.NewGrant, rec.Grants[0])
	}

	// The extended grant was revoked meanwhile.
	rec = consolidatedJan()
	rec.Grants[0].RevokedAt = day(2026, 3, 1)
	app = publicApp(jedenlogin.FunctionEmployee)
	app.EntityID, app.ExtendsGrantID = "GM", id(30)
	a = &jedenlogin.Acceptance{Application: app, Entity: entGM, Person: rec}
	if _, err := applications.Accept(a, decision); !errors.Is(err, applications.ErrGrantGone) {
		t.Errorf("extension of a revoked grant: %v, want ErrGrantGone", err)
	}
}

func TestAcceptRefusals(t *testing.T) {
	otherHead := jedenlogin.Grant{ID: 40, LoginID: 99, EntityID: "SP", Function: jedenlogin.FunctionHead, ValidTo: day(2027, 8, 31)}
	tests := []struct {
		name    string
		app     func() *jedenlogin.Application
		d       applications.Decision
		grants  []jedenlogin.Grant
		wantErr error
	}{
		{"identity not confirmed", func() *jedenlogin.Application { return publicApp(jedenlogin.FunctionEmployee) },
			applications.Decision{Who: decision.Who, Now: now}, nil, applications.ErrIdentityNotConfirmed},
		{"still zlozony", func() *jedenlogin.Application {
			a := publicApp(jedenlogin.FunctionEmployee)
			a.Status = jedenlogin.ApplicationSubmitted
			return a
		}, decision, nil, jedenlogin.ErrInvalidStatus},
		{"already accepted", func() *jedenlogin.Application {
			a := publicApp(jedenlogin.FunctionEmployee)
			a.Status = jedenlogin.ApplicationAccepted
			return a
		}, decision, nil, jedenlogin.ErrInvalidStatus},
		{"withdrawn", func() *jedenlogin.Application {
			a := publicApp(jedenlogin.FunctionEmployee)
			a.Status = jedenlogin.ApplicationWithdrawn
			return a
		}, decision, nil, jedenlogin.ErrInvalidStatus},
		{"second head", func() *jedenlogin.Application { return publicApp(jedenlogin.FunctionHead) }, decision,
			[]jedenlogin.Grant{otherHead}, applications.ErrHeadConflict},
		{"unknown applicant without a valid PESEL", func() *jedenlogin.Application {
			a := publicApp(jedenlogin.FunctionEmployee)
			a.Applicant.PESEL = ""
			return a
		}, decision, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := tc.app()
			before := app.Status
			a := &jedenlogin.Acceptance{Application: app, Entity: entSP, EntityGrants: tc.grants}
			_, err := applications.Accept(a, tc.d)
			if err == nil {
				t.Fatal("accepted")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == nil && jedenlogin.ErrorCode(err) != jedenlogin.EINVALID {
				t.Errorf("error %v, want EINVALID", err)
			}
			if a.NewGrant != nil || a.NewPerson != nil {
				t.Error("a refused acceptance still decided a grant or a person")
			}
			if errors.Is(err, applications.ErrIdentityNotConfirmed) && app.Status != before {
				t.Errorf("status changed to %s", app.Status)
			}
		})
	}
	// The previous head's grant ended yesterday: no conflict.
	old := otherHead
	old.ValidTo = day(2026, 3, 9)
	a := &jedenlogin.Acceptance{Application: publicApp(jedenlogin.FunctionHead), Entity: entSP, EntityGrants: []jedenlogin.Grant{old}}
	if _, err := applications.Accept(a, decision); err != nil {
		t.Errorf("head after an expired head: %v", err)
	}
}

func TestStatusChanges(t *testing.T) {
	who := applications.Actor{Login: "KWISNIEWSKA", Address: "192.0.2.1"}
	app := publicApp(jedenlogin.FunctionEmployee)
	app.Status = jedenlogin.ApplicationSubmitted
	if _, err := applications.Reject(app, "Brak zatrudnienia", who, now); !errors.Is(err, jedenlogin.ErrInvalidStatus) {
		t.Errorf("rejecting a zlozony application: %v, want ErrInvalidStatus", err)
	}
	evs, err := applications.Review(app, who, now)
	if err != nil || app.Status != jedenlogin.ApplicationUnderReview || app.ReviewedBy != "KWISNIEWSKA" || len(evs) != 1 {
		t.Fatalf("review: %v, %+v, %v", err, app, evs)
	}
	if _, err := applications.Review(app, who, now); !errors.Is(err, jedenlogin.ErrInvalidStatus) {
		t.Errorf("reviewing twice: %v", err)
	}
	if _, err := applications.Reject(app, "  ", who, now); jedenlogin.ErrorCode(err) != jedenlogin.EINVALID {
		t.Errorf("rejecting without a reason: %v", err)
	}
	evs, err = applications.Reject(app, "Brak zatrudnienia", who, now)
	if err != nil || app.Status != jedenlogin.ApplicationRejected || app.Reason != "Brak zatrudnienia" || !strings.Contains(evs[0].Details, "Brak zatrudnienia") {
		t.Fatalf("reject: %v, %+v", err, app)
	}

	mine := publicApp(jedenlogin.FunctionEmployee)
	mine.Status, mine.ApplicantPersonID = jedenlogin.ApplicationSubmitted, id(5)
	if _, err := applications.Withdraw(mine, 6, who, now); !errors.Is(err, applications.ErrNotApplicant) {
		t.Errorf("withdrawing someone else's: %v", err)
	}
	if _, err := applications.Withdraw(mine, 5, who, now); err != nil || mine.Status != jedenlogin.ApplicationWithdrawn {
		t.Errorf("withdraw: %v %s", err, mine.Status)
	}
	reviewed := publicApp(jedenlogin.FunctionEmployee)
	reviewed.ApplicantPersonID = id(5)
	if _, err := applications.Withdraw(reviewed, 5, who, now); !errors.Is(err, jedenlogin.ErrInvalidStatus) {
		t.Errorf("withdrawing one under review: %v", err)
	}
}

func TestRevoke(t *testing.T) {
	who := applications.Actor{Login: "KWISNIEWSKA"}
	rec := consolidatedJan()
	if _, err := applications.Revoke(rec, 30, "bo tak", who, now); !errors.Is(err, applications.ErrUnknownReason) {
		t.Errorf("unknown reason: %v", err)
	}
	if _, err := applications.Revoke(rec, 31, applications.RevokeReasons[0].Code, who, now); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("someone else's grant: %v", err)
	}
	evs, err := applications.Revoke(rec, 30, applications.RevokeReasons[0].Code, who, now)
	if err != nil {
		t.Fatal(err)
	}
	g := rec.Grants[0]
	if g.RevokedAt == nil || !g.RevokedAt.Equal(now) || g.RevokeReason != "lost_credentials" || g.ValidAt(now) {
		t.Errorf("grant after revocation %+v", g)
	}
	if len(evs) != 1 || evs[0].Action != jedenlogin.AuditGrantChanged || !strings.Contains(evs[0].Details, `"change":"revoked"`) {
		t.Errorf("events %+v", evs)
	}
	if _, err := applications.Revoke(rec, 30, applications.RevokeReasons[0].Code, who, now.Add(time.Minute)); !errors.Is(err, applications.ErrGrantRevoked) {
		t.Errorf("revoking twice: %v", err)
	}
}
