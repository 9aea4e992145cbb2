package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"jedenlogin"
	"jedenlogin/service"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// totpCode is the code of secret at the env's clock.
func (e *env) totpCode(secret string) string {
	e.t.Helper()
	c, err := totp.GenerateCodeCustom(secret, e.clock.Now(), service.TOTPOpts)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestMFAAPI walks the API of issue 14 with an operator whom the policy
// requires a second factor: sign-in leads to enrolment only, enrolment
// returns the secret and then the recovery codes in exactly the agreed
// shape, the next sign-in owes the code and can do nothing else, a wrong
// code answers 401 with the attempts left, the right one renews the
// session with "otp" in amr, and the operator's only factor cannot be
// removed.
func TestMFAAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{MFARequired: service.MFAPolicy{Operators: true}})
		call := func(method, path string, body any, c *http.Cookie) *httpRecorder {
			t.Helper()
			return e.do(req{method: method, path: path, json: body, cookies: []*http.Cookie{c}})
		}

		rec, c := e.signIn("DAREK", pwDarek)
		body := decode(t, rec)
		if rec.Code != 200 || body["mfa_enrolment_required"] != true || body["mfa_required"] != false || fmtAny(body["amr"]) != "[pwd]" {
			t.Fatalf("operator without a factor: %d %v", rec.Code, body)
		}
		wantError(t, call("GET", "/api/v1/me", nil, c), 403, jedenlogin.CodeMFARequired)
		wantError(t, call("POST", "/api/v1/session/mfa", map[string]string{"code": "123456"}, c), 409, jedenlogin.ECONFLICT)

		rec = call("POST", "/api/v1/me/mfa/totp", nil, c)
		enrol := decode(t, rec)
		if rec.Code != 200 || fmtAny(keys(enrol)) != "[otpauth_uri secret]" || rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("POST /api/v1/me/mfa/totp: %d %v", rec.Code, enrol)
		}
		secret, uri := enrol["secret"].(string), enrol["otpauth_uri"].(string)
		if !regexp.MustCompile(`^[A-Z2-7]{32}$`).MatchString(secret) ||
			!strings.HasPrefix(uri, "otpauth://totp/localhost:DAREK?") || !strings.Contains(uri, "secret="+secret) {
			t.Errorf("secret %q, uri %q", secret, uri)
		}
		wantError(t, call("POST", "/api/v1/me/mfa/totp/confirm", map[string]string{"code": "12"}, c), 422, jedenlogin.CodeInvalidCode)
		wantError(t, call("POST", "/api/v1/me/mfa/totp/confirm", map[string]string{}, c), 400, jedenlogin.EINVALID)
		rec = call("POST", "/api/v1/me/mfa/totp/confirm", map[string]string{"code": e.totpCode(secret)}, c)
		conf := decode(t, rec)
		codes, _ := conf["recovery_codes"].([]any)
		if rec.Code != 200 || len(conf) != 1 || len(codes) != 10 {
			t.Fatalf("confirm: %d %v", rec.Code, conf)
		}
		renewed := sessionCookie(rec)
		if renewed == nil || renewed.Value == c.Value {
			t.Fatal("the enrolment did not renew the session")
		}
		wantError(t, call("GET", "/api/v1/me", nil, c), 401, jedenlogin.EUNAUTHORIZED)
		if rec := call("GET", "/api/v1/me", nil, renewed); rec.Code != 200 {
			t.Fatalf("GET /api/v1/me after enrolment: %d %s", rec.Code, rec.Body)
		}
		rec = call("GET", "/api/v1/me/mfa", nil, renewed)
		if st := decode(t, rec); rec.Code != 200 || st["totp"] != true || st["required"] != true || st["recovery_codes_left"] != 10.0 {
			t.Errorf("GET /api/v1/me/mfa: %d %v", rec.Code, st)
		}

		// The next sign-in owes the code.
		e.clock.Advance(30 * time.Second)
		rec, c = e.signIn("DAREK", pwDarek)
		body = decode(t, rec)
		if rec.Code != 200 || body["mfa_required"] != true || body["mfa_enrolment_required"] != false {
			t.Fatalf("sign-in with a factor: %d %v", rec.Code, body)
		}
		for _, r := range []struct{ method, path string }{
			{"GET", "/api/v1/me"}, {"GET", "/api/v1/consolidation"}, {"POST", "/api/v1/me/mfa/totp"},
			{"GET", "/api/v1/me/mfa"}, {"GET", "/api/v1/applications"}, {"PUT", "/api/v1/me/password"},
		} {
			wantError(t, call(r.method, r.path, map[string]string{}, c), 403, jedenlogin.CodeMFARequired)
		}
		wantError(t, call("POST", "/api/v1/applications", map[string]string{"entity_id": "SP1", "function": "pracownik"}, c), 403, jedenlogin.CodeMFARequired)
		if rec := e.do(req{method: "GET", path: "/wniosek", cookies: []*http.Cookie{c}}); rec.Code != 303 || rec.Header().Get("Location") != "/logowanie/kod" {
			t.Errorf("GET /wniosek while the code is owed: %d → %s", rec.Code, rec.Header().Get("Location"))
		}
		if rec := e.do(req{method: "GET", path: "/", cookies: []*http.Cookie{c}}); rec.Header().Get("Location") != "/logowanie/kod" {
			t.Errorf("GET / while the code is owed → %s", rec.Header().Get("Location"))
		}
		if rec := call("GET", "/api/v1/session", nil, c); rec.Code != 200 || decode(t, rec)["mfa_required"] != true {
			t.Errorf("GET /api/v1/session while the code is owed: %d %s", rec.Code, rec.Body)
		}
		body = wantError(t, call("POST", "/api/v1/session/mfa", map[string]string{"code": "000000"}, c), 401, jedenlogin.CodeInvalidCredentials)
		if body["remaining_attempts"] != 4.0 {
			t.Errorf("wrong code: %v", body)
		}
		rec = call("POST", "/api/v1/session/mfa", map[string]string{"code": e.totpCode(secret)}, c)
		body = decode(t, rec)
		if rec.Code != 200 || body["mfa_required"] != false || fmtAny(body["amr"]) != "[pwd otp]" || body["login"] != "DAREK" {
			t.Fatalf("right code: %d %v", rec.Code, body)
		}
		done := sessionCookie(rec)
		if done == nil || done.Value == c.Value {
			t.Fatal("the code did not renew the session")
		}
		if rec := call("GET", "/api/v1/me", nil, done); rec.Code != 200 {
			t.Errorf("GET /api/v1/me after the code: %d", rec.Code)
		}
		// The same code again, in a new sign-in: a replay.
		_, c2 := e.signIn("DAREK", pwDarek)
		wantError(t, call("POST", "/api/v1/session/mfa", map[string]string{"code": e.totpCode(secret)}, c2), 401, jedenlogin.CodeInvalidCredentials)
		// A recovery code works once.
		rc := codes[0].(string)
		if rec := call("POST", "/api/v1/session/mfa", map[string]string{"code": rc}, c2); rec.Code != 200 {
			t.Fatalf("recovery code: %d %s", rec.Code, rec.Body)
		}
		_, c3 := e.signIn("DAREK", pwDarek)
		wantError(t, call("POST", "/api/v1/session/mfa", map[string]string{"code": rc}, c3), 401, jedenlogin.CodeInvalidCredentials)

		// The operator's only factor stays.
		wantError(t, call("DELETE", "/api/v1/me/mfa/totp", map[string]string{"password": "zle"}, done), 401, jedenlogin.CodeInvalidCredentials)
		wantError(t, call("DELETE", "/api/v1/me/mfa/totp", map[string]string{"password": pwDarek}, done), 409, jedenlogin.ECONFLICT)
		if n := len(e.audit(jedenlogin.AuditMFAUsed)); n != 2 {
			t.Errorf("%d mfa_used events, want 2", n)
		}
	})
}

// TestMFAAPIBlocked: 20 wrong codes in parallel over HTTP — exactly 5
// checked (4 answers 401, then 429 with Retry-After).
func TestMFAAPIBlocked(t *testing.T) {
	e := newEnv(t, storetest.Backends(t)[0], web.Config{})
	_, c := e.signIn("FILIP", pwFilip)
	rec := e.do(req{method: "POST", path: "/api/v1/me/mfa/totp", cookies: []*http.Cookie{c}})
	secret := decode(t, rec)["secret"].(string)
	rec = e.do(req{method: "POST", path: "/api/v1/me/mfa/totp/confirm", json: map[string]string{"code": e.totpCode(secret)}, cookies: []*http.Cookie{c}})
	if rec.Code != 200 {
		t.Fatalf("confirm: %d %s", rec.Code, rec.Body)
	}
	_, c = e.signIn("FILIP", pwFilip)
	statuses := make(chan int, 20)
	for range 20 {
		go func() {
			rec := e.do(req{method: "POST", path: "/api/v1/session/mfa", json: map[string]string{"code": "999999"}, cookies: []*http.Cookie{c}})
			if rec.Code == 429 && rec.Header().Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			statuses <- rec.Code
		}()
	}
	count := map[int]int{}
	for range 20 {
		count[<-statuses]++
	}
	checked := 0
	for _, ev := range e.audit(jedenlogin.AuditSignInFailed) {
		if strings.Contains(ev.Details, `"wrong_code"`) {
			checked++
		}
	}
	if count[401] != 4 || count[429] != 16 || checked != 5 {
		t.Errorf("statuses %v, %d codes checked; want 4×401, 16×429, 5 checked", count, checked)
	}
}

// TestMFAPages: the profile's "Weryfikacja dwuetapowa" enrols with a QR code
// drawn inline and the secret as text, shows the recovery codes once; the
// sign-in's second step "Kod weryfikacyjny" takes a code and goes on.
func TestMFAPages(t *testing.T) {
	e := newEnv(t, storetest.Backends(t)[0], web.Config{MFARequired: service.MFAPolicy{Operators: true}})
	br := e.browser()
	signInBrowser(t, br, "DAREK", pwDarek)
	rec := br.get("/podmioty")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/profil/weryfikacja-dwuetapowa" {
		t.Fatalf("an operator without a factor: %d → %s", rec.Code, rec.Header().Get("Location"))
	}
	body := page(t, br.get("/profil/weryfikacja-dwuetapowa"), 200, "Weryfikacja dwuetapowa")
	if !strings.Contains(body, "Twoje konto wymaga weryfikacji dwuetapowej") {
		t.Error("no notice that the account requires a second factor")
	}
	rec = br.post("/profil/weryfikacja-dwuetapowa/totp", url.Values{"csrf": {csrfOf(t, body)}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("begin: %d %s", rec.Code, rec.Body)
	}
	body = page(t, br.get("/profil/weryfikacja-dwuetapowa"), 200, "Weryfikacja dwuetapowa")
	m := regexp.MustCompile(`<code class="secret" id="sekret">([A-Z2-7]+)</code>`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `<svg class="qr"`) || !strings.Contains(body, `role="img" aria-label="Kod QR`) {
		t.Fatalf("no QR code or secret:\n%s", body)
	}
	secret := m[1]
	body = page(t, br.post("/profil/weryfikacja-dwuetapowa/totp/potwierdz", url.Values{"csrf": {csrfOf(t, body)}, "code": {"000000"}}), 422, "Weryfikacja dwuetapowa")
	if !strings.Contains(body, "Kod weryfikacyjny jest nieprawidłowy") || !strings.Contains(body, `aria-invalid="true"`) {
		t.Error("wrong code not shown on its field")
	}
	body = page(t, br.post("/profil/weryfikacja-dwuetapowa/totp/potwierdz", url.Values{"csrf": {csrfOf(t, body)}, "code": {e.totpCode(secret)}}), 200, "Weryfikacja dwuetapowa")
	if n := strings.Count(body, "<li><code>"); n != 10 || !strings.Contains(body, `href="/podmioty"`) {
		t.Errorf("%d recovery codes shown, or no way on:\n%s", n, body)
	}
	if rec := br.get("/podmioty"); rec.Code != 200 {
		t.Errorf("after enrolment /podmioty: %d", rec.Code)
	}
	body = page(t, br.get("/profil/weryfikacja-dwuetapowa"), 200, "Weryfikacja dwuetapowa")
	if strings.Contains(body, "<li><code>") || !strings.Contains(body, "Aplikacja uwierzytelniająca jest włączona") {
		t.Error("the recovery codes were shown again, or the state is wrong")
	}

	// Sign in again: the second step.
	e.clock.Advance(30 * time.Second)
	br2 := e.browser()
	get := br2.get("/logowanie")
	rec = br2.post("/logowanie", url.Values{"csrf": {csrfOf(t, get.Body.String())}, "login": {"DAREK"}, "password": {pwDarek}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/logowanie/kod" {
		t.Fatalf("sign-in with a factor: %d → %s", rec.Code, rec.Header().Get("Location"))
	}
	if rec := br2.get("/profil"); rec.Header().Get("Location") != "/logowanie/kod" {
		t.Errorf("/profil while the code is owed → %q", rec.Header().Get("Location"))
	}
	body = page(t, br2.get("/logowanie/kod"), 200, "Kod weryfikacyjny")
	if !strings.Contains(body, `autocomplete="one-time-code"`) || strings.Contains(body, `href="/podmioty"`) {
		t.Error("the code page lacks autocomplete or shows the navigation")
	}
	body = page(t, br2.post("/logowanie/kod", url.Values{"csrf": {csrfOf(t, body)}, "code": {"111111"}}), 401, "Kod weryfikacyjny")
	if !strings.Contains(body, "pozostały 4 próby logowania") {
		t.Errorf("no attempts left shown:\n%s", body)
	}
	rec = br2.post("/logowanie/kod", url.Values{"csrf": {csrfOf(t, body)}, "code": {e.totpCode(secret)}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/podmioty" {
		t.Fatalf("right code: %d → %s\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	if rec := br2.get("/podmioty"); rec.Code != 200 {
		t.Errorf("after the code /podmioty: %d", rec.Code)
	}
}

// TestPasskeyAPIShapes: the registration options name the relying party
// (the public URL's host) and carry a challenge; an answer that is not a
// valid credential is refused (422), and at sign-in counted like a wrong
// code (401 with the attempts left). The browser test registers and uses a
// real (virtual) passkey.
func TestPasskeyAPIShapes(t *testing.T) {
	e := newEnv(t, storetest.Backends(t)[0], web.Config{PublicURL: "https://konto.example.pl"})
	_, c := e.signIn("FILIP", pwFilip)
	call := func(method, path string, body any, c *http.Cookie) *httpRecorder {
		t.Helper()
		return e.do(req{method: method, path: path, json: body, cookies: []*http.Cookie{c}})
	}
	rec := call("POST", "/api/v1/me/mfa/passkeys/options", nil, c)
	opts := decode(t, rec)
	pk, _ := opts["publicKey"].(map[string]any)
	rp, _ := pk["rp"].(map[string]any)
	user, _ := pk["user"].(map[string]any)
	if rec.Code != 200 || rp["id"] != "konto.example.pl" || pk["challenge"] == "" || user["name"] != "FILIP" {
		t.Fatalf("registration options: %d %v", rec.Code, opts)
	}
	wantError(t, call("POST", "/api/v1/me/mfa/passkeys", map[string]any{"credential": map[string]any{}}, c), 400, jedenlogin.EINVALID)
	wantError(t, call("POST", "/api/v1/me/mfa/passkeys", map[string]any{"name": "Klucz", "credential": map[string]any{"id": "x"}}, c), 422, jedenlogin.CodeInvalidCode)
	wantError(t, call("DELETE", "/api/v1/me/mfa/passkeys/AAAA", nil, c), 404, jedenlogin.ENOTFOUND)

	// A person with a TOTP only is offered no passkey at sign-in.
	secret := decode(t, call("POST", "/api/v1/me/mfa/totp", nil, c))["secret"].(string)
	if rec := call("POST", "/api/v1/me/mfa/totp/confirm", map[string]string{"code": e.totpCode(secret)}, c); rec.Code != 200 {
		t.Fatalf("confirm: %d", rec.Code)
	}
	_, c = e.signIn("FILIP", pwFilip)
	wantError(t, call("POST", "/api/v1/session/mfa/passkey/options", nil, c), 409, jedenlogin.ECONFLICT)
	body := wantError(t, call("POST", "/api/v1/session/mfa/passkey", map[string]any{"credential": map[string]any{"id": "x"}}, c), 401, jedenlogin.CodeInvalidCredentials)
	if body["remaining_attempts"] != 4.0 {
		t.Errorf("a bad passkey answer: %v", body)
	}
}

// TestMFAAdminReset: an operator resets another person's factors over the
// API (audited as the operator); others may not.
func TestMFAAdminReset(t *testing.T) {
	e := newEnv(t, storetest.Backends(t)[0], web.Config{})
	call := func(method, path string, body any, c *http.Cookie) *httpRecorder {
		t.Helper()
		return e.do(req{method: method, path: path, json: body, cookies: []*http.Cookie{c}})
	}
	_, filip := e.signIn("FILIP", pwFilip)
	secret := decode(t, call("POST", "/api/v1/me/mfa/totp", nil, filip))["secret"].(string)
	if rec := call("POST", "/api/v1/me/mfa/totp/confirm", map[string]string{"code": e.totpCode(secret)}, filip); rec.Code != 200 {
		t.Fatalf("confirm: %d", rec.Code)
	}
	_, darek := e.signIn("DAREK", pwDarek)
	wantError(t, call("POST", "/api/v1/admin/mfa/reset", map[string]string{"login": "FILIP"}, darek), 400, jedenlogin.EINVALID)
	wantError(t, call("POST", "/api/v1/admin/mfa/reset", map[string]string{"login": "NIKT", "reason": "x"}, darek), 404, jedenlogin.ENOTFOUND)
	wantError(t, call("POST", "/api/v1/admin/mfa/reset", map[string]string{"login": "FILIP", "reason": strings.Repeat("x", service.MaxReasonLength+1)}, darek), 400, jedenlogin.EINVALID)
	if rec := call("POST", "/api/v1/admin/mfa/reset", map[string]string{"login": "FILIP", "reason": "zgubiony telefon"}, darek); rec.Code != 204 {
		t.Fatalf("reset: %d %s", rec.Code, rec.Body)
	}
	evs := e.audit(jedenlogin.AuditMFAChanged)
	if len(evs) == 0 || evs[0].Actor != "operator:DAREK" || evs[0].Outcome != "reset" || evs[0].Address != "192.0.2.10" ||
		!strings.Contains(evs[0].Details, `"reason":"zgubiony telefon"`) {
		t.Errorf("audit: %+v", evs)
	}
	rec, c := e.signIn("FILIP", pwFilip)
	if decode(t, rec)["mfa_required"] != false {
		t.Error("after the reset the sign-in still owes a code")
	}
	wantError(t, call("POST", "/api/v1/admin/mfa/reset", map[string]string{"login": "DAREK", "reason": "x"}, c), 403, jedenlogin.EFORBIDDEN)
}
