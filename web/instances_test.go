package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// twoInstances starts two servers, each with its own connection pool, on one
// database, as two `jedenlogin serve` processes behind a load balancer are:
// nothing is shared between them but the database.
func twoInstances(t *testing.T, b storetest.Backend) (a, bb *env) {
	t.Helper()
	dsn := b.NewDSN(t)
	clk := &clock{t: start}
	st1 := storetest.Open(t, dsn)
	importFixture(t, st1, clk)
	st2 := storetest.Open(t, dsn)
	mk := func(st jedenlogin.Store) *env {
		srv, err := web.New(web.Config{Store: st, Hasher: hasher, Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return &env{t: t, st: st, clock: clk, srv: srv, h: srv.Handler()}
	}
	return mk(st1), mk(st2)
}

func TestTwoInstancesShareSessions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		a, bb := twoInstances(t, b)
		c := a.mustSignIn("DAREK", pwDarek)
		if rec := bb.do(req{method: "GET", path: "/api/v1/me", cookies: []*http.Cookie{c}}); rec.Code != http.StatusOK {
			t.Fatalf("session from instance A on instance B: %d %s", rec.Code, rec.Body)
		}
		if rec := bb.do(req{method: "DELETE", path: "/api/v1/session", cookies: []*http.Cookie{c}}); rec.Code != http.StatusNoContent {
			t.Fatalf("sign-out on B: %d %s", rec.Code, rec.Body)
		}
		if rec := a.do(req{method: "GET", path: "/api/v1/me", cookies: []*http.Cookie{c}}); rec.Code != http.StatusUnauthorized {
			t.Fatalf("session signed out on B still works on A: %d %s", rec.Code, rec.Body)
		}
	})
}

func TestTwoInstancesShareLockout(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		a, bb := twoInstances(t, b)
		// Five failures spread over both instances block the name on both.
		for i, e := range []*env{a, bb, a, bb, a} {
			rec, _ := e.signIn("DAREK", "zle-haslo")
			if want := http.StatusUnauthorized; i == 4 {
				if rec.Code != http.StatusTooManyRequests {
					t.Fatalf("5th failure: %d %s, want 429", rec.Code, rec.Body)
				}
			} else if rec.Code != want {
				t.Fatalf("failure %d: %d %s", i+1, rec.Code, rec.Body)
			}
		}
		for name, e := range map[string]*env{"A": a, "B": bb} {
			rec, _ := e.signIn("DAREK", pwDarek)
			if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
				t.Fatalf("correct password on %s while blocked: %d %s (Retry-After %q)", name, rec.Code, rec.Body, rec.Header().Get("Retry-After"))
			}
		}
	})
}

func TestTwoInstancesConfirmationRace(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		a, bb := twoInstances(t, b)
		// Adam signs in twice, with two of his logins, on the two instances,
		// and both sessions confirm at once (each choosing its own login).
		ca := a.mustSignIn("ADAM1", pwAdam1)
		cb := bb.mustSignIn("ADAM2", pwAdam2)
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i, x := range []struct {
			e     *env
			c     *http.Cookie
			login string
			pw    string
		}{{a, ca, "ADAM1", pwAdam1}, {bb, cb, "ADAM2", pwAdam2}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rec := x.e.do(req{method: "POST", path: "/api/v1/consolidation/confirm", cookies: []*http.Cookie{x.c}, json: map[string]string{"login": x.login, "password": x.pw}})
				codes[i] = rec.Code
			}()
		}
		wg.Wait()
		ok, conflict := 0, 0
		for _, c := range codes {
			switch c {
			case http.StatusOK:
				ok++
			case http.StatusConflict:
				conflict++
			}
		}
		if ok != 1 || conflict != 1 {
			t.Fatalf("answers %v: want exactly one 200 and one 409", codes)
		}
		rec := mustPerson(t, a.st, "ADAM3")
		if rec.Person.State != jedenlogin.StateDone {
			t.Fatalf("person state %s after the race", rec.Person.State)
		}
	})
}

// TestTwoInstancesConfirmationRaceOneLogin: confirmations of one login
// racing on two instances run one at a time as on one instance
// (TestConfirmRaceOneLogin): the instances share nothing but the database.
func TestTwoInstancesConfirmationRaceOneLogin(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		a, bb := twoInstances(t, b)
		cookies := make([]*http.Cookie, 12)
		for i := range cookies {
			cookies[i] = a.mustSignIn("ADAM2", pwAdam2)
		}
		a.slowThrottles(20 * time.Millisecond)
		bb.slowThrottles(20 * time.Millisecond)
		wantOneWinner(t, a, confirmAll([]*env{a, bb}, cookies, "ADAM1", pwAdam1))
	})
}

// TestTwoInstancesWrongConfirmations: wrong confirmations for one person
// racing on two instances check no more passwords than the limit allows,
// as on one (TestConfirmWrongPasswordsInParallel).
func TestTwoInstancesWrongConfirmations(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		a, bb := twoInstances(t, b)
		c := a.mustSignIn("ADAM2", pwAdam2)
		a.slowThrottles(20 * time.Millisecond)
		bb.slowThrottles(20 * time.Millisecond)
		wantParallelFailures(t, a, confirmAll([]*env{a, bb}, slices.Repeat([]*http.Cookie{c}, 20), "ADAM1", "zle-haslo"))
	})
}

func TestTwoInstancesReserveUniqueLogins(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		a, bb := twoInstances(t, b)
		pid := mustLogin(t, a.st, "celina.w").PersonID
		const each = 15
		names := make(chan string, 2*each)
		var wg sync.WaitGroup
		for _, st := range []jedenlogin.Store{a.st, bb.st} {
			for range each {
				wg.Add(1)
				go func() {
					defer wg.Done()
					l, err := st.ReserveLogin(context.Background(), "CELWIS", jedenlogin.Login{PersonID: pid, State: jedenlogin.LoginReserved, Origin: jedenlogin.OriginGenerated})
					if err != nil {
						t.Errorf("ReserveLogin: %v", err)
						return
					}
					names <- l.Name
				}()
			}
		}
		wg.Wait()
		close(names)
		seen := map[string]bool{}
		for n := range names {
			if seen[n] {
				t.Fatalf("login %s handed out twice", n)
			}
			seen[n] = true
		}
		if len(seen) != 2*each {
			t.Fatalf("%d distinct logins, want %d", len(seen), 2*each)
		}
		// CELWIS1 was reserved at import, so the instances share 2…31.
		for i := 2; i <= 2*each+1; i++ {
			if n := "CELWIS" + itoa(i); !seen[n] {
				t.Fatalf("%s not handed out: the smallest free numbers must be used (%v)", n, seen)
			}
		}
	})
}

func itoa(i int) string {
	return strconv.Itoa(i)
}
