package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/password"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// TestPasswordChange: "Aktualizuj hasło" over the API — a wrong current
// password, every policy reason, then a good change: other sessions end,
// the new password signs in, a notice is mailed, the change is audited.
func TestPasswordChange(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAccountEnv(t, b, web.Config{})
		c1 := e.mustSignIn("LWISNIEWSKI", pwLukasz)
		c2 := e.mustSignIn("LWISNIEWSKI", pwLukasz)
		put := func(current, next string, c *http.Cookie) *httpRecorder {
			return e.call("PUT", "/api/v1/me/password", map[string]string{"current": current, "new": next}, c)
		}

		wrong := put("zle-haslo", newPassword, c1)
		if m := wantError(t, wrong, http.StatusUnauthorized, "invalid_credentials"); m["remaining_attempts"] != float64(4) {
			t.Errorf("wrong current password: %s", wrong.Body)
		}

		cases := []struct {
			name, pw string
			want     []string
		}{
			{"too short", "Krotkie!Ab", []string{password.ReasonTooShort}},
			{"no special character", "ZielonyOgrodekWiosna", []string{password.ReasonNoSpecial}},
			{"digit at the end", "Zielony!Ogrodek1", []string{password.ReasonBadLastCharacter}},
			{"first name without diacritics", "Mój!Lukasz!Ogrodek", []string{password.ReasonContainsName}},
			{"login inside", "Moj!lwisniewski!Dom", []string{password.ReasonContainsName, password.ReasonContainsLogin}},
			{"common password in other case", "Don'tRemember", []string{password.ReasonCommon}},
			{"same as current (which has the name)", pwLukasz, []string{password.ReasonContainsName, "same_as_current"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				m := wantError(t, put(pwLukasz, tc.pw, c1), http.StatusUnprocessableEntity, "weak_password")
				reasons, _ := m["reasons"].([]any)
				var codes []string
				for _, r := range reasons {
					rm := r.(map[string]any)
					codes = append(codes, rm["code"].(string))
					if rm["message"] == "" {
						t.Errorf("reason %v without a message", rm["code"])
					}
				}
				if strings.Join(codes, " ") != strings.Join(tc.want, " ") {
					t.Errorf("reasons %v, want %v", codes, tc.want)
				}
			})
		}

		wantStatus(t, put(pwLukasz, newPassword, c1), http.StatusNoContent)
		wantStatus(t, e.call("GET", "/api/v1/me", nil, c1), http.StatusOK)
		wantError(t, e.call("GET", "/api/v1/me", nil, c2), http.StatusUnauthorized, "unauthenticated")
		if rec, _ := e.signIn("LWISNIEWSKI", pwLukasz); rec.Code != http.StatusUnauthorized {
			t.Errorf("old password still signs in: %d", rec.Code)
		}
		e.mustSignIn("LWISNIEWSKI", newPassword)
		notice := e.lastMail(emailLukasz)
		if !strings.Contains(notice.Text, "LWISNIEWSKI") || !strings.Contains(notice.Text, publicURL+"/nie-pamietam-hasla") {
			t.Errorf("notice:\n%s", notice.Text)
		}
		evs := e.audit(jedenlogin.AuditPasswordChanged)
		if len(evs) != 1 || evs[0].Actor != "LWISNIEWSKI" || evs[0].Address != "192.0.2.10" || !strings.Contains(evs[0].Details, `"via":"change"`) {
			t.Errorf("audit: %+v", evs)
		}
		if h := mustLogin(t, e.st, "LWISNIEWSKI").PasswordHash; !strings.HasPrefix(h, "$argon2id$") {
			t.Errorf("new hash %q is not argon2id", h[:10])
		}
	})
}

// TestPasswordPolicyPresets: the server applies the configured preset.
func TestPasswordPolicyPresets(t *testing.T) {
	b := storetest.Backends(t)[0]
	cases := []struct {
		name   string
		policy *password.Policy
		pw     string
		want   int
	}{
		{"sio refuses a lowercase passphrase", nil, "zielony ogrodek wiosna", http.StatusUnprocessableEntity},
		{"nist takes a lowercase passphrase", &password.PolicyNIST, "zielony ogrodek wiosna", http.StatusNoContent},
		{"nist refuses 14 characters", &password.PolicyNIST, "Zielony!Ogrod", http.StatusUnprocessableEntity},
		{"nist refuses a common password", &password.PolicyNIST, "1qaz2wsx3edc4rfv", http.StatusUnprocessableEntity},
		{"sio takes a good one", &password.PolicySIO, newPassword, http.StatusNoContent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newAccountEnv(t, b, web.Config{PasswordPolicy: tc.policy})
			c := e.mustSignIn("LWISNIEWSKI", pwLukasz)
			wantStatus(t, e.call("PUT", "/api/v1/me/password", map[string]string{"current": pwLukasz, "new": tc.pw}, c), tc.want)
		})
	}
}

// TestPasswordMaxAge: with a maximum age, an old password signs in but
// leads only to the password change until it is changed.
func TestPasswordMaxAge(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAccountEnv(t, b, web.Config{PasswordMaxAge: 90 * 24 * time.Hour})
		rec, _ := e.signIn("LWISNIEWSKI", pwLukasz)
		if decode(t, rec)["password_change_required"] != false {
			t.Fatalf("a fresh import needs a password change: %s", rec.Body)
		}
		e.clock.Advance(90 * 24 * time.Hour) // imported passwords count from the import
		rec, c := e.signIn("LWISNIEWSKI", pwLukasz)
		if decode(t, rec)["password_change_required"] != true {
			t.Fatalf("an expired password is not reported: %s", rec.Body)
		}
		wantError(t, e.call("GET", "/api/v1/me", nil, c), http.StatusForbidden, "password_expired")
		page := e.do(req{method: "GET", path: "/podmioty", cookies: []*http.Cookie{c}})
		if page.Code != http.StatusSeeOther || page.Header().Get("Location") != "/profil/haslo" {
			t.Errorf("entities page: %d %s, want a redirect to /profil/haslo", page.Code, page.Header().Get("Location"))
		}
		pw := e.do(req{method: "GET", path: "/profil/haslo", cookies: []*http.Cookie{c}})
		wantStatus(t, pw, http.StatusOK)
		if !strings.Contains(pw.Body.String(), "Twoje hasło wygasło.") {
			t.Errorf("password page does not say the password expired")
		}
		// The page form signs in to the password page.
		form := url.Values{"login": {"LWISNIEWSKI"}, "password": {pwLukasz}}
		get := e.do(req{method: "GET", path: "/logowanie"})
		form.Set("csrf", csrfOf(t, get.Body.String()))
		post := e.do(req{method: "POST", path: "/logowanie", form: form, cookies: get.Result().Cookies()})
		if post.Header().Get("Location") != "/profil/haslo" {
			t.Errorf("sign-in page sends an expired password to %q", post.Header().Get("Location"))
		}

		wantStatus(t, e.call("PUT", "/api/v1/me/password", map[string]string{"current": pwLukasz, "new": newPassword}, c), http.StatusNoContent)
		wantStatus(t, e.call("GET", "/api/v1/me", nil, c), http.StatusOK)
		e.clock.Advance(89 * 24 * time.Hour)
		if rec, _ := e.signIn("LWISNIEWSKI", newPassword); decode(t, rec)["password_change_required"] != false {
			t.Errorf("a password changed 89 days ago must still do: %s", rec.Body)
		}
	})
}

// TestContactChange: the phone changes at once; a new e-mail waits for
// the mailed code (wrong codes count, the fifth spends it, it expires after
// an hour); the old address is told; everything is audited.
func TestContactChange(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAccountEnv(t, b, web.Config{})
		c := e.mustSignIn("LWISNIEWSKI", pwLukasz)
		put := func(body map[string]any) *httpRecorder { return e.call("PUT", "/api/v1/me/contact", body, c) }

		wantError(t, put(map[string]any{"phone": "601 000 000", "password": "zle"}), http.StatusUnauthorized, "invalid_credentials")
		if m := wantError(t, put(map[string]any{"phone": "12", "password": pwLukasz}), http.StatusBadRequest, "bad_request"); m["field"] != "phone" {
			t.Errorf("bad phone: field %v", m["field"])
		}
		if m := wantError(t, put(map[string]any{"email": "nie-adres", "password": pwLukasz}), http.StatusBadRequest, "bad_request"); m["field"] != "email" {
			t.Errorf("bad e-mail: field %v", m["field"])
		}

		rec := put(map[string]any{"phone": "+48 601 000 000", "password": pwLukasz})
		wantStatus(t, rec, http.StatusOK)
		if got := decode(t, rec); got["phone"] != "+48 601 000 000" || got["email"] != emailLukasz || got["email_pending"] != nil {
			t.Errorf("after the phone change: %s", rec.Body)
		}

		const newEmail = "l.wisniewski@nowa.example.pl"
		rec = put(map[string]any{"email": newEmail, "password": pwLukasz})
		wantStatus(t, rec, http.StatusOK)
		if got := decode(t, rec); got["email"] != emailLukasz || got["email_pending"] != newEmail {
			t.Fatalf("after the e-mail change: %s", rec.Body)
		}
		code := codeIn(t, e.lastMail(newEmail))
		linkIn(t, e.lastMail(newEmail), "/potwierdz-email/")
		if acc := mustPerson(t, e.st, "LWISNIEWSKI").Person.Account; acc.Email != emailLukasz || acc.Phone != "+48 601 000 000" {
			t.Errorf("account before the code: %+v", acc)
		}

		wrongCode := "000000"
		if code == wrongCode {
			wrongCode = "111111"
		}
		m := wantError(t, e.call("POST", "/api/v1/me/contact/verify", map[string]string{"code": wrongCode}, c), http.StatusUnprocessableEntity, "invalid_code")
		if m["remaining_attempts"] != float64(4) {
			t.Errorf("wrong code: %v", m)
		}
		rec = e.call("POST", "/api/v1/me/contact/verify", map[string]string{"code": code}, c)
		wantStatus(t, rec, http.StatusOK)
		if got := decode(t, rec); got["email"] != newEmail || got["email_pending"] != nil {
			t.Errorf("after the code: %s", rec.Body)
		}
		if acc := mustPerson(t, e.st, "LWISNIEWSKI").Person.Account; acc.Email != newEmail {
			t.Errorf("account e-mail %q, want %q", acc.Email, newEmail)
		}
		notice := e.lastMail(emailLukasz)
		if !strings.Contains(notice.Text, "l***@nowa.example.pl") || strings.Contains(notice.Text, newEmail) {
			t.Errorf("notice to the old address should name the new one masked:\n%s", notice.Text)
		}
		wantError(t, e.call("POST", "/api/v1/me/contact/verify", map[string]string{"code": code}, c), http.StatusGone, "code_expired")

		// Five wrong codes spend the change; an hour spends it too.
		wantStatus(t, put(map[string]any{"email": "inny@example.pl", "password": pwLukasz}), http.StatusOK)
		for i := 1; i < jedenlogin.MaxTokenFailures; i++ {
			wantError(t, e.call("POST", "/api/v1/me/contact/verify", map[string]string{"code": "12345x"}, c), http.StatusUnprocessableEntity, "invalid_code")
		}
		wantError(t, e.call("POST", "/api/v1/me/contact/verify", map[string]string{"code": "12345x"}, c), http.StatusGone, "code_expired")
		wantError(t, e.call("POST", "/api/v1/me/contact/verify", map[string]string{"code": codeIn(t, e.lastMail("inny@example.pl"))}, c), http.StatusGone, "code_expired")

		wantStatus(t, put(map[string]any{"email": "trzeci@example.pl", "password": pwLukasz}), http.StatusOK)
		e.clock.Advance(time.Hour)
		c = e.mustSignIn("LWISNIEWSKI", pwLukasz) // the old session has idled out
		wantError(t, e.call("POST", "/api/v1/me/contact/verify", map[string]string{"code": codeIn(t, e.lastMail("trzeci@example.pl"))}, c), http.StatusGone, "code_expired")
		if got := decode(t, e.call("GET", "/api/v1/me/contact", nil, c)); got["email"] != newEmail || got["email_pending"] != nil {
			t.Errorf("contact after the expired change: %v", got)
		}

		if got := strings.Join(e.auditOutcomes(jedenlogin.AuditContactChanged), " "); !strings.HasPrefix(got, "ok pending failed ok pending failed") {
			t.Errorf("contact_changed outcomes %q", got)
		}
	})
}

// TestContactChangeByLink: the mailed link confirms the new address
// without a session; a newer change retires the older link.
func TestContactChangeByLink(t *testing.T) {
	e := newAccountEnv(t, storetest.Backends(t)[0], web.Config{})
	c := e.mustSignIn("LWISNIEWSKI", pwLukasz)
	wantStatus(t, e.call("PUT", "/api/v1/me/contact", map[string]any{"email": "stary-link@example.pl", "password": pwLukasz}, c), http.StatusOK)
	old := linkIn(t, e.lastMail("stary-link@example.pl"), "/potwierdz-email/")
	wantStatus(t, e.call("PUT", "/api/v1/me/contact", map[string]any{"email": "nowy-link@example.pl", "password": pwLukasz}, c), http.StatusOK)
	path := linkIn(t, e.lastMail("nowy-link@example.pl"), "/potwierdz-email/")

	if rec := e.do(req{method: "GET", path: old}); rec.Code != http.StatusGone {
		t.Errorf("the older link: %d, want 410", rec.Code)
	}
	get := e.do(req{method: "GET", path: path})
	wantStatus(t, get, http.StatusOK)
	if !strings.Contains(get.Body.String(), "nowy-link@example.pl") {
		t.Errorf("confirmation page does not name the address")
	}
	if acc := mustPerson(t, e.st, "LWISNIEWSKI").Person.Account; acc.Email != emailLukasz {
		t.Fatalf("GET changed the address to %s", acc.Email)
	}
	form := url.Values{"csrf": {csrfOf(t, get.Body.String())}}
	post := e.do(req{method: "POST", path: path, form: form, cookies: get.Result().Cookies()})
	wantStatus(t, post, http.StatusOK)
	if acc := mustPerson(t, e.st, "LWISNIEWSKI").Person.Account; acc.Email != "nowy-link@example.pl" {
		t.Errorf("account e-mail %q after the link", acc.Email)
	}
	if again := e.do(req{method: "POST", path: path, form: form, cookies: get.Result().Cookies()}); again.Code != http.StatusGone {
		t.Errorf("the link used twice: %d", again.Code)
	}
}
