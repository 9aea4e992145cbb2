package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/internal/loadtest"
	"jedenlogin/password"
	"jedenlogin/store/sqlstore"
	"jedenlogin/store/storetest"
)

// serveProcess is `jedenlogin serve` running as a process of its own.
type serveProcess struct {
	cmd    *exec.Cmd
	url    string
	exited chan error
	mu     sync.Mutex
	log    strings.Builder // its stderr (JSON log lines)
}

// startServe starts `jedenlogin serve` on dsn on a free port of
// 127.0.0.1, trusting 127.0.0.1 as a proxy (so each simulated user can
// come from an address of its own, loadtest.From) and hashing with
// password.CheapParams, and waits until it listens.
func startServe(t *testing.T, bin, dsn, outbox string) *serveProcess {
	t.Helper()
	p := password.CheapParams
	s := &serveProcess{exited: make(chan error, 1)}
	s.cmd = exec.Command(bin, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--trusted-proxy", "127.0.0.1/32",
		"--mail-outbox", outbox, "--mfa-required", "none",
		"--argon2-memory", fmt.Sprint(p.Memory), "--argon2-time", fmt.Sprint(p.Time), "--argon2-threads", fmt.Sprint(p.Threads))
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var l struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "serving" && l.Addr != "" {
				select {
				case addr <- l.Addr:
				default:
				}
			}
			s.mu.Lock()
			if s.log.Len() < 1<<20 {
				s.log.Write(sc.Bytes())
				s.log.WriteByte('\n')
			}
			s.mu.Unlock()
		}
		s.exited <- s.cmd.Wait()
	}()
	select {
	case a := <-addr:
		s.url = "http://" + a
	case err := <-s.exited:
		t.Fatalf("serve ended before listening: %v\n%s", err, s.logText())
	case <-time.After(2 * time.Minute):
		s.cmd.Process.Kill()
		t.Fatalf("serve did not listen within 2 minutes\n%s", s.logText())
	}
	t.Cleanup(func() { s.cmd.Process.Kill() })
	return s
}

func (s *serveProcess) logText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// kill9 kills the server with SIGKILL and waits until it is gone.
func (s *serveProcess) kill9(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s.exited
}

// stormPersons is how many persons confirm at once in TestConfirmStormKilled.
const stormPersons = 1000

// personState is what the database says of person i of loadtest.PersonsCSV.
type personState int

const (
	untouched personState = iota
	consolidated
)

// checkPerson tells whether rec, person i of loadtest.PersonsCSV, is
// untouched (pending, its logins and grants as imported) or fully
// consolidated (done, account data, one unified login — the chosen one or
// the reserved one —, the other merged into it, every grant moved to it);
// anything else is an error.
func checkPerson(i int, rec *jedenlogin.PersonRecord) (personState, error) {
	p := rec.Person
	var from, unified *jedenlogin.Login
	if i%2 == 0 {
		a, b := loadtest.ChooseLogins(i)
		from, unified = rec.LoginByName(a), rec.LoginByName(b)
	} else {
		from = rec.LoginByName(loadtest.GenerateLogin(i))
		if p.GeneratedLoginID != nil {
			unified = rec.Login(*p.GeneratedLoginID)
		}
	}
	if from == nil || unified == nil || len(rec.Logins) != 2 {
		return 0, fmt.Errorf("logins %+v: want two, the signed-in one and the chosen or reserved one", rec.Logins)
	}
	wantGrants := 1
	if i%2 == 0 {
		wantGrants = 2
	}
	if len(rec.Grants) != wantGrants {
		return 0, fmt.Errorf("%d grants, want %d", len(rec.Grants), wantGrants)
	}
	switch p.State {
	case jedenlogin.StatePending:
		wantUnified := jedenlogin.LoginActive
		if i%2 == 1 {
			wantUnified = jedenlogin.LoginReserved
		}
		if p.UnifiedLoginID != nil || p.Account != nil || p.ConsolidatedAt != nil ||
			from.State != jedenlogin.LoginActive || unified.State != wantUnified || from.MergedInto != nil {
			return 0, fmt.Errorf("pending but changed: person %+v, logins %+v", p, rec.Logins)
		}
		for _, g := range rec.Grants {
			if g.LoginID != g.OriginLoginID || g.MergedInto != nil {
				return 0, fmt.Errorf("pending but grant %d moved to login %d", g.ID, g.LoginID)
			}
		}
		return untouched, nil
	case jedenlogin.StateDone:
		if p.UnifiedLoginID == nil || *p.UnifiedLoginID != unified.ID || p.Account == nil || p.ConsolidatedAt == nil {
			return 0, fmt.Errorf("done but person %+v (want unified login %d with account data)", p, unified.ID)
		}
		if unified.State != jedenlogin.LoginActive || from.State != jedenlogin.LoginMerged ||
			from.MergedInto == nil || *from.MergedInto != unified.ID {
			return 0, fmt.Errorf("done but logins %+v", rec.Logins)
		}
		for _, g := range rec.Grants {
			if g.LoginID != unified.ID {
				return 0, fmt.Errorf("done but grant %d is on login %d, not the unified %d", g.ID, g.LoginID, unified.ID)
			}
		}
		return consolidated, nil
	}
	return 0, fmt.Errorf("state %q", p.State)
}

// stormState reads every person of the storm and the consolidation audit
// events from the database; it fails the test on a person half done or an
// audit event that does not match a person's state.
func stormState(t *testing.T, dsn string) map[int]personState {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	byLogin := map[string]*jedenlogin.PersonRecord{}
	if err := st.ForEachPerson(ctx, func(rec *jedenlogin.PersonRecord) error {
		for _, l := range rec.Logins {
			byLogin[l.Name] = rec
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	events := map[int64]int{}
	if err := st.ForEachAudit(ctx, 0, func(e jedenlogin.AuditEvent) error {
		if e.Action == jedenlogin.AuditConsolidated && e.PersonID != nil {
			events[*e.PersonID]++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	states := map[int]personState{}
	for i := range stormPersons {
		name := loadtest.GenerateLogin(i)
		if i%2 == 0 {
			name, _ = loadtest.ChooseLogins(i)
		}
		rec := byLogin[name]
		if rec == nil {
			t.Fatalf("person %d (%s) is not in the database", i, name)
		}
		s, err := checkPerson(i, rec)
		if err != nil {
			t.Errorf("person %d (%s, id %d): neither untouched nor fully consolidated: %v", i, name, rec.Person.ID, err)
			continue
		}
		want := 0
		if s == consolidated {
			want = 1
		}
		if n := events[rec.Person.ID]; n != want {
			t.Errorf("person %d (%s): %d consolidation audit events, want %d", i, name, n, want)
		}
		states[i] = s
	}
	if t.Failed() {
		t.FailNow()
	}
	return states
}

// TestConfirmStormKilled: 1,000 persons (half choose, half generate) sign
// in and confirm their one login all at once against `jedenlogin serve`,
// which is killed with SIGKILL in the middle of the storm. Then every
// person is either fully consolidated or untouched (with exactly as many
// audit events), every confirmation the server answered 200 is in the
// database, and `jedenlogin verify` is clean; after a restart the
// untouched persons confirm, and all 1,000 are done.
func TestConfirmStormKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs 1,000 concurrent confirmations")
	}
	bin := buildBinary(t)
	h := &password.Hasher{Params: password.CheapParams}
	hash, err := h.Hash(loadtest.Password)
	if err != nil {
		t.Fatal(err)
	}
	data, err := loadtest.PersonsCSV(0, stormPersons, hash)
	if err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(t.TempDir(), "persons.csv")
	if err := os.WriteFile(csv, data, 0o600); err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 1000))

	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		dsn := b.NewDSN(t)
		if code, out := cliOut(t, bin, "import", "--db", dsn, csv); code != 0 {
			t.Fatalf("import: exit %d\n%s", code, out)
		}
		outbox := filepath.Join(t.TempDir(), "outbox")
		srv := startServe(t, bin, dsn, outbox)
		client := loadtest.NewClient([]string{srv.url}, stormPersons)
		client.HTTP.Timeout = 20 * time.Minute // errors come from the kill only, however loaded the machine
		defer client.HTTP.CloseIdleConnections()

		// The storm; the server dies once killAfter persons are
		// consolidated in the database (or answered: an answer comes
		// after the commit, and under load well after it).
		killAfter := 100 + rnd.IntN(stormPersons/2)
		watch, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer watch.Close()
		var answered atomic.Int64
		killNow := make(chan struct{})
		var once sync.Once
		confirmed := make([]bool, stormPersons)
		errs := make([]error, stormPersons)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range stormPersons {
			wg.Go(func() {
				ctx := loadtest.From(context.Background(), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
				<-start
				_, err := loadtest.ConfirmPerson(ctx, client, i)
				errs[i] = err
				if err == nil {
					confirmed[i] = true
					if answered.Add(1) == int64(killAfter) {
						once.Do(func() { close(killNow) })
					}
				}
			})
		}
		began := time.Now()
		close(start)
		stormDone := make(chan struct{})
		go func() { wg.Wait(); close(stormDone) }()
		timeout := time.After(10 * time.Minute)
		doneInDB := 0
	watching:
		for {
			select {
			case <-killNow:
				break watching
			case <-stormDone:
				t.Fatalf("the storm ended before the kill: %d confirmed, want %d first", answered.Load(), killAfter)
			case <-timeout:
				t.Fatalf("%d confirmations in 10 minutes, want %d before the kill", answered.Load(), killAfter)
			case <-time.After(50 * time.Millisecond):
			}
			sum, err := watch.PlanSummary(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			doneInDB = 0
			for _, byState := range sum.ByCaseState {
				doneInDB += byState[jedenlogin.StateDone]
			}
			if doneInDB >= killAfter {
				break
			}
		}
		srv.kill9(t)
		killedAt := time.Since(began)
		<-stormDone
		failed := 0
		var firstErr error
		for i, err := range errs {
			if err == nil {
				continue
			}
			failed++
			if firstErr == nil {
				firstErr = err
			}
			// The kill breaks connections; an answer of the server that
			// is not a success is a failure of the storm itself.
			if ae := (*loadtest.APIError)(nil); errors.As(err, &ae) {
				t.Errorf("person %d: the server refused: %v", i, err)
			}
		}
		t.Logf("killed %v into the storm (target %d; last seen %d done in the database, %d answered); %d flows failed (first: %v)",
			killedAt.Round(time.Millisecond), killAfter, doneInDB, answered.Load(), failed, firstErr)
		if failed == 0 {
			t.Fatal("no flow failed: the kill did not interrupt the storm")
		}

		states := stormState(t, dsn)
		done := 0
		for i, s := range states {
			if s == consolidated {
				done++
			} else if confirmed[i] {
				t.Errorf("person %d: the server answered the confirmation but the database has it untouched", i)
			}
		}
		t.Logf("after the kill: %d persons consolidated, %d untouched (%d confirmations answered)", done, stormPersons-done, answered.Load())
		if code, out := cliOut(t, bin, "verify", "--db", dsn); code != 0 || !strings.Contains(out, "brak naruszeń") {
			t.Fatalf("verify after the kill: exit %d\n%s", code, out)
		}
		if code, out := cliOut(t, bin, "verify", "--audit", "--db", dsn); code != 0 {
			t.Fatalf("verify --audit after the kill: exit %d\n%s", code, out)
		}

		// Restart: the untouched persons confirm; merged logins name their
		// replacement.
		srv = startServe(t, bin, dsn, outbox)
		client = loadtest.NewClient([]string{srv.url}, 64)
		defer client.HTTP.CloseIdleConnections()
		next := make(chan int)
		var rerr sync.Map
		var waited atomic.Int64
		var rwg sync.WaitGroup
		for range 64 {
			rwg.Go(func() {
				for i := range next {
					ctx := loadtest.From(context.Background(), fmt.Sprintf("10.%d.%d.%d", 128+i>>16&127, i>>8&255, i&255))
					// A confirmation under way when the server died left
					// the person's lease behind: 503 unavailable until it
					// runs out (a minute), and the client tries again as
					// told (Retry-After: 5 s).
					for deadline := time.Now().Add(2 * time.Minute); ; {
						_, err := loadtest.ConfirmPerson(ctx, client, i)
						var ae *loadtest.APIError
						if errors.As(err, &ae) && ae.Code == "unavailable" && time.Now().Before(deadline) {
							waited.Add(1)
							time.Sleep(5 * time.Second)
							continue
						}
						if err != nil {
							rerr.Store(i, err)
						}
						break
					}
				}
			})
		}
		merged := 0
		for i := range stormPersons {
			if states[i] == untouched {
				next <- i
				continue
			}
			if i%2 == 0 && merged < 10 {
				merged++
				a, b := loadtest.ChooseLogins(i)
				_, body, err := client.SignIn(context.Background(), a, loadtest.Password)
				var ae *loadtest.APIError
				if !errors.As(err, &ae) || ae.Code != "login_merged" || !strings.Contains(string(body), `"`+b+`"`) {
					t.Errorf("sign-in with merged %s after the restart: %v, want login_merged naming %s", a, err, b)
				}
			}
		}
		close(next)
		rwg.Wait()
		t.Logf("after the restart: %d untouched persons confirmed; %d tries answered 503 (a lease of the killed server) and were made again", stormPersons-done, waited.Load())
		rerr.Range(func(k, v any) bool {
			t.Errorf("person %d after the restart: %v", k, v)
			return true
		})
		srv.kill9(t)
		for i, s := range stormState(t, dsn) {
			if s != consolidated {
				t.Errorf("person %d is not consolidated after the restart", i)
			}
		}
		if code, out := cliOut(t, bin, "verify", "--db", dsn); code != 0 || !strings.Contains(out, "brak naruszeń") {
			t.Errorf("verify at the end: exit %d\n%s", code, out)
		}
	})
}
