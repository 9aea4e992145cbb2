package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// TestBodyLimits: every route refuses a body over its limit with 413 and a
// clear message, and a multipart body with 415, before a handler or the
// sign-in form's checks read it; ordinary forms and JSON still work.
func TestBodyLimits(t *testing.T) {
	e := newEnv(t, storetest.Backends(t)[0], web.Config{})
	big := "login=" + strings.Repeat("A", 70<<10) + "&password=x"
	multipart := "--b\r\nContent-Disposition: form-data; name=\"login\"\r\n\r\nDAREK\r\n--b--\r\n"
	for _, tc := range []struct {
		name        string
		path        string
		body        io.Reader
		length      int64 // -1: unknown (chunked)
		contentType string
		status      int
		text        string // in the answer
	}{
		{"form over 64 KiB", "/logowanie", strings.NewReader(big), int64(len(big)), "application/x-www-form-urlencoded", 413, "Treść żądania jest za duża (limit 64 KiB)"},
		{"chunked form over 64 KiB", "/logowanie", io.MultiReader(strings.NewReader(big)), -1, "application/x-www-form-urlencoded", 413, "Treść żądania jest za duża"},
		{"multipart form", "/logowanie", strings.NewReader(multipart), int64(len(multipart)), "multipart/form-data; boundary=b", 415, "nie przyjmuje plików"},
		{"JSON over 64 KiB", "/api/v1/session", strings.NewReader(`{"login":"` + strings.Repeat("A", 70<<10) + `"}`), -1, "application/json", 413, `"error":"too_large"`},
		{"multipart to the API", "/api/v1/session", strings.NewReader(multipart), int64(len(multipart)), "multipart/form-data; boundary=b", 415, `"error":"unsupported_media_type"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "http://konto.example.pl"+tc.path, tc.body)
			r.ContentLength = tc.length
			r.Header.Set("Content-Type", tc.contentType)
			r.RemoteAddr = "192.0.2.10:40000"
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, r)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.text) {
				t.Errorf("status %d, want %d with %q; body: %.300s", rec.Code, tc.status, tc.text, rec.Body)
			}
		})
	}
	// Ordinary requests still pass.
	if rec, c := e.signIn("DAREK", pwDarek); rec.Code != http.StatusOK || c == nil {
		t.Errorf("JSON sign-in after the limits: %d %s", rec.Code, rec.Body)
	}
}

// TestStrictTransportSecurity: served over HTTPS (SecureCookies), every
// answer tells the browser to keep to HTTPS; over plain HTTP nothing is said.
func TestStrictTransportSecurity(t *testing.T) {
	for _, tc := range []struct {
		secure bool
		want   string
	}{{true, "max-age=31536000; includeSubDomains"}, {false, ""}} {
		e := newEnv(t, storetest.Backends(t)[0], web.Config{SecureCookies: tc.secure})
		for _, path := range []string{"/logowanie", "/api/v1/me", "/healthz"} {
			rec := e.do(req{method: "GET", path: path})
			if got := rec.Header().Get("Strict-Transport-Security"); got != tc.want {
				t.Errorf("secure=%v %s: Strict-Transport-Security %q, want %q", tc.secure, path, got, tc.want)
			}
		}
	}
}
