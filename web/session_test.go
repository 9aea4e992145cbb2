package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

func TestSessionRenewedAtSignIn(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		first := e.mustSignIn("DAREK", pwDarek)
		rec := e.do(req{method: "POST", path: "/api/v1/session", cookies: []*http.Cookie{first},
			json: map[string]string{"login": "DAREK", "password": pwDarek}})
		second := sessionCookie(rec)
		if rec.Code != 200 || second == nil || second.Value == first.Value {
			t.Fatalf("second sign-in: %d, cookie %v", rec.Code, second)
		}
		wantError(t, e.get(first, "/api/v1/me"), 401, "unauthenticated")
		if rec := e.get(second, "/api/v1/me"); rec.Code != 200 {
			t.Errorf("new session: %d", rec.Code)
		}
		// The store keeps only the hash of the id.
		if _, err := e.st.Session(context.Background(), second.Value); err == nil {
			t.Errorf("the store finds a session by its raw id")
		}
		if len(second.Value) < 43 {
			t.Errorf("session id %q shorter than 256 bits", second.Value)
		}
	})
}

func TestSessionTimeouts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		t.Run("idle", func(t *testing.T) {
			c := e.mustSignIn("DAREK", pwDarek)
			e.clock.Advance(9 * time.Minute)
			if rec := e.get(c, "/api/v1/me"); rec.Code != 200 { // activity restarts the idle timer
				t.Fatalf("after 9 min: %d", rec.Code)
			}
			e.clock.Advance(9 * time.Minute)
			// The status probe does not count as activity.
			info := e.get(c, "/api/v1/session")
			if info.Code != 200 || decode(t, info)["idle_seconds_left"] != float64(60) {
				t.Fatalf("session info: %d %s", info.Code, info.Body)
			}
			e.clock.Advance(time.Minute)
			m := wantError(t, e.get(c, "/api/v1/me"), 401, "unauthenticated")
			if !strings.Contains(m["message"].(string), "Sesja wygasła") {
				t.Errorf("message = %q", m["message"])
			}
			// Pages send the user to sign in, with a notice.
			rec := e.get(c, "/podmioty")
			if rec.Code != 401 && rec.Code != http.StatusSeeOther {
				t.Fatalf("page: %d", rec.Code)
			}
		})
		t.Run("idle page redirect", func(t *testing.T) {
			c := e.mustSignIn("DAREK", pwDarek)
			e.clock.Advance(10 * time.Minute)
			rec := e.get(c, "/podmioty")
			if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/logowanie?sesja=wygasla" {
				t.Fatalf("page after idle timeout: %d %s", rec.Code, rec.Header().Get("Location"))
			}
			page := e.get(nil, "/logowanie?sesja=wygasla").Body.String()
			if !strings.Contains(page, "Sesja wygasła") || !strings.Contains(page, `role="alert"`) {
				t.Errorf("sign-in page lacks the expiry notice")
			}
		})
		t.Run("extend", func(t *testing.T) {
			c := e.mustSignIn("DAREK", pwDarek)
			for range 4 {
				e.clock.Advance(8 * time.Minute)
				rec := e.do(req{method: "POST", path: "/api/v1/session/refresh", cookies: []*http.Cookie{c}})
				if rec.Code != 200 {
					t.Fatalf("refresh: %d %s", rec.Code, rec.Body)
				}
			}
		})
		t.Run("absolute", func(t *testing.T) {
			c := e.mustSignIn("DAREK", pwDarek)
			for elapsed := time.Duration(0); elapsed < 12*time.Hour-5*time.Minute; elapsed += 5 * time.Minute {
				e.clock.Advance(5 * time.Minute)
				if rec := e.get(c, "/api/v1/me"); rec.Code != 200 {
					t.Fatalf("active session ended after %v", elapsed+5*time.Minute)
				}
			}
			e.clock.Advance(5 * time.Minute)
			wantError(t, e.get(c, "/api/v1/me"), 401, "unauthenticated")
		})
	})
}

func TestSessionCustomTimeouts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{IdleTimeout: time.Minute, AbsoluteTimeout: 3 * time.Minute})
		c := e.mustSignIn("DAREK", pwDarek)
		e.clock.Advance(59 * time.Second)
		if rec := e.get(c, "/api/v1/me"); rec.Code != 200 {
			t.Fatalf("within the idle timeout: %d", rec.Code)
		}
		e.clock.Advance(time.Minute)
		wantError(t, e.get(c, "/api/v1/me"), 401, "unauthenticated")
	})
}

func TestSignOut(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		c := e.mustSignIn("DAREK", pwDarek)
		rec := e.do(req{method: "DELETE", path: "/api/v1/session", cookies: []*http.Cookie{c}})
		if rec.Code != 204 {
			t.Fatalf("DELETE session: %d", rec.Code)
		}
		wantError(t, e.get(c, "/api/v1/me"), 401, "unauthenticated")
		if evs := e.audit(jedenlogin.AuditSignOut); len(evs) != 1 || evs[0].Actor != "DAREK" {
			t.Errorf("sign-out audit = %+v", evs)
		}
		// Without a session: still 204.
		if rec := e.do(req{method: "DELETE", path: "/api/v1/session"}); rec.Code != 204 {
			t.Errorf("DELETE without session: %d", rec.Code)
		}
		// Pending persons may sign out too.
		p := e.mustSignIn("ADAM1", pwAdam1)
		if rec := e.do(req{method: "DELETE", path: "/api/v1/session", cookies: []*http.Cookie{p}}); rec.Code != 204 {
			t.Errorf("pending sign-out: %d", rec.Code)
		}
	})
}

func TestSecureCookies(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{SecureCookies: true})
		rec, c := e.signIn("DAREK", pwDarek)
		if rec.Code != 200 || c == nil {
			t.Fatalf("sign-in: %d", rec.Code)
		}
		if c.Name != "__Host-jedenlogin" || !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" {
			t.Errorf("cookie = %+v", c)
		}
		if rec := e.get(c, "/api/v1/me"); rec.Code != 200 {
			t.Errorf("secure cookie not accepted: %d", rec.Code)
		}
		plain := &http.Cookie{Name: "jedenlogin", Value: c.Value}
		wantError(t, e.get(plain, "/api/v1/me"), 401, "unauthenticated")
	})
}

func TestPendingPersonReachesOnlyTransition(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		c := e.mustSignIn("beata.k", pwBeataL)
		api := []struct {
			method, path string
			status       int
		}{
			{"GET", "/api/v1/me", 403},
			{"PUT", "/api/v1/me/entity", 403},
			{"GET", "/api/v1/admin/consolidation", 403},
			{"GET", "/api/v1/session", 200},
			{"GET", "/api/v1/consolidation", 200},
			{"POST", "/api/v1/session/refresh", 200},
		}
		for _, tc := range api {
			r := req{method: tc.method, path: tc.path, cookies: []*http.Cookie{c}}
			if tc.method == "PUT" {
				r.json = map[string]string{"entity_id": "LO1"}
			}
			rec := e.do(r)
			if rec.Code != tc.status {
				t.Errorf("%s %s: %d, want %d", tc.method, tc.path, rec.Code, tc.status)
			}
			if tc.status == 403 {
				wantError(t, rec, 403, "consolidation_required")
			}
		}
		for _, path := range []string{"/", "/podmioty", "/dane-konta", "/przedluz"} {
			rec := e.get(c, path)
			if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/potwierdz-login" {
				t.Errorf("GET %s: %d → %q", path, rec.Code, rec.Header().Get("Location"))
			}
		}
		if rec := e.get(c, "/potwierdz-login"); rec.Code != 200 {
			t.Errorf("transition screen: %d", rec.Code)
		}
	})
}

func TestCrossOriginRefused(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		c := e.mustSignIn("DAREK", pwDarek)
		tests := []struct {
			name   string
			header map[string]string
			status int
		}{
			{"Sec-Fetch-Site cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
			{"Sec-Fetch-Site same-site", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
			{"Origin of another site", map[string]string{"Origin": "https://zly.example.com"}, 403},
			{"same origin", map[string]string{"Sec-Fetch-Site": "same-origin"}, 200},
			{"non-browser client", nil, 200},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				rec := e.do(req{method: "POST", path: "/api/v1/session", header: tc.header,
					json: map[string]string{"login": "DAREK", "password": pwDarek}})
				if rec.Code != tc.status {
					t.Fatalf("sign-in: %d, want %d", rec.Code, tc.status)
				}
				if tc.status == 403 {
					wantError(t, rec, 403, "forbidden")
				}
				rec = e.do(req{method: "DELETE", path: "/api/v1/session", header: tc.header, cookies: []*http.Cookie{c}})
				if (rec.Code == 403) != (tc.status == 403) {
					t.Fatalf("sign-out: %d", rec.Code)
				}
				if tc.status == 403 {
					if rec := e.get(c, "/api/v1/me"); rec.Code != 200 {
						t.Errorf("a refused cross-origin sign-out ended the session: %d", rec.Code)
					}
				}
			})
		}
		// The sign-in form from another site.
		rec := e.do(req{method: "POST", path: "/logowanie", header: map[string]string{"Sec-Fetch-Site": "cross-site"},
			form: map[string][]string{"login": {"DAREK"}, "password": {pwDarek}}})
		if rec.Code != 403 || !strings.Contains(rec.Body.String(), "innej witryny") {
			t.Errorf("cross-site form: %d", rec.Code)
		}
	})
}

func TestSecurityHeadersHealthAndMetrics(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		for _, path := range []string{"/logowanie", "/api/v1/me", "/healthz", "/static/app.css", "/nie-ma-takiej-strony"} {
			rec := e.get(nil, path)
			h := rec.Header()
			csp := h.Get("Content-Security-Policy")
			if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("%s: CSP = %q", path, csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") == "" {
				t.Errorf("%s: headers = %v", path, h)
			}
		}
		if rec := e.get(nil, "/healthz"); rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != "ok" {
			t.Errorf("healthz: %d %q", rec.Code, rec.Body)
		}
		e.signIn("DAREK", pwDarek)
		e.signIn("DAREK", "zle")
		rec := e.get(nil, "/metrics")
		body := rec.Body.String()
		for _, want := range []string{
			`jedenlogin_sign_ins_total{outcome="success"} 1`,
			`jedenlogin_sign_ins_total{outcome="invalid_credentials"} 1`,
			`jedenlogin_http_request_duration_seconds_count{method="POST",route="POST /api/v1/session"} 2`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		logs := e.logs.String()
		if !strings.Contains(logs, `route="POST /api/v1/session"`) || !strings.Contains(logs, "status=401") {
			t.Errorf("request log lacks route/status:\n%s", logs)
		}
		for _, secret := range []string{pwDarek, "zle"} {
			if strings.Contains(logs, secret) {
				t.Errorf("log holds %q", secret)
			}
		}
	})
}

func TestHealthDatabaseDown(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		e.st.Close()
		if rec := e.get(nil, "/healthz"); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("healthz with the database closed: %d", rec.Code)
		}
		rec, _ := e.signIn("DAREK", pwDarek)
		m := wantError(t, rec, 500, "internal")
		if strings.Contains(m["message"].(string), "sql") {
			t.Errorf("internal error shown: %q", m["message"])
		}
	})
}
