package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"jedenlogin/password"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// page GETs a page with the cookies and fails unless it answers status.
func (e *accountEnv) page(path string, status int, cookies ...*http.Cookie) string {
	e.t.Helper()
	rec := e.do(req{method: "GET", path: path, cookies: cookies})
	if rec.Code != status {
		e.t.Fatalf("GET %s: %d, want %d\n%s", path, rec.Code, status, rec.Body)
	}
	return rec.Body.String()
}

// post sends a form with the page's CSRF token (from a GET of formPath) and
// the cookies.
func (e *accountEnv) post(formPath, path string, form url.Values, cookies ...*http.Cookie) *httpRecorder {
	e.t.Helper()
	get := e.do(req{method: "GET", path: formPath, cookies: cookies})
	form.Set("csrf", csrfOf(e.t, get.Body.String()))
	return e.do(req{method: "POST", path: path, form: form, cookies: append(cookies, get.Result().Cookies()...)})
}

func wantIn(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

// TestSignInPageOffersRecovery: the sign-in page links to both recovery
// forms with the wording users know.
func TestSignInPageOffersRecovery(t *testing.T) {
	e := newAccountEnv(t, storetest.Backends(t)[0], web.Config{})
	body := e.page("/logowanie", http.StatusOK)
	wantIn(t, body, `<a href="/nie-pamietam-hasla">Nie pamiętasz hasła?</a>`, `<a href="/odzyskaj-login">ODZYSKAJ LOGIN</a>`)
}

// TestProfilePage: account data, the logins merged at the transition with
// their date, the entities, and the way to both forms.
func TestProfilePage(t *testing.T) {
	e := newAccountEnv(t, storetest.Backends(t)[0], web.Config{})
	c := e.mustSignIn("beata.k", pwBeataL)
	rec := e.do(req{method: "POST", path: "/api/v1/consolidation/confirm", cookies: []*http.Cookie{c}, json: map[string]string{"login": "BEATA1", "password": pwBeataU}})
	wantStatus(t, rec, http.StatusOK)
	c = sessionCookie(rec)
	body := e.page("/profil", http.StatusOK, c)
	wantIn(t, body, "Panel użytkownika", "<h1>Profil</h1>", "Uniwersalne dane konta", "beata@example.pl",
		"Historia loginów", "BEATA1", "beata.k", "scalony z BEATA1 dnia 10.03.2026",
		"I Liceum Ogólnokształcące", "II Liceum Ogólnokształcące",
		`href="/profil/kontakt"`, "Zmiana danych kontaktowych", `href="/profil/haslo"`, "Aktualizuj hasło",
		`<a href="/profil" aria-current="page">Profil</a>`)
	if i, j := strings.Index(body, ">BEATA1 <span"), strings.Index(body, ">beata.k<"); i < 0 || j < i {
		t.Errorf("the unified login (marked current) should come first, then the merged one")
	}
	// Without a session the profile sends to the sign-in page.
	if rec := e.do(req{method: "GET", path: "/profil"}); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/logowanie" {
		t.Errorf("profile without a session: %d %s", rec.Code, rec.Header().Get("Location"))
	}
}

// TestContactPages: the contact form (password required, wrong password,
// bad phone), the code form, and the result on the profile.
func TestContactPages(t *testing.T) {
	e := newAccountEnv(t, storetest.Backends(t)[0], web.Config{})
	c := e.mustSignIn("LWISNIEWSKI", pwLukasz)
	body := e.page("/profil/kontakt", http.StatusOK, c)
	wantIn(t, body, "Zmiana danych kontaktowych", "Nowy adres e-mail", "Zmianę należy potwierdzić hasłem logowania.", `value="600 700 800"`)

	cases := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"no password", url.Values{"phone": {"600 700 801"}}, http.StatusBadRequest, "Podaj hasło logowania."},
		{"wrong password", url.Values{"phone": {"600 700 801"}, "password": {"zle"}}, http.StatusUnauthorized, "Obecne hasło jest nieprawidłowe."},
		{"bad phone", url.Values{"phone": {"abc"}, "password": {pwLukasz}}, http.StatusBadRequest, `id="phone-blad"`},
		{"bad e-mail", url.Values{"email": {"x@"}, "password": {pwLukasz}}, http.StatusBadRequest, `id="email-blad"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := e.post("/profil/kontakt", "/profil/kontakt", tc.form, c)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
				t.Errorf("%d, want %d with %q", rec.Code, tc.status, tc.want)
			}
		})
	}

	rec := e.post("/profil/kontakt", "/profil/kontakt", url.Values{"email": {"nowy@sp1.example.pl"}, "phone": {"600 700 801"}, "password": {pwLukasz}}, c)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/profil/kontakt?wyslano" {
		t.Fatalf("contact form: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	body = e.page("/profil/kontakt?wyslano", http.StatusOK, c)
	wantIn(t, body, "Potwierdź nowy adres e-mail", "nowy@sp1.example.pl", "Kod weryfikacyjny", `autocomplete="one-time-code"`)
	wantIn(t, e.page("/profil", http.StatusOK, c), "oczekuje na potwierdzenie: nowy@sp1.example.pl", "600 700 801")

	rec = e.post("/profil/kontakt", "/profil/kontakt/kod", url.Values{"code": {"99999x"}}, c)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Kod weryfikacyjny jest nieprawidłowy.") {
		t.Errorf("wrong code page: %d", rec.Code)
	}
	code := codeIn(t, e.lastMail("nowy@sp1.example.pl"))
	rec = e.post("/profil/kontakt", "/profil/kontakt/kod", url.Values{"code": {code}}, c)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/profil?email" {
		t.Fatalf("code form: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	body = e.page("/profil?email", http.StatusOK, c)
	wantIn(t, body, "Nowy adres e-mail został potwierdzony", "nowy@sp1.example.pl")
	if strings.Contains(body, "oczekuje na potwierdzenie") {
		t.Errorf("the profile still shows a pending address")
	}
}

var ruleRe = regexp.MustCompile(`data-rule="([a-z]+)"`)

// TestPasswordPage: the form lists the policy's rules for the script and
// reports the server's reasons; a good change says "Hasło zostało zmienione."
func TestPasswordPage(t *testing.T) {
	b := storetest.Backends(t)[0]
	for _, tc := range []struct {
		name   string
		policy *password.Policy
		rules  string
	}{
		{"sio", nil, "min lower upper special edges personal common match"},
		{"nist", &password.PolicyNIST, "min common match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newAccountEnv(t, b, web.Config{PasswordPolicy: tc.policy})
			c := e.mustSignIn("LWISNIEWSKI", pwLukasz)
			body := e.page("/profil/haslo", http.StatusOK, c)
			var rules []string
			for _, m := range ruleRe.FindAllStringSubmatch(body, -1) {
				rules = append(rules, m[1])
			}
			if strings.Join(rules, " ") != tc.rules {
				t.Errorf("rules %v, want %s", rules, tc.rules)
			}
			wantIn(t, body, `<script src="/static/password.js" defer></script>`, `aria-describedby="reguly"`, `autocomplete="new-password"`)
		})
	}

	e := newAccountEnv(t, b, web.Config{})
	c := e.mustSignIn("LWISNIEWSKI", pwLukasz)
	if !strings.Contains(e.page("/profil/haslo", http.StatusOK, c), `data-names="Łukasz Wiśniewski" data-login="LWISNIEWSKI"`) {
		t.Errorf("the rules do not carry the names for the script")
	}
	cases := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"repeat differs", url.Values{"current": {pwLukasz}, "new": {newPassword}, "repeat": {newPassword + "x"}}, http.StatusBadRequest, "Powtórzone hasło różni się od nowego hasła."},
		{"weak", url.Values{"current": {pwLukasz}, "new": {"krotkie"}, "repeat": {"krotkie"}}, http.StatusUnprocessableEntity, "zasad:</a>\n        <ul><li>Hasło musi mieć co najmniej 12 znaków.</li>"}, // each rule on its own line
		{"wrong current", url.Values{"current": {"zle"}, "new": {newPassword}, "repeat": {newPassword}}, http.StatusUnauthorized, "Obecne hasło jest nieprawidłowe."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := e.post("/profil/haslo", "/profil/haslo", tc.form, c)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
				t.Errorf("%d, want %d with %q", rec.Code, tc.status, tc.want)
			}
		})
	}
	rec := e.post("/profil/haslo", "/profil/haslo", url.Values{"current": {pwLukasz}, "new": {newPassword}, "repeat": {newPassword}}, c)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Hasło zostało zmienione.") {
		t.Errorf("good change: %d", rec.Code)
	}
}

// TestRecoveryPages: both recovery flows through the pages.
func TestRecoveryPages(t *testing.T) {
	e := newAccountEnv(t, storetest.Backends(t)[0], web.Config{})

	form := url.Values{}
	for k, v := range lukaszLoginRecovery() {
		form.Set(k, v)
	}
	rec := e.post("/odzyskaj-login", "/odzyskaj-login", form)
	wantStatus(t, rec, http.StatusOK)
	wantIn(t, rec.Body.String(), "na podany adres e-mail został wysłany link do odzyskania loginu")
	path := linkIn(t, e.lastMail(emailLukasz), "/odzyskaj-login/")
	wantIn(t, e.page(path, http.StatusOK), "wpisz ponownie swój numer PESEL", "POKAŻ LOGIN")
	rec = e.post(path, path, url.Values{"pesel": {peselZofia}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Podany PESEL jest nieprawidłowy.") || !strings.Contains(rec.Body.String(), "Pozostały 4 próby") {
		t.Errorf("wrong PESEL page: %d", rec.Code)
	}
	rec = e.post(path, path, url.Values{"pesel": {peselLukasz}})
	wantStatus(t, rec, http.StatusOK)
	wantIn(t, rec.Body.String(), "Twój login", "LWISNIEWSKI")
	wantIn(t, e.page(path, http.StatusGone), "Link do odzyskania loginu wygasł.")

	// Missing fields are named; a stale form is refused.
	rec = e.post("/nie-pamietam-hasla", "/nie-pamietam-hasla", url.Values{"login": {"LWISNIEWSKI"}})
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "Podaj numer PESEL.") {
		t.Errorf("missing fields: %d", rec.Code)
	}
	if rec := e.do(req{method: "POST", path: "/nie-pamietam-hasla", form: url.Values{"login": {"LWISNIEWSKI"}}}); rec.Code != http.StatusForbidden {
		t.Errorf("form without its token: %d, want 403", rec.Code)
	}

	form = url.Values{}
	for k, v := range lukaszPasswordRecovery() {
		form.Set(k, v)
	}
	rec = e.post("/nie-pamietam-hasla", "/nie-pamietam-hasla", form)
	wantStatus(t, rec, http.StatusOK)
	wantIn(t, rec.Body.String(), "Zgłoszenie resetu hasła zostało wysłane poprawnie.")
	path = linkIn(t, e.lastMail(emailLukasz), "/reset-hasla/")
	wantIn(t, e.page(path, http.StatusOK), "Ustaw nowe hasło", "LWISNIEWSKI", `data-rule="min"`)
	rec = e.post(path, path, url.Values{"new": {"Lukasz!Wisniewski!"}, "repeat": {"Lukasz!Wisniewski!"}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Hasło nie może zawierać imienia ani nazwiska.") {
		t.Errorf("weak reset: %d", rec.Code)
	}
	rec = e.post(path, path, url.Values{"new": {newPassword}, "repeat": {newPassword}})
	wantStatus(t, rec, http.StatusOK)
	wantIn(t, rec.Body.String(), "Hasło zostało zmienione.", `href="/logowanie"`)
	wantIn(t, e.page(path, http.StatusGone), "Link do zmiany hasła wygasł lub został już użyty.")
	e.mustSignIn("LWISNIEWSKI", newPassword)
}
