package applications_test

import (
	"encoding/json"
	"strings"
	"testing"

	"jedenlogin"
	"jedenlogin/applications"
)

// The tests of this file pin rules that mutation testing (scripts/mutate,
// TESTING.md) found without a test of the package.

// TestApplicantFromAccount: a signed-in applicant's form is filled from
// their account data, which are superior to application data (SPEC §2);
// only a person without account data yet applies with the login's data.
func TestApplicantFromAccount(t *testing.T) {
	login := &jedenlogin.Login{ID: 20, Name: "jan.k", FirstName: "Janek", SecondName: "P", LastName: "Kowal",
		PESEL: "02070803628", Email: "stary@sp.pl", Phone: "600 100 200"}
	account := &jedenlogin.AccountData{FirstName: "Jan", SecondName: "Paweł", LastName: "Kowalski",
		PESEL: peselJan, Email: "j.kowalski@gmina.example", Phone: "22 123 45 67"}
	for _, tc := range []struct {
		name    string
		account *jedenlogin.AccountData
		want    jedenlogin.Applicant
	}{
		{"account data win over the login's", account, jedenlogin.Applicant{FirstName: "Jan", SecondName: "Paweł", LastName: "Kowalski",
			PESEL: peselJan, Email: "j.kowalski@gmina.example", Phone: "22 123 45 67"}},
		{"no account data yet: the login's application data", nil, jedenlogin.Applicant{FirstName: "Janek", SecondName: "P", LastName: "Kowal",
			PESEL: "02070803628", Email: "stary@sp.pl", Phone: "600 100 200"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &jedenlogin.PersonRecord{Person: jedenlogin.Person{ID: 5, Account: tc.account}, Logins: []jedenlogin.Login{*login}}
			if got := applications.ApplicantFromAccount(rec, login); got != tc.want {
				t.Errorf("ApplicantFromAccount = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestSubmittedEvent: the audit log tells a public application (no
// account, actor "public") from one filed by a signed-in person, and
// names the grant an extension extends.
func TestSubmittedEvent(t *testing.T) {
	for _, tc := range []struct {
		name      string
		who       applications.Actor
		applicant *int64
		extends   *int64
		wantActor string
		want      map[string]any
	}{
		{"public form", applications.Actor{Address: "192.0.2.7"}, nil, nil, "public",
			map[string]any{"public": true, "status": "zlozony", "entity_id": "SP", "function": "pracownik"}},
		{"signed-in applicant", applications.Actor{Login: "JANKOW1", Address: "192.0.2.7"}, id(5), nil, "JANKOW1",
			map[string]any{"public": false, "status": "zlozony", "entity_id": "SP", "function": "pracownik"}},
		{"extension", applications.Actor{Login: "JANKOW1", Address: "192.0.2.7"}, id(5), id(30), "JANKOW1",
			map[string]any{"public": false, "status": "zlozony", "entity_id": "SP", "function": "pracownik", "extends_grant_id": float64(30)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := publicApp(jedenlogin.FunctionEmployee)
			app.Status, app.ApplicantPersonID, app.ExtendsGrantID = jedenlogin.ApplicationSubmitted, tc.applicant, tc.extends
			ev := applications.Submitted(app, tc.who, now)
			if ev.Actor != tc.wantActor || ev.Subject != "application:11" || ev.Address != "192.0.2.7" ||
				ev.Action != jedenlogin.AuditApplicationChanged || !ev.At.Equal(now) {
				t.Errorf("event %+v", ev)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(ev.Details), &got); err != nil {
				t.Fatalf("details %q: %v", ev.Details, err)
			}
			if len(got) != len(tc.want) {
				t.Errorf("details %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("details[%s] = %v, want %v (all: %v)", k, got[k], v, got)
				}
			}
		})
	}
}

// TestCheckReason: a rejection or revocation reason is required and at
// most 500 characters (not bytes: Polish letters count once).
func TestCheckReason(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reason string
		want   applications.ProblemCode
	}{
		{"a reason", "Brak zatrudnienia", ""},
		{"empty", "", applications.ProblemRequired},
		{"only white space", " \t\n", applications.ProblemRequired},
		{"500 characters", strings.Repeat("a", 500), ""},
		{"500 Polish letters (1000 bytes)", strings.Repeat("ż", 500), ""},
		{"501 characters", strings.Repeat("a", 501), applications.ProblemTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, ok := applications.CheckReason(tc.reason)
			if code != tc.want || ok != (tc.want == "") {
				t.Errorf("CheckReason = %q, %v; want %q", code, ok, tc.want)
			}
		})
	}
}
