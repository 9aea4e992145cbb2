package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/store/storetest"
	"jedenlogin/web"

	"golang.org/x/crypto/bcrypt"
)

func TestSignInAnswers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		tests := []struct {
			name, login, pw string
			status          int
			code            string
			required        bool   // consolidation_required on 200
			wantCase        string // consolidation.case on 200
		}{
			{"choose, eligible login", "ADAM1", pwAdam1, 200, "", true, "choose"},
			{"choose_uppercase, mixed-case login", "beata.k", pwBeataL, 200, "", true, "choose_uppercase"},
			{"generate", "celina.w", pwCelina, 200, "", true, "generate"},
			{"unchanged, done at import", "DAREK", pwDarek, 200, "", false, ""},
			{"wrong password", "ADAM2", "nie-to-haslo", 401, "invalid_credentials", false, ""},
			{"unknown login", "NIKT", "cokolwiek", 401, "invalid_credentials", false, ""},
			{"case matters", "adam1", pwAdam1, 401, "invalid_credentials", false, ""},
			{"inactive login, correct password", "ewa.old", pwEwa, 401, "invalid_credentials", false, ""},
			{"login without a hash", "NOHASH", "puste", 401, "invalid_credentials", false, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				rec, c := e.signIn(tc.login, tc.pw)
				if tc.status != 200 {
					m := wantError(t, rec, tc.status, tc.code)
					if m["message"] != "Podano nieprawidłowy login lub hasło." {
						t.Errorf("message = %q", m["message"])
					}
					if c != nil {
						t.Errorf("failed sign-in set a session cookie")
					}
					return
				}
				if rec.Code != 200 || c == nil {
					t.Fatalf("status %d, cookie %v: %s", rec.Code, c, rec.Body)
				}
				m := decode(t, rec)
				if m["login"] != tc.login || m["consolidation_required"] != tc.required {
					t.Errorf("body = %s", rec.Body)
				}
				cons, _ := m["consolidation"].(map[string]any)
				if tc.required && (cons == nil || cons["case"] != tc.wantCase) {
					t.Errorf("consolidation = %v, want case %s", cons, tc.wantCase)
				}
				if v, present := m["consolidation"]; !tc.required && (!present || v != nil) {
					t.Errorf("consolidation for a done person = %v (present %v), want null", v, present)
				}
				if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
					t.Errorf("cookie flags: %+v", c)
				}
			})
		}

		t.Run("consolidation details", func(t *testing.T) {
			cases := []struct {
				login, pw      string
				candidates     string
				generated      any
				currentEligble bool
			}{
				{"ADAM2", pwAdam2, "ADAM1,ADAM2,ADAM3", nil, true},
				{"beata.k", pwBeataL, "BEATA1", nil, false},
				{"BEATA1", pwBeataU, "BEATA1", nil, true},
				{"CelinaW2", pwCelin2, "", "CELWIS1", false},
			}
			for _, c := range cases {
				rec, _ := e.signIn(c.login, c.pw)
				cons, _ := decode(t, rec)["consolidation"].(map[string]any)
				var got []string
				for _, x := range cons["candidates"].([]any) {
					got = append(got, x.(string))
				}
				if strings.Join(got, ",") != c.candidates || cons["generated_login"] != c.generated || cons["current_login_eligible"] != c.currentEligble {
					t.Errorf("%s: consolidation = %v", c.login, cons)
				}
			}
		})

		t.Run("audit", func(t *testing.T) {
			ok := e.audit(jedenlogin.AuditSignIn)
			failed := e.audit(jedenlogin.AuditSignInFailed)
			if len(ok) == 0 || ok[0].Address != "192.0.2.10" {
				t.Errorf("sign-in audit = %+v", ok)
			}
			var sawUnknown bool
			for _, ev := range failed {
				if ev.Subject == "NIKT" {
					sawUnknown = true
				}
				for _, secret := range []string{"nie-to-haslo", "cokolwiek", pwEwa} {
					if strings.Contains(ev.Details, secret) {
						t.Errorf("audit event holds a password: %+v", ev)
					}
				}
			}
			if !sawUnknown {
				t.Errorf("failure of an unknown name not audited: %+v", failed)
			}
			if strings.Contains(e.logs.String(), "nie-to-haslo") {
				t.Errorf("a password reached the log")
			}
		})
	})
}

func TestSignInBadRequest(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		tests := []struct {
			name string
			r    req
			want string // part of the message
		}{
			{"not JSON", req{raw: `{"login": "A",`, contentType: "application/json"}, "urwana"},
			{"syntax", req{raw: `{"login" "A"}`, contentType: "application/json"}, "bajcie"},
			{"wrong type", req{raw: `{"login": 5, "password": "x"}`, contentType: "application/json"}, "„login”"},
			{"unknown field", req{raw: `{"login": "A", "password": "x", "pin": "1"}`, contentType: "application/json"}, "„pin”"},
			// Names match exactly, and once: a proxy reading the first of
			// two must not see another request than the handler.
			{"member twice", req{raw: `{"login": "A", "password": "x", "login": "ADAM1"}`, contentType: "application/json"}, "„login” występuje"},
			{"member twice, escaped", req{raw: `{"login": "A", "password": "x", "log\u0069n": "ADAM1"}`, contentType: "application/json"}, "„login” występuje"},
			{"name in other case", req{raw: `{"Login": "A", "password": "x"}`, contentType: "application/json"}, "„Login”"},
			{"missing password", req{json: map[string]string{"login": "ADAM1"}}, "„password”"},
			{"empty login", req{json: map[string]string{"login": "", "password": "x"}}, "„login”"},
			{"form body", req{form: map[string][]string{"login": {"ADAM1"}}}, "application/json"},
			{"array", req{raw: `[]`, contentType: "application/json"}, "obiektem"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				tc.r.method, tc.r.path = "POST", "/api/v1/session"
				m := wantError(t, e.do(tc.r), 400, "bad_request")
				if !strings.Contains(m["message"].(string), tc.want) {
					t.Errorf("message %q does not name %q", m["message"], tc.want)
				}
			})
		}
		if th, _ := e.st.ThrottleState(context.Background(), "login:ADAM1"); th.Failures != 0 {
			t.Errorf("malformed requests counted as failures: %+v", th)
		}
	})
}

// TestSignInRemainingAndBlock: failures count down in Polish, the fifth
// blocks with the time the block ends, and then even the correct password
// gets 429 with Retry-After; after the block the password works again.
func TestSignInRemainingAndBlock(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		for i := range 4 {
			rec, _ := e.signIn("ADAM1", "zle")
			m := wantError(t, rec, 401, "invalid_credentials")
			if m["remaining_attempts"] != float64(4-i) {
				t.Errorf("attempt %d: remaining_attempts = %v", i+1, m["remaining_attempts"])
			}
		}
		rec, _ := e.signIn("ADAM1", "zle")
		m := wantError(t, rec, 429, "too_many_attempts")
		if m["message"] != "Użytkownik został zablokowany do 09:15." {
			t.Errorf("fifth failure: %s", rec.Body)
		}
		// Blocked: even the correct password is refused.
		rec, _ = e.signIn("ADAM1", pwAdam1)
		m = wantError(t, rec, 429, "too_many_attempts")
		// 08:00 UTC + 15 min = 09:15 in Warsaw (CET).
		if !strings.Contains(m["message"].(string), "Użytkownik został zablokowany do 09:15.") {
			t.Errorf("block message = %q", m["message"])
		}
		if ra := rec.Header().Get("Retry-After"); ra != "900" {
			t.Errorf("Retry-After = %q, want 900", ra)
		}
		if evs := e.audit(jedenlogin.AuditBlocked); len(evs) != 1 || evs[0].Subject != "login:ADAM1" {
			t.Errorf("blocked audit = %+v", evs)
		}
		e.clock.Advance(15*time.Minute + time.Second)
		if rec, _ := e.signIn("ADAM1", pwAdam1); rec.Code != 200 {
			t.Fatalf("after the block: %d %s", rec.Code, rec.Body)
		}
		if th, _ := e.st.ThrottleState(context.Background(), "login:ADAM1"); th.Failures != 0 || th.BlockedUntil != nil {
			t.Errorf("success did not clear the counter: %+v", th)
		}
	})
}

// signInPage posts the sign-in form (with a fresh pre-session token) from addr.
func (e *env) signInPage(login, pw, addr string) *httptest.ResponseRecorder {
	e.t.Helper()
	get := e.do(req{method: "GET", path: "/logowanie", addr: addr})
	tok := csrfOf(e.t, get.Body.String())
	return e.do(req{method: "POST", path: "/logowanie", addr: addr, cookies: get.Result().Cookies(),
		form: map[string][]string{"csrf": {tok}, "login": {login}, "password": {pw}}})
}

func TestSignInRemainingMessages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{LoginFailureLimit: 7})
		want := []string{
			"pozostało 6 prób", "pozostało 5 prób", "pozostały 4 próby", "pozostały 3 próby",
			"pozostały 2 próby", "pozostała 1 próba",
		}
		for i, w := range want {
			rec := e.signInPage("BEATA1", "zle", "198.51.100.7:1")
			if rec.Code != 401 {
				t.Fatalf("attempt %d: %d", i+1, rec.Code)
			}
			body := rec.Body.String()
			if !strings.Contains(body, "Podano nieprawidłowy login lub hasło.") || !strings.Contains(body, w+" logowania.") {
				t.Errorf("attempt %d: page lacks %q", i+1, w)
			}
		}
		rec := e.signInPage("BEATA1", "zle", "198.51.100.7:1")
		if rec.Code != 429 || !strings.Contains(rec.Body.String(), "Użytkownik został zablokowany do 09:15.") {
			t.Errorf("seventh failure: %d", rec.Code)
		}
	})
}

// TestSignInUnknownEqualsKnown: a wrong password for an existing name and
// any password for an unknown name get the same status, headers and body.
func TestSignInUnknownEqualsKnown(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		for i := 1; i <= 6; i++ {
			known, _ := e.signIn("ADAM2", "zle-haslo")
			unknown, _ := e.signIn("ADAM2X", "zle-haslo")
			inactive, _ := e.signIn("ewa.old", pwEwa)
			for _, other := range []*httptest.ResponseRecorder{unknown, inactive} {
				if known.Code != other.Code || known.Body.String() != other.Body.String() {
					t.Fatalf("attempt %d differs:\n%d %s\n%d %s", i, known.Code, known.Body, other.Code, other.Body)
				}
				kh, oh := known.Header().Clone(), other.Header().Clone()
				kh.Del("Date")
				oh.Del("Date")
				if fmt.Sprint(kh) != fmt.Sprint(oh) {
					t.Fatalf("attempt %d: headers differ:\n%v\n%v", i, kh, oh)
				}
			}
			if i == 5 && known.Code != 429 {
				t.Errorf("fifth failure: %d", known.Code)
			}
		}
		// The pages too.
		k := e.signInPage("ADAM3", "zle", "198.51.100.1:1")
		u := e.signInPage("ADAM3Y", "zle", "198.51.100.1:1")
		kb := strings.ReplaceAll(k.Body.String(), "ADAM3", "X")
		ub := strings.ReplaceAll(u.Body.String(), "ADAM3Y", "X")
		if k.Code != u.Code || stripCSRF(kb) != stripCSRF(ub) {
			t.Errorf("sign-in pages differ:\n%s\n---\n%s", k.Body, u.Body)
		}
	})
}

func stripCSRF(s string) string { return csrfRe.ReplaceAllString(s, "") }

// TestSignInParallelLockout: 50 parallel wrong attempts on one name check
// at most the limit of passwords; the name ends blocked and the correct
// password then gets 429.
func TestSignInParallelLockout(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		const n = 50
		codes := make(chan int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rec, _ := e.signIn("ADAM1", fmt.Sprintf("zgadywanie-%d", i))
				codes <- rec.Code
			}()
		}
		wg.Wait()
		close(codes)
		count := map[int]int{}
		for c := range codes {
			count[c]++
		}
		if count[401] != 4 || count[429] != n-4 {
			t.Errorf("answers = %v: want 4×401, the rest 429", count)
		}
		checked := 0
		for _, ev := range e.audit(jedenlogin.AuditSignInFailed) {
			if ev.Subject == "ADAM1" && strings.Contains(ev.Details, "wrong_password") {
				checked++
			}
		}
		if checked != 5 {
			t.Errorf("%d passwords were checked, want exactly the limit, 5", checked)
		}
		rec, _ := e.signIn("ADAM1", pwAdam1)
		wantError(t, rec, 429, "too_many_attempts")
	})
}

// TestSignInAddressLimit: more than 100 failures from one address block
// that address (the 101st failure answers 429), other addresses go on.
func TestSignInAddressLimit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		const attacker = "203.0.113.66:5000"
		for i := 1; i <= 101; i++ {
			rec := e.do(req{method: "POST", path: "/api/v1/session", addr: attacker,
				json: map[string]string{"login": fmt.Sprintf("ktos%d", i), "password": "x"}})
			want := 401
			if i == 101 {
				want = 429
			}
			if rec.Code != want {
				t.Fatalf("failure %d from one address: %d, want %d: %s", i, rec.Code, want, rec.Body)
			}
		}
		rec := e.do(req{method: "POST", path: "/api/v1/session", addr: attacker,
			json: map[string]string{"login": "ADAM1", "password": pwAdam1}})
		wantError(t, rec, 429, "too_many_attempts")
		if rec.Header().Get("Retry-After") == "" {
			t.Errorf("no Retry-After")
		}
		rec = e.do(req{method: "POST", path: "/api/v1/session", addr: "203.0.113.67:5000",
			json: map[string]string{"login": "ADAM1", "password": pwAdam1}})
		if rec.Code != 200 {
			t.Errorf("another address: %d %s", rec.Code, rec.Body)
		}
	})
}

func TestSignInTrustedProxy(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{TrustedProxies: mustPrefixes(t, "10.0.0.0/8")})
		tests := []struct {
			name, peer, xff, want string
		}{
			{"direct client", "192.0.2.5:1", "", "192.0.2.5"},
			{"untrusted peer's header ignored", "192.0.2.5:1", "198.51.100.9", "192.0.2.5"},
			{"through the proxy", "10.1.2.3:1", "198.51.100.9", "198.51.100.9"},
			{"forged left hop ignored", "10.1.2.3:1", "1.2.3.4, 198.51.100.9", "198.51.100.9"},
			{"two proxies", "10.1.2.3:1", "198.51.100.9, 10.9.9.9", "198.51.100.9"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := req{method: "POST", path: "/api/v1/session", addr: tc.peer,
					json: map[string]string{"login": "NIKT", "password": "x"}}
				if tc.xff != "" {
					r.header = map[string]string{"X-Forwarded-For": tc.xff}
				}
				e.do(r)
				if got := e.audit(jedenlogin.AuditSignInFailed)[0].Address; got != tc.want {
					t.Errorf("address = %q, want %q", got, tc.want)
				}
			})
		}
	})
}

// TestSignInRehash: a legacy bcrypt hash works and is replaced by argon2id
// at the first sign-in.
func TestSignInRehash(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		if h := mustLogin(t, e.st, "FILIP").PasswordHash; !strings.HasPrefix(h, "$2a$") {
			t.Fatalf("fixture hash %q is not bcrypt", h)
		}
		e.mustSignIn("FILIP", pwFilip)
		h := mustLogin(t, e.st, "FILIP").PasswordHash
		if !strings.HasPrefix(h, "$argon2id$") || hasher.NeedsRehash(h) {
			t.Errorf("hash after sign-in = %q", h)
		}
		if evs := e.audit(jedenlogin.AuditPasswordRehashed); len(evs) != 1 || evs[0].Subject != "FILIP" {
			t.Errorf("rehash audit = %+v", evs)
		}
		e.mustSignIn("FILIP", pwFilip) // the new hash works
		if evs := e.audit(jedenlogin.AuditPasswordRehashed); len(evs) != 1 {
			t.Errorf("rehashed twice")
		}
	})
}

func TestSignInMergedLogin(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		c := e.mustSignIn("ADAM2", pwAdam2)
		rec := e.do(req{method: "POST", path: "/api/v1/consolidation/confirm", cookies: []*http.Cookie{c},
			json: map[string]string{"login": "ADAM1", "password": pwAdam1}})
		if rec.Code != 200 {
			t.Fatalf("confirm: %d %s", rec.Code, rec.Body)
		}

		rec, cookie := e.signIn("ADAM2", pwAdam2)
		m := wantError(t, rec, 409, "login_merged")
		if m["unified_login"] != "ADAM1" || !strings.Contains(m["message"].(string), "ADAM1") {
			t.Errorf("merged answer = %s", rec.Body)
		}
		if cookie != nil {
			t.Errorf("merged login got a session")
		}
		rec, _ = e.signIn("ADAM2", "zle")
		m = wantError(t, rec, 401, "invalid_credentials")
		if _, ok := m["unified_login"]; ok || strings.Contains(rec.Body.String(), "ADAM1") {
			t.Errorf("wrong password revealed the unified login: %s", rec.Body)
		}
		// A login that was inactive is merged too (SPEC §6: active or inactive).
		rec, _ = e.signIn("ADAM1x", pwAdam1)
		if m := wantError(t, rec, 409, "login_merged"); m["unified_login"] != "ADAM1" {
			t.Errorf("merged inactive login: %s", rec.Body)
		}
		e.mustSignIn("ADAM1", pwAdam1)
	})
}

// TestSignInAddressLimitIPv6: an IPv6 client's failures count for its
// whole /64.
func TestSignInAddressLimitIPv6(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{AddressFailureLimit: 3})
		for i := 1; i <= 4; i++ {
			rec := e.do(req{method: "POST", path: "/api/v1/session", addr: fmt.Sprintf("[2001:db8:1:2::%x]:443", i),
				json: map[string]string{"login": fmt.Sprintf("ktos%d", i), "password": "x"}})
			want := 401
			if i == 4 {
				want = 429
			}
			if rec.Code != want {
				t.Fatalf("failure %d: %d, want %d", i, rec.Code, want)
			}
		}
		rec := e.do(req{method: "POST", path: "/api/v1/session", addr: "[2001:db8:1:3::1]:443",
			json: map[string]string{"login": "DAREK", "password": pwDarek}})
		if rec.Code != 200 {
			t.Errorf("another /64: %d", rec.Code)
		}
	})
}

// TestSignInBlockedNameCountsForAddress: refusals for a blocked name count
// against the address, and a blocked address's refusals do not flood the
// audit log.
func TestSignInBlockedNameCountsForAddress(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{AddressFailureLimit: 10})
		for range 11 { // 5 failures block ADAM1, 6 refusals follow: 11 > 10
			e.signIn("ADAM1", "zle")
		}
		rec, _ := e.signIn("BEATA1", pwBeataU)
		m := wantError(t, rec, 429, "too_many_attempts")
		if !strings.Contains(m["message"].(string), "Z tego adresu") {
			t.Errorf("not the address block: %q", m["message"])
		}
		before := len(e.audit(jedenlogin.AuditSignInFailed))
		for range 5 {
			e.signIn("BEATA1", pwBeataU)
		}
		if after := len(e.audit(jedenlogin.AuditSignInFailed)); after != before {
			t.Errorf("refusals of a blocked address wrote %d audit events", after-before)
		}
	})
}

// TestSignInAllOrNothing: a sign-in whose audit event cannot be written
// does not happen (SPEC §8: every sign-in is an audit event) — no session
// is stored, no cookie is set, and the session the request came with goes
// on.
func TestSignInAllOrNothing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		old := e.mustSignIn("DAREK", pwDarek)
		db := e.st.(interface{ DB() *sql.DB }).DB()
		refuseAudit(t, db, b.Name, jedenlogin.AuditSignIn)

		rec := e.do(req{method: "POST", path: "/api/v1/session", cookies: []*http.Cookie{old},
			json: map[string]string{"login": "DAREK", "password": pwDarek}})
		wantError(t, rec, http.StatusInternalServerError, "internal")
		if c := sessionCookie(rec); c != nil {
			t.Errorf("a cookie was set for a sign-in that did not happen")
		}
		var sessions int
		if err := db.QueryRow("SELECT count(*) FROM sessions").Scan(&sessions); err != nil {
			t.Fatal(err)
		}
		if sessions != 1 {
			t.Errorf("%d sessions stored, want only the previous one", sessions)
		}
		if rec := e.get(old, "/api/v1/me"); rec.Code != http.StatusOK {
			t.Errorf("the previous session after the failed sign-in: %d %s", rec.Code, rec.Body)
		}
	})
}

// refuseAudit makes the database refuse to append audit events with the
// action from now on, as a failing disk or a full table would.
func refuseAudit(t *testing.T, db *sql.DB, backend, action string) {
	t.Helper()
	stmts := []string{`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events
		WHEN NEW.action = '` + action + `' BEGIN SELECT RAISE(ABORT, 'test: audit refused'); END`}
	if backend == "postgres" {
		stmts = []string{
			`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'test: audit refused'; END $$`,
			`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW
				WHEN (NEW.action = '` + action + `') EXECUTE FUNCTION refuse_audit()`,
		}
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("refuse audit: %v", err)
		}
	}
}

// TestSignInFailureTimeEqual: a wrong password for a name whose legacy hash
// is slow to check (bcrypt, cost 10) and a sign-in with an unknown name
// take the same time — a failure is answered no sooner than the slowest
// check lately — while a successful sign-in is not held back.
func TestSignInFailureTimeEqual(t *testing.T) {
	if raceEnabled {
		// bcrypt under the race detector on a busy machine exceeds the
		// floor's 2 s cap; scripts/test runs this test without -race.
		t.Skip("timing is not meaningful under the race detector")
	}
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		slow, err := bcrypt.GenerateFromPassword([]byte(pwFilip), 10)
		if err != nil {
			t.Fatal(err)
		}
		filip := mustLogin(t, e.st, "FILIP")
		if ok, err := e.st.SetPasswordHash(context.Background(), filip.ID, filip.PasswordHash, string(slow), start); err != nil || !ok {
			t.Fatalf("SetPasswordHash = %v, %v", ok, err)
		}
		timed := func(login, pw string, want int) time.Duration {
			t.Helper()
			began := time.Now()
			rec, _ := e.signIn(login, pw)
			d := time.Since(began)
			if rec.Code != want {
				t.Fatalf("sign-in %s: %d %s, want %d", login, rec.Code, rec.Body, want)
			}
			return d
		}
		known := timed("FILIP", "zle-haslo", 401) // a bcrypt check of cost 10
		unknown := timed("NIKTTAKI7", "zle-haslo", 401)
		inactive := timed("ewa.old", pwEwa, 401)
		for name, d := range map[string]time.Duration{"unknown name": unknown, "inactive login": inactive} {
			if d < known*8/10 {
				t.Errorf("%s answered in %v, a wrong password for a bcrypt login in %v: the time tells them apart", name, d, known)
			}
		}
		if ok := timed("ADAM2", pwAdam2, 200); ok >= known*8/10 {
			t.Errorf("a successful sign-in took %v, as long as a failure (%v): it should not wait", ok, known)
		}
	})
}
