package oidc_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"

	"jedenlogin"
	"jedenlogin/demo"
	"jedenlogin/service"
)

// testSecondFactor: a client that requires a second factor (acr_values)
// sends a person without one through the enrolment first; the ID token
// then lists "otp" in amr and says so in acr. The same browser's next
// sign-in to a client that does not ask keeps the second factor's acr.
// (It leaves the operator with a TOTP: run it last.)
func testSecondFactor(t *testing.T, e *env) {
	conf := e.oauth(confidential)
	b := e.browser()
	login, pw, _ := e.person(demo.Operator)

	f := e.newFlow(conf, oauth2.SetAuthURLParam("acr_values", jedenlogin.ACRSecondFactor))
	p := b.get(f.authURL)
	if p.location == "" {
		p = b.signIn(p, login, pw)
	}
	if p.location == "" && p.url.Path == "/potwierdz-login" {
		p = b.consolidate(p, pw)
	}
	if p.url.Path != "/profil/weryfikacja-dwuetapowa" {
		t.Fatalf("acr_values requiring a second factor of a person without one: at %s (status %d, location %s)", p.url, p.status, p.location)
	}
	p = b.post(e.issuer+"/profil/weryfikacja-dwuetapowa/totp", p.form(t, "csrf"))
	m := regexp.MustCompile(`id="sekret">([A-Z2-7]+)<`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no secret at %s:\n%.2000s", p.url, p.body)
	}
	code, err := totp.GenerateCodeCustom(m[1], e.clock.now(), service.TOTPOpts)
	if err != nil {
		t.Fatal(err)
	}
	v := p.form(t, "code")
	v.Set("code", code)
	p = b.post(e.issuer+"/profil/weryfikacja-dwuetapowa/totp/potwierdz", v)
	next := regexp.MustCompile(`href="(/logowanie\?oidc=[^"]+)"`).FindStringSubmatch(p.body)
	if next == nil {
		t.Fatalf("no way back to the client after enrolment (status %d):\n%.3000s", p.status, p.body)
	}
	p = b.get(e.issuer + next[1])
	tok, err := e.exchange(conf, f, f.code(t, p))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	_, claims := e.idToken(confidential, tok, f.nonce)
	amr, _ := claims["amr"].([]any)
	if !slices.Contains(amr, any("otp")) || !slices.Contains(amr, any("pwd")) || claims["acr"] != jedenlogin.ACRSecondFactor {
		t.Errorf("after the second factor: amr %v, acr %v", claims["amr"], claims["acr"])
	}

	// Another person, password only: acr says so.
	f2, code2 := e.signedInFlow(e.browser(), conf, demo.Unchanged)
	tok2, err := e.exchange(conf, f2, code2)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if _, c2 := e.idToken(confidential, tok2, f2.nonce); c2["acr"] != jedenlogin.ACRPassword {
		t.Errorf("password only: acr %v", c2["acr"])
	}
}
