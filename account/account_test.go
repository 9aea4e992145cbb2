package account

import (
	"strings"
	"testing"
	"time"

	"jedenlogin"
)

var t0 = time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// done is a consolidated person: unified login JKOWAL, merged jan.k.
func done() *jedenlogin.PersonRecord {
	return &jedenlogin.PersonRecord{
		Person: jedenlogin.Person{ID: 1, Key: "pesel:44051401458", State: jedenlogin.StateDone, UnifiedLoginID: ptr(int64(10)),
			Account: &jedenlogin.AccountData{FirstName: "Łukasz", SecondName: "Maria", LastName: "Wiśniewski-Żak", PESEL: "44051401458", Email: "Lukasz@Szkola.pl"}},
		Logins: []jedenlogin.Login{
			{ID: 10, PersonID: 1, Name: "JKOWAL", State: jedenlogin.LoginActive, FirstName: "Stare", LastName: "Dane", PESEL: "44051401458", Email: "stary@example.pl"},
			{ID: 11, PersonID: 1, Name: "jan.k", State: jedenlogin.LoginMerged, MergedInto: ptr(int64(10))},
		},
	}
}

// pending is a person before the transition: two active logins with
// different application data, and an inactive one.
func pending() *jedenlogin.PersonRecord {
	return &jedenlogin.PersonRecord{
		Person: jedenlogin.Person{ID: 2, Key: "pesel:02070803628", State: jedenlogin.StatePending},
		Logins: []jedenlogin.Login{
			{ID: 20, PersonID: 2, Name: "anna.n", State: jedenlogin.LoginActive, FirstName: "Anna", LastName: "Nowak", PESEL: "02070803628", Email: "anna@sp1.pl"},
			{ID: 21, PersonID: 2, Name: "ANOWAK", State: jedenlogin.LoginActive, FirstName: "Anna", SecondName: "Ewa", LastName: "Nowak", PESEL: "02070803628", Email: "anna@sp2.pl"},
			{ID: 22, PersonID: 2, Name: "ANOLD", State: jedenlogin.LoginInactive, FirstName: "Anna", LastName: "Nowak", PESEL: "02070803628", Email: "old@sp.pl"},
		},
	}
}

func TestMatchLogin(t *testing.T) {
	good := LoginRecovery{FirstName: "Łukasz", SecondName: "Maria", LastName: "Wiśniewski-Żak", PESEL: "44051401458", Email: "lukasz@szkola.pl"}
	with := func(f func(*LoginRecovery)) LoginRecovery { r := good; f(&r); return r }
	cases := []struct {
		name      string
		rec       *jedenlogin.PersonRecord
		req       LoginRecovery
		wantEmail string
	}{
		{"exact account data", done(), good, "Lukasz@Szkola.pl"},
		{"names without diacritics, other case, extra spaces", done(), with(func(r *LoginRecovery) {
			r.FirstName, r.LastName, r.SecondName = " lukasz ", "WISNIEWSKI-ZAK", "maria"
		}), "Lukasz@Szkola.pl"},
		{"wrong first name", done(), with(func(r *LoginRecovery) { r.FirstName = "Jan" }), ""},
		{"missing second name", done(), with(func(r *LoginRecovery) { r.SecondName = "" }), ""},
		{"wrong last name", done(), with(func(r *LoginRecovery) { r.LastName = "Wiśniewski" }), ""},
		{"wrong PESEL", done(), with(func(r *LoginRecovery) { r.PESEL = "44051401459" }), ""},
		{"wrong e-mail", done(), with(func(r *LoginRecovery) { r.Email = "lukasz@szkola.com" }), ""},
		{"application data of a consolidated person do not count", done(), with(func(r *LoginRecovery) {
			r.FirstName, r.SecondName, r.LastName, r.Email = "Stare", "", "Dane", "stary@example.pl"
		}), ""},
		{"pending: data of one active login", pending(), LoginRecovery{FirstName: "anna", SecondName: "Ewa", LastName: "nowak", PESEL: "02070803628", Email: "ANNA@sp2.pl"}, "anna@sp2.pl"},
		{"pending: the other active login", pending(), LoginRecovery{FirstName: "Anna", LastName: "Nowak", PESEL: "02070803628", Email: "anna@sp1.pl"}, "anna@sp1.pl"},
		{"pending: data mixed from two logins", pending(), LoginRecovery{FirstName: "Anna", LastName: "Nowak", PESEL: "02070803628", Email: "anna@sp2.pl"}, ""},
		{"pending: inactive login's data", pending(), LoginRecovery{FirstName: "Anna", LastName: "Nowak", PESEL: "02070803628", Email: "old@sp.pl"}, ""},
		{"empty request", done(), LoginRecovery{}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			email, ok := MatchLogin(tc.rec, tc.req)
			if ok != (tc.wantEmail != "") || email != tc.wantEmail {
				t.Errorf("MatchLogin = %q, %v; want %q", email, ok, tc.wantEmail)
			}
		})
	}
}

func TestRecoveredLogins(t *testing.T) {
	noActive := pending()
	for i := range noActive.Logins {
		noActive.Logins[i].State = jedenlogin.LoginInactive
	}
	broken := done()
	broken.Person.UnifiedLoginID = nil
	cases := []struct {
		name string
		rec  *jedenlogin.PersonRecord
		want string
	}{
		{"consolidated: the unified login only", done(), "JKOWAL"},
		{"pending: active logins, uppercase first", pending(), "ANOWAK anna.n"},
		{"no active login", noActive, ""},
		{"done without a unified login", broken, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(RecoveredLogins(tc.rec), " "); got != tc.want {
				t.Errorf("RecoveredLogins = %q, want %q", got, tc.want)
			}
		})
	}
	if _, ok := MatchLogin(noActive, LoginRecovery{FirstName: "Anna", LastName: "Nowak", PESEL: "02070803628", Email: "anna@sp1.pl"}); ok {
		t.Errorf("a person without an active login matched")
	}
}

func TestMatchPassword(t *testing.T) {
	good := PasswordRecovery{Login: "JKOWAL", FirstName: "lukasz", LastName: "Wiśniewski-Żak", PESEL: "44051401458", Email: "LUKASZ@szkola.pl"}
	with := func(f func(*PasswordRecovery)) PasswordRecovery { r := good; f(&r); return r }
	d := done()
	p := pending()
	cases := []struct {
		name      string
		rec       *jedenlogin.PersonRecord
		login     *jedenlogin.Login
		req       PasswordRecovery
		wantEmail string
	}{
		{"unified login with account data", d, d.Login(10), good, "Lukasz@Szkola.pl"},
		{"second name is not asked", d, d.Login(10), with(func(r *PasswordRecovery) {}), "Lukasz@Szkola.pl"},
		{"merged login", d, d.Login(11), with(func(r *PasswordRecovery) { r.Login = "jan.k" }), ""},
		{"login name in other case", d, d.Login(10), with(func(r *PasswordRecovery) { r.Login = "jkowal" }), ""},
		{"wrong PESEL", d, d.Login(10), with(func(r *PasswordRecovery) { r.PESEL = "02070803628" }), ""},
		{"wrong e-mail", d, d.Login(10), with(func(r *PasswordRecovery) { r.Email = "stary@example.pl" }), ""},
		{"wrong last name", d, d.Login(10), with(func(r *PasswordRecovery) { r.LastName = "Kowalski" }), ""},
		{"no login", d, nil, good, ""},
		{"pending: the login's own data", p, p.Login(20), PasswordRecovery{Login: "anna.n", FirstName: "Anna", LastName: "Nowak", PESEL: "02070803628", Email: "anna@sp1.pl"}, "anna@sp1.pl"},
		{"pending: another login's e-mail", p, p.Login(20), PasswordRecovery{Login: "anna.n", FirstName: "Anna", LastName: "Nowak", PESEL: "02070803628", Email: "anna@sp2.pl"}, ""},
		{"pending: inactive login", p, p.Login(22), PasswordRecovery{Login: "ANOLD", FirstName: "Anna", LastName: "Nowak", PESEL: "02070803628", Email: "old@sp.pl"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			email, ok := MatchPassword(tc.rec, tc.login, tc.req)
			if ok != (tc.wantEmail != "") || email != tc.wantEmail {
				t.Errorf("MatchPassword = %q, %v; want %q", email, ok, tc.wantEmail)
			}
		})
	}
}

func TestPolicyContext(t *testing.T) {
	d, p := done(), pending()
	if got := PolicyContext(d, d.Login(10)); got.FirstName != "Łukasz" || got.LastName != "Wiśniewski-Żak" || got.Login != "JKOWAL" {
		t.Errorf("consolidated: %+v, want account names and the login", got)
	}
	if got := PolicyContext(p, p.Login(21)); got.FirstName != "Anna" || got.LastName != "Nowak" || got.Login != "ANOWAK" {
		t.Errorf("pending: %+v, want the login's names", got)
	}
}

func TestPasswordExpired(t *testing.T) {
	const age = 90 * 24 * time.Hour
	cases := []struct {
		name    string
		login   jedenlogin.Login
		maxAge  time.Duration
		now     time.Time
		expired bool
	}{
		{"no maximum age", jedenlogin.Login{PasswordChangedAt: ptr(t0.AddDate(-5, 0, 0))}, 0, t0, false},
		{"changed 89 days ago", jedenlogin.Login{PasswordChangedAt: ptr(t0.Add(-age + 24*time.Hour))}, age, t0, false},
		{"changed exactly 90 days ago", jedenlogin.Login{PasswordChangedAt: ptr(t0.Add(-age))}, age, t0, true},
		{"imported: counts from creation, still young", jedenlogin.Login{CreatedAt: t0.Add(-time.Hour)}, age, t0, false},
		{"imported: counts from creation, too old", jedenlogin.Login{CreatedAt: t0.Add(-age - time.Hour)}, age, t0, true},
		{"changed recently although created long ago", jedenlogin.Login{CreatedAt: t0.AddDate(-3, 0, 0), PasswordChangedAt: ptr(t0.Add(-time.Hour))}, age, t0, false},
		{"nothing known", jedenlogin.Login{}, age, t0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := PasswordExpired(&tc.login, tc.maxAge, tc.now); got != tc.expired {
				t.Errorf("PasswordExpired = %v, want %v", got, tc.expired)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	cases := []struct {
		name, in, want string
		fn             func(string) (string, error)
		ok             bool
	}{
		{"email plain", " jan.kowalski@szkola.pl ", "jan.kowalski@szkola.pl", NormalizeEmail, true},
		{"email with plus", "jan+sio@szkola.edu.pl", "jan+sio@szkola.edu.pl", NormalizeEmail, true},
		{"email empty", "", "", NormalizeEmail, false},
		{"email without domain dot", "jan@localhost", "", NormalizeEmail, false},
		{"email with display name", "Jan <jan@szkola.pl>", "", NormalizeEmail, false},
		{"email two addresses", "a@b.pl, c@d.pl", "", NormalizeEmail, false},
		{"email header injection", "a@b.pl\r\nBcc: x@y.pl", "", NormalizeEmail, false},
		{"email too long", strings.Repeat("a", 250) + "@b.pl", "", NormalizeEmail, false},
		{"phone empty", "  ", "", NormalizePhone, true},
		{"phone Polish mobile", "600 100 200", "600 100 200", NormalizePhone, true},
		{"phone international", " +48  81 751-20-33 ", "+48 81 751-20-33", NormalizePhone, true},
		{"phone with parentheses", "(81) 751 20 33", "(81) 751 20 33", NormalizePhone, true},
		{"phone too short", "600 100", "", NormalizePhone, false},
		{"phone too long", "+48 600 100 200 300 400", "", NormalizePhone, false},
		{"phone letters", "600 ABC 200", "", NormalizePhone, false},
		{"phone plus inside", "600+100200", "", NormalizePhone, false},
		{"PESEL valid", " 44051401458 ", "44051401458", NormalizePESEL, true},
		{"PESEL bad check digit", "44051401459", "", NormalizePESEL, false},
		{"PESEL short", "4405140145", "", NormalizePESEL, false},
		{"PESEL letters", "4405140145X", "", NormalizePESEL, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.fn(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("got %q, %v; want %q (ok %v)", got, err, tc.want, tc.ok)
			}
			if err != nil && jedenlogin.ErrorCode(err) != jedenlogin.EINVALID {
				t.Errorf("error code %s, want %s", jedenlogin.ErrorCode(err), jedenlogin.EINVALID)
			}
		})
	}
}

func TestMaskEmail(t *testing.T) {
	for in, want := range map[string]string{
		"jan.kowalski@szkola.pl": "j***@szkola.pl",
		"ł@x.pl":                 "ł***@x.pl",
		"bez-malpy":              "***",
	} {
		if got := MaskEmail(in); got != want {
			t.Errorf("MaskEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEmailCode(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		c := NewCode()
		if len(c) != 6 || strings.Trim(c, "0123456789") != "" {
			t.Fatalf("NewCode() = %q, want 6 digits", c)
		}
		seen[c] = true
	}
	if len(seen) < 45 {
		t.Errorf("50 codes gave only %d distinct ones", len(seen))
	}
	_, hash := jedenlogin.NewTokenSecret()
	ch := EmailChange{Email: "nowy@szkola.pl", CodeHash: CodeHash(hash, "012345")}
	back, err := DecodeEmailChange(ch.Encode())
	if err != nil || back != ch {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	cases := []struct {
		name, tokenHash, code string
		ok                    bool
	}{
		{"right code", hash, "012345", true},
		{"right code with spaces", hash, " 012 345 ", true},
		{"wrong code", hash, "012346", false},
		{"right code of another token", jedenlogin.TokenHash("other"), "012345", false},
		{"empty", hash, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := back.CheckCode(tc.tokenHash, tc.code); got != tc.ok {
				t.Errorf("CheckCode = %v, want %v", got, tc.ok)
			}
		})
	}
	for _, bad := range []string{"", "{}", `{"email":"a@b.pl"}`, "nie json"} {
		if _, err := DecodeEmailChange(bad); err == nil {
			t.Errorf("DecodeEmailChange(%q) succeeded", bad)
		}
	}
}
