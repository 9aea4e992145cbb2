package account_test

import (
	"testing"

	"jedenlogin"
	"jedenlogin/account"
)

// TestMatchPasswordPendingWithAccountData: a person who has account data
// but has not finished the transition (account data from an accepted
// application, say) is known by the account data, which are superior to
// application data (SPEC §2): "Nie pamiętasz hasła?" compares them, not
// the login's own application data.
func TestMatchPasswordPendingWithAccountData(t *testing.T) {
	rec := &jedenlogin.PersonRecord{
		Person: jedenlogin.Person{ID: 3, Key: "pesel:44051401458", State: jedenlogin.StatePending,
			Account: &jedenlogin.AccountData{FirstName: "Ewa", LastName: "Nowak", PESEL: "44051401458", Email: "ewa@gmina.pl"}},
		Logins: []jedenlogin.Login{{ID: 30, PersonID: 3, Name: "ewa.k", State: jedenlogin.LoginActive,
			FirstName: "Ewa", LastName: "Kowalska", PESEL: "44051401458", Email: "ewa@sp1.pl"}},
	}
	for _, tc := range []struct {
		name      string
		req       account.PasswordRecovery
		wantEmail string
	}{
		{"account data", account.PasswordRecovery{Login: "ewa.k", FirstName: "Ewa", LastName: "Nowak", PESEL: "44051401458", Email: "ewa@gmina.pl"}, "ewa@gmina.pl"},
		{"the login's application data do not count", account.PasswordRecovery{Login: "ewa.k", FirstName: "Ewa", LastName: "Kowalska", PESEL: "44051401458", Email: "ewa@sp1.pl"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			email, ok := account.MatchPassword(rec, rec.Login(30), tc.req)
			if ok != (tc.wantEmail != "") || email != tc.wantEmail {
				t.Errorf("MatchPassword = %q, %v; want %q", email, ok, tc.wantEmail)
			}
		})
	}
}
