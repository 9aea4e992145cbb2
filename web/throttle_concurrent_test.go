package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"jedenlogin"
	"jedenlogin/service"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// passwordChecks counts the sign-in failures whose password was checked:
// an unknown name is checked against a dummy hash (reason unknown_login);
// refused attempts are never checked.
func passwordChecks(t *testing.T, st jedenlogin.Store) int {
	t.Helper()
	evs, err := st.Audit(context.Background(), jedenlogin.AuditFilter{Action: jedenlogin.AuditSignInFailed, Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		var d struct{ Reason string }
		if err := json.Unmarshal([]byte(ev.Details), &d); err != nil {
			t.Fatalf("details %q: %v", ev.Details, err)
		}
		if d.Reason == "unknown_login" {
			n++
		}
	}
	return n
}

// TestAddressLimitHoldsUnderConcurrency: 400 simultaneous sign-ins for
// unknown names from one address check at most AddressFailureLimit+1
// passwords (the one whose failure blocks the address is still checked);
// the rest are refused with 429 without a check.
func TestAddressLimitHoldsUnderConcurrency(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		const n = 400
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			statuses = map[int]int{}
		)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rec := e.do(req{method: "POST", path: "/api/v1/session", addr: "203.0.113.77:6000",
					json: map[string]string{"login": fmt.Sprintf("nieznany%d", i), "password": "zgadywane"}})
				mu.Lock()
				statuses[rec.Code]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		limit := service.DefaultAddressFailureLimit
		checks := passwordChecks(t, e.st)
		if checks > limit+1 {
			t.Errorf("%d passwords checked for one address; want at most %d", checks, limit+1)
		}
		if statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != n {
			t.Errorf("statuses %v; want only 401 and 429", statuses)
		}
		if statuses[http.StatusTooManyRequests] < n-(limit+1) {
			t.Errorf("statuses %v; want at least %d answers 429", statuses, n-(limit+1))
		}
		// The address stays blocked for everyone behind it.
		rec := e.do(req{method: "POST", path: "/api/v1/session", addr: "203.0.113.77:6001",
			json: map[string]string{"login": "ADAM1", "password": pwAdam1}})
		wantError(t, rec, http.StatusTooManyRequests, "too_many_attempts")
	})
}

// TestSuccessfulSignInsDoNotBlockAddress: a school behind one NAT address
// signs in 150 times within the window (more than AddressFailureLimit) and
// is never blocked; failures from it still count afterwards.
func TestSuccessfulSignInsDoNotBlockAddress(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		const school = "198.51.100.20:7000"
		signIn := func(login, pw string) *httpRecorder {
			return e.do(req{method: "POST", path: "/api/v1/session", addr: school,
				json: map[string]string{"login": login, "password": pw}})
		}
		for i := range 150 {
			if rec := signIn("ADAM1", pwAdam1); rec.Code != http.StatusOK {
				t.Fatalf("sign-in %d from the school: %d %s", i+1, rec.Code, rec.Body)
			}
		}
		th, err := e.st.ThrottleState(context.Background(), service.AddrKey("198.51.100.20"))
		if err != nil || th.Failures != 0 || th.BlockedUntil != nil {
			t.Errorf("address counter after 150 successes: %+v, %v; want no failures", th, err)
		}
		wantStatus(t, signIn("ktos", "zle"), http.StatusUnauthorized)
		if th, _ := e.st.ThrottleState(context.Background(), service.AddrKey("198.51.100.20")); th.Failures != 1 {
			t.Errorf("address counter after one failure: %+v; want 1", th)
		}
	})
}
