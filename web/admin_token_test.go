package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/service"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// mustAdminToken stores an operator token as `jedenlogin admin-token add`
// does and returns it.
func mustAdminToken(t *testing.T, st jedenlogin.Store, name string, created time.Time, expires *time.Time) string {
	t.Helper()
	tok, hash := service.NewAdminToken()
	err := st.CreateAdminToken(context.Background(), jedenlogin.AdminToken{Name: name, Hash: hash, CreatedAt: created, ExpiresAt: expires},
		service.AdminTokenAudit(created, "cli", name, "created", nil))
	if err != nil {
		t.Fatalf("create admin token %s: %v", name, err)
	}
	return tok
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

// TestAdminTokenEveryEndpoint: an operator token opens every endpoint of
// the console's API (without a session, a CSRF token or a same-origin
// request), and what it does is audited with the token's name.
func TestAdminTokenEveryEndpoint(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAccountEnv(t, b, web.Config{})
		tok := mustAdminToken(t, e.st, "skrypt-crm", e.clock.Now(), nil)
		pid := mustLogin(t, e.st, "ADAM1").PersonID
		done := mustLogin(t, e.st, "FILIP").PersonID
		for _, rt := range adminRoutes(pid, done) {
			if !rt.api {
				continue
			}
			t.Run(rt.method+" "+rt.path, func(t *testing.T) {
				h := bearer(tok)
				// A script is no browser; even one sending a foreign
				// origin needs no CSRF defence with a bearer token.
				h["Origin"], h["Sec-Fetch-Site"] = "https://skrypty.example.org", "cross-site"
				got := e.do(req{method: rt.method, path: rt.path, json: rt.json, header: h})
				if got.Code != rt.opStatus {
					t.Errorf("with the token: %d, want %d\n%.2000s", got.Code, rt.opStatus, got.Body)
				}
			})
		}
		for action, reason := range map[string]string{
			jedenlogin.AuditUnblocked:         "zgłoszenie 1",
			jedenlogin.AuditSessionsEnded:     "zgłoszenie 1",
			jedenlogin.AuditRecoveryRequested: "zgłoszenie 1",
			jedenlogin.AuditContactChanged:    "zgłoszenie 1",
			jedenlogin.AuditMFAChanged:        "zgłoszenie 1",
		} {
			ev := e.lastAudit(action)
			// service.ResetMFA (shared with the CLI) records no address.
			wantAddr := action != jedenlogin.AuditMFAChanged
			if ev.Actor != "token:skrypt-crm" || !strings.Contains(ev.Details, `"reason":"`+reason+`"`) || (wantAddr && ev.Address != "192.0.2.10") {
				t.Errorf("%s event by %q from %q with %s, want by token:skrypt-crm from 192.0.2.10 with the reason", action, ev.Actor, ev.Address, ev.Details)
			}
		}
		// The audit log's actor filter finds what the token did.
		rec := e.do(req{method: "GET", path: "/api/v1/admin/audit?actor=token:skrypt-crm", header: bearer(tok)})
		if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), `"actor":"token:skrypt-crm"`) < 5 {
			t.Errorf("audit by actor token:skrypt-crm: %d\n%.2000s", rec.Code, rec.Body)
		}
		got, err := e.st.AdminTokenByHash(context.Background(), service.HashID(tok))
		if err != nil || got.LastUsedAt == nil || !got.LastUsedAt.Equal(e.clock.Now()) {
			t.Errorf("token after use: %+v, %v; want LastUsedAt now", got, err)
		}
	})
}

// TestAdminTokenRefused: a token opens nothing but the console's API, and
// a wrong, expired or revoked token is 401 with a message saying which,
// whatever session comes with it; refusals are audited and count against
// the address.
func TestAdminTokenRefused(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		// The refusals below are 11 failures of one address: the 12th
		// (more than the limit) blocks it.
		e := newAccountEnv(t, b, web.Config{AddressFailureLimit: 11})
		ctx := context.Background()
		now := e.clock.Now()
		good := mustAdminToken(t, e.st, "dobry", now, nil)
		soon := now.Add(time.Hour)
		expiring := mustAdminToken(t, e.st, "wygasajacy", now, &soon)
		revoked := mustAdminToken(t, e.st, "uniewazniony", now, nil)
		if err := e.st.RevokeAdminToken(ctx, "uniewazniony", now, service.AdminTokenAudit(now, "cli", "uniewazniony", "revoked", nil)); err != nil {
			t.Fatal(err)
		}
		op := e.mustSignIn("DAREK", pwDarek)
		progress := func(h map[string]string, withSession bool) *httpRecorder {
			r := req{method: "GET", path: "/api/v1/admin/progress", header: h}
			if withSession {
				r.cookies = []*http.Cookie{op}
			}
			return e.do(r)
		}
		if rec := progress(bearer(expiring), false); rec.Code != http.StatusOK {
			t.Fatalf("a token before its expiry: %d %s", rec.Code, rec.Body)
		}

		t.Run("only the console's API", func(t *testing.T) {
			for _, path := range []string{"/api/v1/me", "/api/v1/session", "/api/v1/admin", "/konsola", "/konsola/osoby?q=adam1", "/profil"} {
				// Even with an operator's session beside it.
				rec := e.do(req{method: "GET", path: path, header: bearer(good), cookies: []*http.Cookie{op}})
				m := wantError(t, rec, http.StatusUnauthorized, jedenlogin.EUNAUTHORIZED)
				if msg, _ := m["message"].(string); !strings.Contains(msg, "tylko w API konsoli operatora") {
					t.Errorf("GET %s with a token: message %q", path, msg)
				}
			}
			rec := e.do(req{method: "PUT", path: "/api/v1/me/contact", header: bearer(good), json: map[string]string{"email": "x@example.pl", "password": pwDarek}})
			wantError(t, rec, http.StatusUnauthorized, jedenlogin.EUNAUTHORIZED)
		})

		t.Run("wrong expired revoked", func(t *testing.T) {
			e.clock.Advance(2 * time.Hour) // past the expiry
			op = e.mustSignIn("DAREK", pwDarek)
			for _, tc := range []struct {
				name, token, says, reason, actor string
			}{
				{"unknown", service.AdminTokenPrefix + strings.Repeat("A", 43), "Nieprawidłowy token", "invalid", "token"},
				{"malformed", "jlop_krotki", "Nieprawidłowy token", "invalid", "token"},
				{"a session id as a token", strings.Repeat("A", 43), "Nieprawidłowy token", "invalid", "token"},
				{"expired", expiring, "wygasł", "expired", "token:wygasajacy"},
				{"revoked", revoked, "unieważniony", "revoked", "token:uniewazniony"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					for _, withSession := range []bool{false, true} {
						m := wantError(t, progress(bearer(tc.token), withSession), http.StatusUnauthorized, jedenlogin.EUNAUTHORIZED)
						if msg, _ := m["message"].(string); !strings.Contains(msg, tc.says) {
							t.Errorf("message %q, want it to say %q", msg, tc.says)
						}
					}
					ev := e.lastAudit(jedenlogin.AuditAdminToken)
					if ev.Outcome != "refused" || ev.Actor != tc.actor || !strings.Contains(ev.Details, `"reason":"`+tc.reason+`"`) || ev.Address != "192.0.2.10" {
						t.Errorf("refusal audited as %+v, want refused by %s for %s", ev, tc.actor, tc.reason)
					}
					if strings.Contains(ev.Details, tc.token) {
						t.Errorf("the audit event carries the token: %s", ev.Details)
					}
				})
			}
			// A state-changing request with a revoked token changes nothing.
			adam := mustLogin(t, e.st, "ADAM1").PersonID
			before := len(e.audit(jedenlogin.AuditSessionsEnded))
			wantError(t, e.do(req{method: "POST", path: fmt.Sprintf("/api/v1/admin/persons/%d/sessions/end", adam), header: bearer(revoked),
				json: map[string]string{"reason": "x"}}), http.StatusUnauthorized, jedenlogin.EUNAUTHORIZED)
			if after := len(e.audit(jedenlogin.AuditSessionsEnded)); after != before {
				t.Errorf("a revoked token ended sessions")
			}
			if rec := progress(bearer(good), false); rec.Code != http.StatusOK {
				t.Errorf("the good token after the refusals: %d %s", rec.Code, rec.Body)
			}
		})

		t.Run("guessing blocks the address", func(t *testing.T) {
			// 11 refusals so far from 192.0.2.10 (limit 11): the 12th blocks.
			rec := progress(bearer(service.AdminTokenPrefix+strings.Repeat("B", 43)), false)
			wantError(t, rec, http.StatusTooManyRequests, jedenlogin.CodeTooManyAttempts)
			if rec.Header().Get("Retry-After") == "" {
				t.Error("no Retry-After")
			}
		})
	})
}
