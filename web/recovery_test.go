package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

func lukaszLoginRecovery() map[string]string {
	return map[string]string{"first_name": "Łukasz", "second_name": "Maria", "last_name": "Wiśniewski", "pesel": peselLukasz, "email": emailLukasz}
}

func lukaszPasswordRecovery() map[string]string {
	return map[string]string{"login": "LWISNIEWSKI", "first_name": "Łukasz", "last_name": "Wiśniewski", "pesel": peselLukasz, "email": emailLukasz}
}

func with(m map[string]string, k, v string) map[string]string {
	c := map[string]string{}
	for a, b := range m {
		c[a] = b
	}
	c[k] = v
	return c
}

// TestLoginRecovery: "Odzyskaj login" end to end through the mailed link —
// the right data, a wrong PESEL on the link's page, reuse, expiry, and
// data that do not match.
func TestLoginRecovery(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAccountEnv(t, b, web.Config{})

		rec := e.call("POST", "/api/v1/recovery/login", lukaszLoginRecovery(), nil)
		wantStatus(t, rec, http.StatusAccepted)
		m := e.lastMail(emailLukasz)
		if m.Subject == "" || !strings.Contains(m.Text, "1 godzin") {
			t.Errorf("login recovery mail lacks subject or validity:\n%s", m.Text)
		}
		path := linkIn(t, m, "/odzyskaj-login/")
		token := strings.TrimPrefix(path, "/odzyskaj-login/")

		// The link's page asks for the PESEL and shows nothing else.
		page := e.do(req{method: "GET", path: path})
		wantStatus(t, page, http.StatusOK)
		if strings.Contains(page.Body.String(), "LWISNIEWSKI") {
			t.Errorf("the link's page shows the login before the PESEL is entered")
		}

		// A wrong PESEL reveals nothing and does not spend the link.
		wrong := e.call("POST", "/api/v1/recovery/login/"+token, map[string]string{"pesel": peselZofia}, nil)
		body := wantError(t, wrong, http.StatusUnprocessableEntity, "pesel_mismatch")
		if body["remaining_attempts"] != float64(4) || strings.Contains(wrong.Body.String(), "LWISNIEWSKI") {
			t.Errorf("wrong PESEL answer: %s", wrong.Body)
		}

		ok := e.call("POST", "/api/v1/recovery/login/"+token, map[string]string{"pesel": peselLukasz}, nil)
		wantStatus(t, ok, http.StatusOK)
		if got := decode(t, ok); got["login"] != "LWISNIEWSKI" || got["consolidation_required"] != false {
			t.Errorf("recovered: %s, want LWISNIEWSKI", ok.Body)
		}

		// Used once: gone, on the API and on the page.
		again := e.call("POST", "/api/v1/recovery/login/"+token, map[string]string{"pesel": peselLukasz}, nil)
		if m := wantError(t, again, http.StatusGone, "link_expired"); m["message"] != "Link do odzyskania loginu wygasł." {
			t.Errorf("reuse message %q", m["message"])
		}
		page = e.do(req{method: "GET", path: path})
		wantStatus(t, page, http.StatusGone)
		if !strings.Contains(page.Body.String(), "Link do odzyskania loginu wygasł.") || !strings.Contains(page.Body.String(), "Przejdź do strony odzyskania loginu") {
			t.Errorf("expired link page lacks the known wording:\n%s", page.Body)
		}

		// Expiry: a new link, opened after an hour.
		wantStatus(t, e.call("POST", "/api/v1/recovery/login", lukaszLoginRecovery(), nil), http.StatusAccepted)
		late := linkIn(t, e.lastMail(emailLukasz), "/odzyskaj-login/")
		e.clock.Advance(time.Hour + time.Minute) // also past the per-target window
		wantError(t, e.call("POST", "/api/v1/recovery/login/"+strings.TrimPrefix(late, "/odzyskaj-login/"), map[string]string{"pesel": peselLukasz}, nil),
			http.StatusGone, "link_expired")

		// Data that do not match send nothing.
		before := len(e.mails(emailLukasz))
		for _, tc := range []struct {
			name string
			data map[string]string
		}{
			{"other second name", with(lukaszLoginRecovery(), "second_name", "")},
			{"other e-mail", with(lukaszLoginRecovery(), "email", "ktos@example.pl")},
			{"other PESEL", with(lukaszLoginRecovery(), "pesel", peselZofia)},
		} {
			wantStatus(t, e.call("POST", "/api/v1/recovery/login", tc.data, nil), http.StatusAccepted)
			if n := len(e.mails(emailLukasz)); n != before {
				t.Errorf("%s: a mail was sent", tc.name)
			}
		}
		if got := e.mails("ktos@example.pl"); len(got) != 0 {
			t.Errorf("mail went to an address not on record")
		}
		outcomes := strings.Join(e.auditOutcomes(jedenlogin.AuditRecoveryRequested), " ")
		if outcomes != "sent sent no_match no_match no_match" {
			t.Errorf("recovery audit outcomes %q", outcomes)
		}
		if got := e.auditOutcomes(jedenlogin.AuditLoginRecovered); strings.Join(got, " ") != "failed ok" {
			t.Errorf("login_recovered audit outcomes %v, want failed ok", got)
		}
		for _, ev := range e.audit(jedenlogin.AuditRecoveryRequested) {
			if strings.Contains(ev.Details+ev.Subject, peselLukasz) {
				t.Errorf("the PESEL reached the audit log: %+v", ev)
			}
		}
	})
}

// TestLoginRecoveryPending: before the transition the link shows every
// active login; the fifth wrong PESEL spends the link.
func TestLoginRecoveryPending(t *testing.T) {
	e := newAccountEnv(t, storetest.Backends(t)[0], web.Config{})
	data := map[string]string{"first_name": "zofia", "last_name": "KOWAL", "pesel": peselZofia, "email": "Zofia@SP2.example.pl"}
	wantStatus(t, e.call("POST", "/api/v1/recovery/login", data, nil), http.StatusAccepted)
	token := strings.TrimPrefix(linkIn(t, e.lastMail(emailZofia), "/odzyskaj-login/"), "/odzyskaj-login/")
	ok := e.call("POST", "/api/v1/recovery/login/"+token, map[string]string{"pesel": peselZofia}, nil)
	wantStatus(t, ok, http.StatusOK)
	got := decode(t, ok)
	if got["login"] != "ZKOWAL" || fmtAny(got["logins"]) != "[ZKOWAL zofia.k]" || got["consolidation_required"] != true {
		t.Errorf("pending person's recovery: %s", ok.Body)
	}

	wantStatus(t, e.call("POST", "/api/v1/recovery/login", data, nil), http.StatusAccepted)
	token = strings.TrimPrefix(linkIn(t, e.lastMail(emailZofia), "/odzyskaj-login/"), "/odzyskaj-login/")
	for i := 1; i <= jedenlogin.MaxTokenFailures; i++ {
		rec := e.call("POST", "/api/v1/recovery/login/"+token, map[string]string{"pesel": peselLukasz}, nil)
		if i < jedenlogin.MaxTokenFailures {
			wantError(t, rec, http.StatusUnprocessableEntity, "pesel_mismatch")
		} else {
			wantError(t, rec, http.StatusGone, "link_expired")
		}
	}
	wantError(t, e.call("POST", "/api/v1/recovery/login/"+token, map[string]string{"pesel": peselZofia}, nil), http.StatusGone, "link_expired")
}

// TestPasswordRecovery: "Nie pamiętasz hasła?" end to end: the policy
// applies on the link, the link sets the password once, every session
// ends, a notice is mailed, reuse and expiry answer 410, mismatched data
// send nothing.
func TestPasswordRecovery(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAccountEnv(t, b, web.Config{})
		c1 := e.mustSignIn("LWISNIEWSKI", pwLukasz)

		wantStatus(t, e.call("POST", "/api/v1/recovery/password", lukaszPasswordRecovery(), nil), http.StatusAccepted)
		m := e.lastMail(emailLukasz)
		if !strings.Contains(m.Text, "LWISNIEWSKI") {
			t.Errorf("reset mail does not name the login:\n%s", m.Text)
		}
		path := linkIn(t, m, "/reset-hasla/")
		api := "/api/v1/recovery/password/" + strings.TrimPrefix(path, "/reset-hasla/")

		weak := e.call("POST", api, map[string]string{"new_password": "Lukasz!Wisniewski!X"}, nil)
		body := wantError(t, weak, http.StatusUnprocessableEntity, "weak_password")
		if !strings.Contains(fmtAny(body["reasons"]), "contains_name") {
			t.Errorf("reasons %v lack contains_name", body["reasons"])
		}
		wantStatus(t, e.call("POST", api, map[string]string{"new_password": newPassword}, nil), http.StatusNoContent)

		// Every session ended; the old password is gone, the new one works.
		wantError(t, e.call("GET", "/api/v1/me", nil, c1), http.StatusUnauthorized, "unauthenticated")
		if rec, _ := e.signIn("LWISNIEWSKI", pwLukasz); rec.Code != http.StatusUnauthorized {
			t.Errorf("old password still signs in: %d", rec.Code)
		}
		e.mustSignIn("LWISNIEWSKI", newPassword)
		if l := mustLogin(t, e.st, "LWISNIEWSKI"); l.PasswordChangedAt == nil || !l.PasswordChangedAt.Equal(start) {
			t.Errorf("PasswordChangedAt = %v, want %v", l.PasswordChangedAt, start)
		}
		notice := e.lastMail(emailLukasz)
		if notice.Subject == m.Subject || !strings.Contains(notice.Text, "LWISNIEWSKI") {
			t.Errorf("no password-changed notice after the reset: %q", notice.Subject)
		}
		if evs := e.audit(jedenlogin.AuditPasswordChanged); len(evs) != 1 || !strings.Contains(evs[0].Details, `"via":"reset"`) {
			t.Errorf("password_changed audit: %+v", evs)
		}

		// Single use.
		wantError(t, e.call("POST", api, map[string]string{"new_password": newPassword + "X"}, nil), http.StatusGone, "link_expired")
		if page := e.do(req{method: "GET", path: path}); page.Code != http.StatusGone {
			t.Errorf("used link's page: %d, want 410", page.Code)
		}

		// A newer request retires the older link; an hour later the newest is gone too.
		wantStatus(t, e.call("POST", "/api/v1/recovery/password", lukaszPasswordRecovery(), nil), http.StatusAccepted)
		first := linkIn(t, e.lastMail(emailLukasz), "/reset-hasla/")
		e.clock.Advance(time.Minute)
		wantStatus(t, e.call("POST", "/api/v1/recovery/password", lukaszPasswordRecovery(), nil), http.StatusAccepted)
		second := linkIn(t, e.lastMail(emailLukasz), "/reset-hasla/")
		if first == second {
			t.Fatal("two requests mailed the same link")
		}
		wantError(t, e.call("POST", "/api/v1/recovery/password/"+strings.TrimPrefix(first, "/reset-hasla/"), map[string]string{"new_password": newPassword + "Y"}, nil),
			http.StatusGone, "link_expired")
		e.clock.Advance(time.Hour)
		wantError(t, e.call("POST", "/api/v1/recovery/password/"+strings.TrimPrefix(second, "/reset-hasla/"), map[string]string{"new_password": newPassword + "Y"}, nil),
			http.StatusGone, "link_expired")

		// Mismatched data: nothing is sent.
		e.clock.Advance(time.Hour) // past the target limit's window
		before := len(e.mails(emailLukasz))
		cases := []struct {
			name string
			data map[string]string
		}{
			{"login in other case", with(lukaszPasswordRecovery(), "login", "lwisniewski")},
			{"other last name", with(lukaszPasswordRecovery(), "last_name", "Kowal")},
			{"other PESEL", with(lukaszPasswordRecovery(), "pesel", peselZofia)},
			{"other e-mail", with(lukaszPasswordRecovery(), "email", emailZofia)},
			{"unknown login", with(lukaszPasswordRecovery(), "login", "NIKT")},
		}
		for _, tc := range cases {
			wantStatus(t, e.call("POST", "/api/v1/recovery/password", tc.data, nil), http.StatusAccepted)
			if n := len(e.mails(emailLukasz)) + len(e.mails(emailZofia)); n != before {
				t.Errorf("%s: a mail was sent", tc.name)
			}
		}
	})
}

// TestPasswordResetUnblocks: a reset clears the failure counter of a
// blocked login, so the person can sign in at once.
func TestPasswordResetUnblocks(t *testing.T) {
	e := newAccountEnv(t, storetest.Backends(t)[0], web.Config{})
	for range 5 {
		e.signIn("LWISNIEWSKI", "zle-haslo")
	}
	if rec, _ := e.signIn("LWISNIEWSKI", pwLukasz); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("not blocked after 5 failures: %d", rec.Code)
	}
	wantStatus(t, e.call("POST", "/api/v1/recovery/password", lukaszPasswordRecovery(), nil), http.StatusAccepted)
	path := linkIn(t, e.lastMail(emailLukasz), "/reset-hasla/")
	wantStatus(t, e.call("POST", "/api/v1/recovery/password/"+strings.TrimPrefix(path, "/reset-hasla/"), map[string]string{"new_password": newPassword}, nil), http.StatusNoContent)
	e.mustSignIn("LWISNIEWSKI", newPassword)
}

// gatedStore holds every recovery lookup until the gate opens, to prove
// that the answer never waits for one.
type gatedStore struct {
	jedenlogin.Store
	gate    chan struct{}
	mu      sync.Mutex
	lookups int
}

func (g *gatedStore) wait() {
	<-g.gate
	g.mu.Lock()
	g.lookups++
	g.mu.Unlock()
}

func (g *gatedStore) PersonByKey(ctx context.Context, key string) (*jedenlogin.PersonRecord, error) {
	g.wait()
	return g.Store.PersonByKey(ctx, key)
}

func (g *gatedStore) LoginByName(ctx context.Context, name string) (*jedenlogin.Login, error) {
	if strings.HasPrefix(name, "LW") || name == "NIKT" {
		g.wait()
	}
	return g.Store.LoginByName(ctx, name)
}

// TestRecoveryAnswersAlike: matching and non-matching requests get
// byte-identical answers, given before any lookup has run (so their timing
// cannot depend on the data either); the lookups happen afterwards.
func TestRecoveryAnswersAlike(t *testing.T) {
	b := storetest.Backends(t)[0]
	e := newAccountEnv(t, b, web.Config{})
	g := &gatedStore{Store: e.st, gate: make(chan struct{})}
	srv, err := web.New(web.Config{Store: g, Hasher: hasher, Logger: discardLogger(), Now: e.clock.Now, Mailer: mustOutbox(t, e.outbox), PublicURL: publicURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	e.h = srv.Handler()
	e.srv = srv

	cases := []struct {
		name, path string
		data       map[string]string
		match      bool
	}{
		{"login: matching", "/api/v1/recovery/login", lukaszLoginRecovery(), true},
		{"login: wrong e-mail", "/api/v1/recovery/login", with(lukaszLoginRecovery(), "email", "x@example.pl"), false},
		{"login: unknown PESEL", "/api/v1/recovery/login", with(lukaszLoginRecovery(), "pesel", "90010111119"), false},
		{"password: matching", "/api/v1/recovery/password", lukaszPasswordRecovery(), true},
		{"password: wrong name", "/api/v1/recovery/password", with(lukaszPasswordRecovery(), "first_name", "Jan"), false},
		{"password: unknown login", "/api/v1/recovery/password", with(lukaszPasswordRecovery(), "login", "NIKT"), false},
	}
	first := map[string]string{} // path → the first answer
	for _, tc := range cases {
		rec := e.call("POST", tc.path, tc.data, nil)
		wantStatus(t, rec, http.StatusAccepted)
		answer := rec.Header().Get("Content-Type") + " " + rec.Body.String()
		if prev, ok := first[tc.path]; ok && prev != answer {
			t.Errorf("%s: answer %q differs from %q", tc.name, answer, prev)
		}
		first[tc.path] = answer
		for _, h := range []string{"Set-Cookie", "Retry-After"} {
			if v := rec.Header().Get(h); v != "" {
				t.Errorf("%s: header %s: %s", tc.name, h, v)
			}
		}
	}
	g.mu.Lock()
	if g.lookups != 0 {
		t.Errorf("%d lookups ran before the answers", g.lookups)
	}
	g.mu.Unlock()
	close(g.gate)
	srv.Flush()
	if g.lookups != len(cases) {
		t.Errorf("%d lookups ran after the answers, want %d", g.lookups, len(cases))
	}
	if n := len(e.mails(emailLukasz)); n != 2 {
		t.Errorf("%d mails to the person, want 2 (one per matching request)", n)
	}

	// The pages answer alike too.
	pages := map[string]string{}
	for _, tc := range cases {
		get := e.do(req{method: "GET", path: pagePath(tc.path)})
		form := url.Values{"csrf": {csrfOf(t, get.Body.String())}}
		for k, v := range tc.data {
			form.Set(k, v)
		}
		rec := e.do(req{method: "POST", path: pagePath(tc.path), form: form, cookies: get.Result().Cookies()})
		wantStatus(t, rec, http.StatusOK)
		body := strings.ReplaceAll(rec.Body.String(), form.Get("csrf"), "CSRF")
		if prev, ok := pages[tc.path]; ok && prev != body {
			t.Errorf("%s: the page differs from the first one's", tc.name)
		}
		pages[tc.path] = body
	}
	if !strings.Contains(pages["/api/v1/recovery/password"], "Zgłoszenie resetu hasła zostało wysłane poprawnie.") {
		t.Errorf("password recovery page lacks the known answer")
	}
}

func pagePath(api string) string {
	if strings.HasSuffix(api, "/login") {
		return "/odzyskaj-login"
	}
	return "/nie-pamietam-hasla"
}

// TestRecoveryLimits: over the per-address limit the forms answer 429 for
// that address only; over the per-target limit they answer alike but send
// nothing more.
func TestRecoveryLimits(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAccountEnv(t, b, web.Config{})
		data := lukaszLoginRecovery()
		for i := 1; i <= 5; i++ {
			wantStatus(t, e.call("POST", "/api/v1/recovery/login", data, nil), http.StatusAccepted)
		}
		if n := len(e.mails(emailLukasz)); n != 3 {
			t.Errorf("%d mails for 5 requests about one person, want 3 (the per-target limit)", n)
		}
		outcomes := e.auditOutcomes(jedenlogin.AuditRecoveryRequested)
		slices.Sort(outcomes) // the background workers finish in any order
		if got := strings.Join(outcomes, " "); got != "sent sent sent throttled throttled" {
			t.Errorf("audit outcomes %q", got)
		}
		// The address: 20 requests an hour, any target.
		for i := 6; i <= 20; i++ {
			wantStatus(t, e.call("POST", "/api/v1/recovery/password", with(lukaszPasswordRecovery(), "login", "NIKT"), nil), http.StatusAccepted)
		}
		rec := e.call("POST", "/api/v1/recovery/password", lukaszPasswordRecovery(), nil)
		wantError(t, rec, http.StatusTooManyRequests, "too_many_attempts")
		if rec.Header().Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After")
		}
		other := e.do(req{method: "POST", path: "/api/v1/recovery/password", json: lukaszPasswordRecovery(), addr: "198.51.100.7:1234"})
		wantStatus(t, other, http.StatusAccepted)
		e.clock.Advance(time.Hour)
		wantStatus(t, e.call("POST", "/api/v1/recovery/password", lukaszPasswordRecovery(), nil), http.StatusAccepted)
	})
}

// TestRecoveryValidation: malformed forms are refused for their form alone.
func TestRecoveryValidation(t *testing.T) {
	e := newAccountEnv(t, storetest.Backends(t)[0], web.Config{})
	cases := []struct {
		name, path string
		data       map[string]string
		field      string
	}{
		{"missing PESEL", "/api/v1/recovery/login", with(lukaszLoginRecovery(), "pesel", ""), "pesel"},
		{"PESEL with a wrong check digit", "/api/v1/recovery/login", with(lukaszLoginRecovery(), "pesel", "79031512344"), "pesel"},
		{"malformed e-mail", "/api/v1/recovery/login", with(lukaszLoginRecovery(), "email", "lukasz"), "email"},
		{"missing login", "/api/v1/recovery/password", with(lukaszPasswordRecovery(), "login", " "), "login"},
		{"missing first name", "/api/v1/recovery/password", with(lukaszPasswordRecovery(), "first_name", ""), "first_name"},
		{"huge last name", "/api/v1/recovery/password", with(lukaszPasswordRecovery(), "last_name", strings.Repeat("x", 300)), "last_name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := wantError(t, e.call("POST", tc.path, tc.data, nil), http.StatusBadRequest, "bad_request")
			if m["field"] != tc.field {
				t.Errorf("field %v, want %s", m["field"], tc.field)
			}
		})
	}
	if n := len(e.mails(emailLukasz)); n != 0 {
		t.Errorf("malformed requests sent %d mails", n)
	}
}
