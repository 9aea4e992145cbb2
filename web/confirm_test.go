package web_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"jedenlogin"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// confirm posts the API confirmation with the session cookie.
func (e *env) confirm(c *http.Cookie, login, pw string) (*httpRecorder, *http.Cookie) {
	e.t.Helper()
	body := map[string]string{"password": pw}
	if login != "" {
		body["login"] = login
	}
	rec := e.do(req{method: "POST", path: "/api/v1/consolidation/confirm", cookies: []*http.Cookie{c}, json: body})
	return rec, sessionCookie(rec)
}

// get performs an authenticated GET.
func (e *env) get(c *http.Cookie, path string) *httpRecorder {
	e.t.Helper()
	var cs []*http.Cookie
	if c != nil {
		cs = []*http.Cookie{c}
	}
	return e.do(req{method: "GET", path: path, cookies: cs})
}

func entityIDs(t *testing.T, m map[string]any) []string {
	t.Helper()
	var ids []string
	for _, x := range m["entities"].([]any) {
		ids = append(ids, x.(map[string]any)["id"].(string))
	}
	return ids
}

func TestConfirmCases(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		tests := []struct {
			name         string
			signIn, pwIn string
			login, pw    string // confirmation
			wantLogin    string
			wantEntities []string // ids, by entity name
			wantFirst    string   // account first name
		}{
			// Account data from the login with the latest accepted_at: ADAM2.
			{"choose: the current login", "ADAM1", pwAdam1, "ADAM1", pwAdam1, "ADAM1", []string{"SP1", "SP2", "SP9"}, "Adam"},
			// Signed in with beata.k, choosing BEATA1 with BEATA1's password.
			{"choose_uppercase from the mixed-case login", "beata.k", pwBeataL, "BEATA1", pwBeataU, "BEATA1", []string{"LO1", "LO2"}, "Beata"},
			// The new login gets the password of the login signed in with.
			{"generate", "CelinaW2", pwCelin2, "CELWIS1", pwCelin2, "CELWIS1", []string{"PP1", "PP2"}, "Celina"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				c := e.mustSignIn(tc.signIn, tc.pwIn)
				if rec := e.get(c, "/api/v1/me"); rec.Code != 403 {
					t.Errorf("/me before the transition: %d", rec.Code)
				} else {
					wantError(t, rec, 403, "consolidation_required")
				}
				rec, nc := e.confirm(c, tc.login, tc.pw)
				if rec.Code != 200 {
					t.Fatalf("confirm: %d %s", rec.Code, rec.Body)
				}
				m := decode(t, rec)
				acc := m["account"].(map[string]any)
				if m["login"] != tc.wantLogin || acc["first_name"] != tc.wantFirst {
					t.Errorf("answer = %s", rec.Body)
				}
				if got := entityIDs(t, m); !slices.Equal(got, tc.wantEntities) {
					t.Errorf("entities = %v, want %v", got, tc.wantEntities)
				}
				// The session is renewed: the old cookie is dead, the new one works.
				if nc == nil || nc.Value == c.Value {
					t.Fatalf("session not renewed: %v", nc)
				}
				wantError(t, e.get(c, "/api/v1/me"), 401, "unauthenticated")
				me := e.get(nc, "/api/v1/me")
				if me.Code != 200 || decode(t, me)["login"] != tc.wantLogin {
					t.Errorf("/me with the new session: %d %s", me.Code, me.Body)
				}
				// The unified login signs in with the confirmed password.
				e.mustSignIn(tc.wantLogin, tc.pw)
				// Confirming again: already consolidated.
				rec, _ = e.confirm(nc, tc.login, tc.pw)
				wantError(t, rec, 409, "already_consolidated")
			})
		}
		if n := len(e.audit(jedenlogin.AuditConsolidated)); n != 3 {
			t.Errorf("%d consolidation audit events, want 3", n)
		}
		metrics := e.get(nil, "/metrics").Body.String()
		for _, want := range []string{
			`jedenlogin_consolidations_total{case="choose"} 1`,
			`jedenlogin_consolidations_total{case="choose_uppercase"} 1`,
			`jedenlogin_consolidations_total{case="generate"} 1`,
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}

func TestConfirmErrors(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		adam := e.mustSignIn("ADAM2", pwAdam2)
		beata := e.mustSignIn("beata.k", pwBeataL)
		celina := e.mustSignIn("celina.w", pwCelina)

		t.Run("not a candidate", func(t *testing.T) {
			rec, _ := e.confirm(beata, "beata.k", pwBeataL)
			m := wantError(t, rec, 403, "login_not_eligible")
			if c, _ := m["candidates"].([]any); len(c) != 1 || c[0] != "BEATA1" {
				t.Errorf("candidates = %v", m["candidates"])
			}
		})
		t.Run("another person's login", func(t *testing.T) {
			rec, _ := e.confirm(adam, "BEATA1", pwBeataU)
			wantError(t, rec, 403, "login_not_eligible")
		})
		t.Run("inactive login of the person", func(t *testing.T) {
			rec, _ := e.confirm(adam, "ADAM1x", pwAdam1)
			wantError(t, rec, 403, "login_not_eligible")
		})
		t.Run("generate: another login name", func(t *testing.T) {
			rec, _ := e.confirm(celina, "CELINA", pwCelina)
			m := wantError(t, rec, 403, "login_not_eligible")
			if c, _ := m["candidates"].([]any); len(c) != 1 || c[0] != "CELWIS1" {
				t.Errorf("candidates = %v", m["candidates"])
			}
		})
		t.Run("choose: the session's password for another candidate", func(t *testing.T) {
			rec, _ := e.confirm(adam, "ADAM1", pwAdam2)
			m := wantError(t, rec, 401, "invalid_credentials")
			if m["remaining_attempts"] != float64(4) {
				t.Errorf("remaining = %v", m["remaining_attempts"])
			}
		})
		t.Run("generate: the password of the other legacy login", func(t *testing.T) {
			rec, _ := e.confirm(celina, "", pwCelin2)
			wantError(t, rec, 401, "invalid_credentials")
		})
		t.Run("missing password", func(t *testing.T) {
			rec := e.do(req{method: "POST", path: "/api/v1/consolidation/confirm", cookies: []*http.Cookie{adam},
				json: map[string]string{"login": "ADAM1"}})
			wantError(t, rec, 400, "bad_request")
		})
		t.Run("no session", func(t *testing.T) {
			rec := e.do(req{method: "POST", path: "/api/v1/consolidation/confirm", json: map[string]string{"login": "ADAM1", "password": pwAdam1}})
			wantError(t, rec, 401, "unauthenticated")
		})
		t.Run("wrong passwords count for the chosen name", func(t *testing.T) {
			for range 3 {
				rec, _ := e.confirm(adam, "ADAM1", "zle")
				wantError(t, rec, 401, "invalid_credentials")
			}
			// 1 + 3 failures of ADAM1 so far: the fifth blocks the name.
			rec, _ := e.confirm(adam, "ADAM1", "zle")
			wantError(t, rec, 429, "too_many_attempts")
			rec, _ = e.signIn("ADAM1", pwAdam1)
			wantError(t, rec, 429, "too_many_attempts")
			rec, _ = e.confirm(adam, "ADAM1", pwAdam1)
			wantError(t, rec, 429, "too_many_attempts")
			// Another candidate is not blocked.
			if rec, _ := e.confirm(adam, "ADAM3", pwAdam3); rec.Code != 200 {
				t.Errorf("ADAM3: %d %s", rec.Code, rec.Body)
			}
		})
		if rec := e.get(celina, "/api/v1/consolidation"); rec.Code != 200 || decode(t, rec)["generated_login"] != "CELWIS1" {
			t.Errorf("GET consolidation: %d %s", rec.Code, rec.Body)
		}
	})
}

// TestConfirmRace: many confirmations of one person at once, from several
// sessions and with different candidates: exactly one wins, the others are
// told the person is already consolidated.
func TestConfirmRace(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		type try struct {
			c         *http.Cookie
			login, pw string
			boundTo   string // the login the session signed in with
		}
		var tries []try
		for i := range 12 {
			switch i % 3 {
			case 0:
				tries = append(tries, try{e.mustSignIn("ADAM1", pwAdam1), "ADAM1", pwAdam1, "ADAM1"})
			case 1:
				tries = append(tries, try{e.mustSignIn("ADAM2", pwAdam2), "ADAM2", pwAdam2, "ADAM2"})
			case 2:
				tries = append(tries, try{e.mustSignIn("ADAM2", pwAdam2), "ADAM3", pwAdam3, "ADAM2"})
			}
		}
		var wg sync.WaitGroup
		startGun := make(chan struct{})
		results := make([]*httpRecorder, len(tries))
		for i, tr := range tries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-startGun
				results[i], _ = e.confirm(tr.c, tr.login, tr.pw)
			}()
		}
		close(startGun)
		wg.Wait()
		wins := 0
		winner, winnerIdx := "", -1
		for i, rec := range results {
			switch rec.Code {
			case 200:
				wins++
				winner, winnerIdx = tries[i].login, i
			case 409:
				wantError(t, rec, 409, "already_consolidated")
			default:
				t.Errorf("try %d: %d %s", i, rec.Code, rec.Body)
			}
		}
		if wins != 1 {
			t.Fatalf("%d confirmations won, want exactly 1", wins)
		}
		rec := mustPerson(t, e.st, "ADAM1")
		if rec.Person.State != jedenlogin.StateDone || rec.Login(*rec.Person.UnifiedLoginID).Name != winner {
			t.Errorf("person after the race: %+v", rec.Person)
		}
		if n := len(e.audit(jedenlogin.AuditConsolidated)); n != 1 {
			t.Errorf("%d consolidation events", n)
		}
		// Sessions bound to a login merged by the winner are over; those of
		// the unified login go on, except the winner's own, which was renewed.
		for i, tr := range tries {
			want := 401
			if tr.boundTo == winner && i != winnerIdx {
				want = 200
			}
			if rec := e.get(tr.c, "/api/v1/session"); rec.Code != want {
				t.Errorf("session bound to %s (winner %s): %d, want %d", tr.boundTo, winner, rec.Code, want)
			}
		}
	})
}

// TestConfirmRaceOneLogin: more confirmations of one login with its
// correct password racing than the limit of failures: exactly one wins and
// every other is told the person is already consolidated — none finds the
// name blocked, although each attempt counts a failure before its check.
func TestConfirmRaceOneLogin(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		cookies := make([]*http.Cookie, 12)
		for i := range cookies {
			cookies[i] = e.mustSignIn("ADAM2", pwAdam2)
		}
		e.slowThrottles(20 * time.Millisecond)
		wantOneWinner(t, e, confirmAll([]*env{e}, cookies, "ADAM1", pwAdam1))
	})
}

// TestConfirmWaitsForLease: a confirmation waits while another one of the
// person holds the lease ("consolidation:<person id>") and goes on once it
// is released; a lease left by a crashed instance ends with its time.
func TestConfirmWaitsForLease(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		ctx := context.Background()
		lease := func(login string) string {
			return "consolidation:" + strconv.FormatInt(mustLogin(t, e.st, login).PersonID, 10)
		}
		hold := func(key string) {
			if ok, err := e.st.AcquireLease(ctx, key, "another-instance", e.clock.Now(), time.Minute); !ok || err != nil {
				t.Fatalf("AcquireLease(%s) = %v, %v", key, ok, err)
			}
		}

		adam := e.mustSignIn("ADAM1", pwAdam1)
		hold(lease("ADAM1"))
		done := make(chan *httpRecorder, 1)
		go func() {
			rec, _ := e.confirm(adam, "ADAM1", pwAdam1)
			done <- rec
		}()
		select {
		case rec := <-done:
			t.Fatalf("confirmation did not wait for the lease: %d %s", rec.Code, rec.Body)
		case <-time.After(200 * time.Millisecond):
		}
		if err := e.st.ReleaseLease(ctx, lease("ADAM1"), "another-instance"); err != nil {
			t.Fatal(err)
		}
		if rec := <-done; rec.Code != http.StatusOK {
			t.Errorf("confirmation after the release: %d %s", rec.Code, rec.Body)
		}

		beata := e.mustSignIn("BEATA1", pwBeataU)
		hold(lease("BEATA1"))
		e.clock.Advance(time.Minute)
		if rec, _ := e.confirm(beata, "BEATA1", pwBeataU); rec.Code != http.StatusOK {
			t.Errorf("confirmation with an expired lease: %d %s", rec.Code, rec.Body)
		}
		// Each confirmation released its lease.
		for _, l := range []string{"ADAM1", "BEATA1"} {
			if ok, err := e.st.AcquireLease(ctx, lease(l), "afterwards", e.clock.Now(), time.Minute); !ok || err != nil {
				t.Errorf("lease of %s after its confirmation: %v, %v", l, ok, err)
			}
		}
	})
}

// confirmAll posts the confirmation of login with pw from every session at
// once, spread over the servers, and returns the answers.
func confirmAll(servers []*env, cookies []*http.Cookie, login, pw string) []*httpRecorder {
	results := make([]*httpRecorder, len(cookies))
	var wg sync.WaitGroup
	startGun := make(chan struct{})
	for i, c := range cookies {
		e := servers[i%len(servers)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startGun
			results[i], _ = e.confirm(c, login, pw)
		}()
	}
	close(startGun)
	wg.Wait()
	return results
}

// wantOneWinner checks that exactly one of the answers is 200 and every
// other 409 already_consolidated, and that the person consolidated once.
func wantOneWinner(t *testing.T, e *env, results []*httpRecorder) {
	t.Helper()
	wins := 0
	for i, rec := range results {
		switch rec.Code {
		case http.StatusOK:
			wins++
		case http.StatusConflict:
			wantError(t, rec, 409, "already_consolidated")
		default:
			t.Errorf("try %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	if wins != 1 {
		t.Errorf("%d confirmations won, want exactly 1", wins)
	}
	if n := len(e.audit(jedenlogin.AuditConsolidated)); n != 1 {
		t.Errorf("%d consolidation events, want 1", n)
	}
}

// TestConfirmWrongPasswordsInParallel: wrong confirmations racing for one
// person check no more passwords than the limit of failures allows (SPEC
// §8): the first four are told how many attempts remain, the fifth blocks
// the name, and the rest are refused without a check.
func TestConfirmWrongPasswordsInParallel(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		c := e.mustSignIn("ADAM2", pwAdam2)
		e.slowThrottles(20 * time.Millisecond)
		wantParallelFailures(t, e, confirmAll([]*env{e}, slices.Repeat([]*http.Cookie{c}, 20), "ADAM1", "zle-haslo"))
	})
}

// wantParallelFailures checks the answers to parallel wrong confirmations
// of ADAM1 (SPEC §8): four are told how many attempts remain, the rest are
// refused, and no more passwords were checked than the limit allows.
func wantParallelFailures(t *testing.T, e *env, results []*httpRecorder) {
	t.Helper()
	n := len(results)
	var remaining []int
	blocked := 0
	for i, rec := range results {
		switch rec.Code {
		case http.StatusUnauthorized:
			m := wantError(t, rec, 401, "invalid_credentials")
			r, _ := m["remaining_attempts"].(float64)
			remaining = append(remaining, int(r))
		case http.StatusTooManyRequests:
			wantError(t, rec, 429, "too_many_attempts")
			blocked++
		default:
			t.Errorf("try %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	slices.Sort(remaining)
	if !slices.Equal(remaining, []int{1, 2, 3, 4}) || blocked != n-4 {
		t.Errorf("answers: 401 with remaining attempts %v and %d × 429; want 401 with 1, 2, 3, 4 and %d × 429", remaining, blocked, n-4)
	}
	// Every password checked left one event with reason wrong_password:
	// exactly the limit, the last of them the one that blocked.
	checked := 0
	for _, ev := range e.audit(jedenlogin.AuditSignInFailed) {
		if strings.Contains(ev.Details, `"reason":"wrong_password"`) {
			checked++
		}
	}
	if checked != web.DefaultLoginFailureLimit {
		t.Errorf("%d passwords checked, want %d", checked, web.DefaultLoginFailureLimit)
	}
	if n := len(e.audit(jedenlogin.AuditBlocked)); n != 1 {
		t.Errorf("%d block events, want 1", n)
	}
	// The name is blocked, also for its correct password.
	rec, _ := e.signIn("ADAM1", pwAdam1)
	wantError(t, rec, 429, "too_many_attempts")
}

// slowThrottleStore takes a while to count a failure and to clear a
// counter, as a loaded database does, so that parallel attempts overlap:
// were the password checked before the failure is counted, every attempt
// would pass the throttle while the first one is being counted; and
// correct passwords racing for one name are all counted before the first
// of them clears the counter, unless something serialises them.
type slowThrottleStore struct {
	jedenlogin.Store
	delay time.Duration
}

func (s *slowThrottleStore) RecordFailure(ctx context.Context, key string, now time.Time, window time.Duration, limit int, block time.Duration) (jedenlogin.Throttle, bool, error) {
	time.Sleep(s.delay)
	return s.Store.RecordFailure(ctx, key, now, window, limit, block)
}

func (s *slowThrottleStore) ClearThrottle(ctx context.Context, key string) error {
	time.Sleep(s.delay)
	return s.Store.ClearThrottle(ctx, key)
}

// slowThrottles serves e from here on over its store with failures counted
// and cleared slowly (slowThrottleStore).
func (e *env) slowThrottles(delay time.Duration) {
	e.t.Helper()
	srv, err := web.New(web.Config{Store: &slowThrottleStore{Store: e.st, delay: delay}, Hasher: hasher, Now: e.clock.Now, Logger: discardLogger()})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { srv.Close() })
	e.srv, e.h = srv, srv.Handler()
}

// TestMeAfterConsolidation: grants moved from every active login are
// listed under the unified login; expired ones with valid=false; grants of
// inactive logins are not moved.
func TestMeAfterConsolidation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		c := e.mustSignIn("ADAM3", pwAdam3)
		_, nc := e.confirm(c, "ADAM2", pwAdam2)
		rec := e.get(nc, "/api/v1/me")
		if rec.Code != 200 {
			t.Fatalf("/me: %d %s", rec.Code, rec.Body)
		}
		m := decode(t, rec)
		if m["login"] != "ADAM2" {
			t.Errorf("login = %v", m["login"])
		}
		acc := m["account"].(map[string]any)
		if acc["first_name"] != "Adam" || acc["last_name"] != "Nowak" || acc["email"] != "adam@example.pl" || acc["phone"] != "600100201" {
			t.Errorf("account = %v", acc)
		}
		if _, ok := acc["pesel"]; ok {
			t.Errorf("account carries the PESEL")
		}
		want := []map[string]any{
			{"id": "SP1", "name": "Szkoła Podstawowa nr 1", "function": "kierownik", "scopes": []any{"sio", "wnioski"}, "valid_to": "2027-08-31", "valid": true},
			{"id": "SP2", "name": "Szkoła Podstawowa nr 2", "function": "pracownik", "scopes": []any{"sio"}, "valid_to": "2027-08-31", "valid": true},
			{"id": "SP9", "name": "Szkoła Podstawowa nr 9", "function": "pracownik", "scopes": []any{"sio"}, "valid_to": "2025-12-31", "valid": false},
		}
		got := m["entities"].([]any)
		if len(got) != len(want) {
			t.Fatalf("entities = %v", got)
		}
		for i := range want {
			g := got[i].(map[string]any)
			for k, v := range want[i] {
				if strings.TrimSpace(fmtAny(g[k])) != fmtAny(v) {
					t.Errorf("entity %d %s = %v, want %v", i, k, g[k], v)
				}
			}
		}
	})
}

func TestSelectEntity(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		c := e.mustSignIn("ADAM1", pwAdam1)
		_, c = e.confirm(c, "ADAM1", pwAdam1)
		tests := []struct {
			entity string
			status int
		}{
			{"SP2", 200},
			{"SP9", 403}, // expired
			{"SP8", 403}, // an inactive login's grant, not moved
			{"LO1", 403}, // someone else's
		}
		for _, tc := range tests {
			rec := e.do(req{method: "PUT", path: "/api/v1/me/entity", cookies: []*http.Cookie{c}, json: map[string]string{"entity_id": tc.entity}})
			if rec.Code != tc.status {
				t.Errorf("%s: %d %s", tc.entity, rec.Code, rec.Body)
			}
		}
		if got := decode(t, e.get(c, "/api/v1/session"))["entity_id"]; got != "SP2" {
			t.Errorf("session entity = %v", got)
		}
		if evs := e.audit(jedenlogin.AuditEntitySelected); len(evs) != 1 || evs[0].Subject != "entity:SP2" {
			t.Errorf("audit = %+v", evs)
		}
	})
}

func TestAdminConsolidation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		wantError(t, e.get(e.mustSignIn("FILIP", pwFilip), "/api/v1/admin/consolidation"), 403, "forbidden")
		wantError(t, e.get(e.mustSignIn("ADAM1", pwAdam1), "/api/v1/admin/consolidation"), 403, "consolidation_required")
		wantError(t, e.get(nil, "/api/v1/admin/consolidation"), 401, "unauthenticated")
		rec := e.get(e.mustSignIn("DAREK", pwDarek), "/api/v1/admin/consolidation")
		if rec.Code != 200 {
			t.Fatalf("operator: %d %s", rec.Code, rec.Body)
		}
		m := decode(t, rec)
		bcs := m["by_case_state"].(map[string]any)
		if bcs["choose"].(map[string]any)["pending"] != float64(1) || bcs["unchanged"].(map[string]any)["done"] != float64(3) ||
			bcs["generate"].(map[string]any)["pending"] != float64(1) || bcs["no_active_login"].(map[string]any)["pending"] != float64(1) {
			t.Errorf("summary = %s", rec.Body)
		}
	})
}

// TestConfirmRehashesChosenLogin: a chosen login with a legacy hash gets a
// fresh argon2id hash of the same password in the confirming transaction.
func TestConfirmRehashesChosenLogin(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		c := e.mustSignIn("ADAM2", pwAdam2)
		adam1 := mustLogin(t, e.st, "ADAM1")
		legacy, err := bcrypt.GenerateFromPassword([]byte(pwAdam1), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := e.st.SetPasswordHash(context.Background(), adam1.ID, adam1.PasswordHash, string(legacy), start); !ok || err != nil {
			t.Fatalf("set legacy hash: %v %v", ok, err)
		}
		if rec, _ := e.confirm(c, "ADAM1", pwAdam1); rec.Code != 200 {
			t.Fatalf("confirm: %d %s", rec.Code, rec.Body)
		}
		if h := mustLogin(t, e.st, "ADAM1").PasswordHash; !strings.HasPrefix(h, "$argon2id$") {
			t.Errorf("hash after confirmation: %q", h)
		}
		if evs := e.audit(jedenlogin.AuditPasswordRehashed); len(evs) != 1 || evs[0].Subject != "ADAM1" {
			t.Errorf("rehash audit = %+v", evs)
		}
		e.mustSignIn("ADAM1", pwAdam1)
	})
}
