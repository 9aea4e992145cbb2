package web_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// TestLoginFailureWindowIs15Minutes: five failed attempts on one login name
// within 15 minutes block it (SPEC §8), however they are spread over the
// window; failures older than 15 minutes no longer count. Each row makes
// four failures, waits, and makes the fifth.
func TestLoginFailureWindowIs15Minutes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		wait    time.Duration // between the fourth and the fifth failure
		blocked bool
	}{
		{"fifth failure at once", 0, true},
		{"fifth failure after 11 minutes", 11 * time.Minute, true},
		{"fifth failure after 14 minutes 50 seconds", 14*time.Minute + 50*time.Second, true},
		{"fifth failure after 15 minutes 10 seconds", 15*time.Minute + 10*time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, storetest.Backends(t)[0], web.Config{})
			for i := range 4 {
				rec, _ := e.signIn("ADAM1", "zle")
				wantError(t, rec, http.StatusUnauthorized, "invalid_credentials")
				if i < 3 {
					e.clock.Advance(time.Second)
				}
			}
			e.clock.Advance(tc.wait)
			rec, _ := e.signIn("ADAM1", "zle")
			if tc.blocked {
				wantError(t, rec, http.StatusTooManyRequests, "too_many_attempts")
			} else {
				wantError(t, rec, http.StatusUnauthorized, "invalid_credentials")
			}
		})
	}
}

// TestAddressFailureWindowIs15Minutes: more than 100 failures from one
// address within 15 minutes block the address (SPEC §8), also when the
// last one comes 11 minutes after the others.
func TestAddressFailureWindowIs15Minutes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		wait    time.Duration // before the 101st failure
		blocked bool
	}{
		{"101st failure after 11 minutes", 11 * time.Minute, true},
		{"101st failure after 15 minutes 10 seconds", 15*time.Minute + 10*time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, storetest.Backends(t)[0], web.Config{})
			const attacker = "203.0.113.66:5000"
			try := func(i int) *httpRecorder {
				return e.do(req{method: "POST", path: "/api/v1/session", addr: attacker,
					json: map[string]string{"login": fmt.Sprintf("ktos%d", i), "password": "x"}})
			}
			for i := 1; i <= 100; i++ {
				wantStatus(t, try(i), http.StatusUnauthorized)
			}
			e.clock.Advance(tc.wait)
			want := http.StatusUnauthorized
			if tc.blocked {
				want = http.StatusTooManyRequests
			}
			wantStatus(t, try(101), want)
		})
	}
}
