package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"jedenlogin"
	"jedenlogin/internal/loadtest"
	"jedenlogin/mail"
	"jedenlogin/web"
)

// The soak scenario: mixed traffic at a fixed share of the measured
// capacity for a long time (30 minutes by default), to show that nothing
// fails, the heap does not grow and the latency does not drift.
//
// The mix, by share of operations (each a user's action, one or two
// requests):
//
//	signin    POST /api/v1/session of a consolidated user
//	me        GET /api/v1/me with a signed-in user's session
//	confirm   a fresh pending person (choose or generate) signs in and
//	          confirms the one login (two requests, two argon2id checks)
//	recovery  POST /api/v1/recovery/login or /password with a user's
//	          matching data (the link is mailed: a sender that only counts)
//	apply     a signed-in user applies for access (POST
//	          /api/v1/applications) and withdraws the application
//
// Capacity is measured first: the same mix in closed loops of 1, 2, 4, …
// clients (up to -c, default 256) for -ramp each, until the rate stops
// growing by 5 % twice in a row; capacity is the best rate. Then the mix runs for -t at -load × capacity as an open loop:
// operations arrive at random (Poisson) times whatever the server's
// speed, and each one's latency counts from when it was due, so a server
// falling behind shows in p99 instead of slowing the load. Every -every
// a line reports the operations per second by kind, errors, p50 and p99,
// the Go heap live after the last collection and the process's RSS; the
// servers and the clients share this process, so both are in the heap.
const (
	kindSignIn = iota
	kindMe
	kindConfirm
	kindRecovery
	kindApply
	nKinds
)

var kindNames = [nKinds]string{"sign-in", "me", "confirm", "recovery", "apply"}

// soakMix is each kind's share of operations, in percent.
var soakMix = [nKinds]int{kindSignIn: 20, kindMe: 45, kindConfirm: 5, kindRecovery: 15, kindApply: 15}

// Verdict tolerances, stated in the report.
const (
	heapTolerance = 0.20    // the last third's heap may exceed the first's by 20 %…
	heapSlack     = 4 << 20 // …or by 4 MiB, whichever is larger
	p99Tolerance  = 1.5     // the last third's p99 within 1.5× the first third's
	maxInFlight   = 4096    // operations under way at once before the open loop counts one as failed
)

// soakEnv is the scenario's servers and data.
type soakEnv struct {
	*env
	cfg      config
	hash     string
	users    int
	imported atomic.Int64 // persons of loadtest.PersonsCSV imported so far
	next     atomic.Int64 // the next pending person to confirm
	counters [nKinds]atomic.Uint64
	sessions []string     // Cookie headers of users 0…len-1
	applying []sync.Mutex // by user: held while the user applies and withdraws
	mails    *countingSender
}

// countingSender is a mail.Sender that delivers nowhere and counts.
type countingSender struct{ n atomic.Int64 }

func (c *countingSender) Send(context.Context, *mail.Message) error {
	c.n.Add(1)
	return nil
}

// soakRow is one interval of the soak's table.
type soakRow struct {
	At       time.Duration // end of the interval, from the start of the soak
	Len      time.Duration
	Ops      [nKinds]int
	Errors   int
	P50, P99 time.Duration
	HeapLive uint64 // bytes, as of the last GC
	RSS      uint64 // bytes; 0 when unknown
	// Drain is the time after -t while the operations still under way
	// end: its few, late operations say nothing of a steady state, so
	// the verdict leaves it out.
	Drain bool
}

// soakReport is what the soak measured.
type soakReport struct {
	Capacity  float64 // operations per second, closed loop
	CapClient int     // the clients that reached it
	Ramp      []result
	Rate      float64 // the open loop's arrival rate
	Rows      []soakRow
	Total     [nKinds]int
	Errors    int
	FirstErrs []string
	Hist      latencyHist
	Mails     int64
}

func soak(ctx context.Context, cfg config, stderr io.Writer) (*soakReport, error) {
	rep := &soakReport{}
	users := cfg.users
	mails := &countingSender{}
	cfg.mailer = mails
	e, err := prepare(ctx, cfg, func(hash string) ([]byte, error) { return loadtest.UsersWithDataCSV(users, hash) })
	if err != nil {
		return rep, err
	}
	defer e.close()
	s := &soakEnv{env: e, cfg: cfg, users: users, mails: mails, applying: make([]sync.Mutex, users)}
	h := e.hasher
	if s.hash, err = h.Hash(loadtest.Password); err != nil {
		return rep, err
	}
	if err := s.morePersons(ctx, 2000); err != nil {
		return rep, err
	}
	if err := s.signInUsers(ctx, min(users, 200)); err != nil {
		return rep, err
	}

	// Capacity: closed loops of more and more clients.
	fmt.Fprintf(stderr, "loadgen: soak: measuring capacity, %v per step…\n", cfg.ramp)
	flat := 0
	for c := 1; c <= cfg.rampClients && flat < 2; c *= 2 {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		// Enough pending persons for this step even at four times the
		// best rate so far (at least 200/s).
		need := int(4*max(rep.Capacity, 200)*cfg.ramp.Seconds()*float64(soakMix[kindConfirm])/100) + 100
		if err := s.ensurePersons(ctx, need); err != nil {
			return rep, err
		}
		r := runFor(ctx, c, cfg.ramp, nil, func(ctx context.Context, client, i int) error {
			return s.do(ctx, pickKind(rand.IntN(100)))
		})
		r.Scenario, r.Backend, r.Instances, r.Unit = fmt.Sprintf("soak mix, closed loop, %d clients", c), e.backend, len(e.urls), "ops/s"
		rep.Ramp = append(rep.Ramp, r)
		rep.Errors += r.Errors
		rep.FirstErrs = appendErrs(rep.FirstErrs, r.FirstErrors...)
		fmt.Fprintf(stderr, "loadgen: soak: %3d clients: %s ops/s, p99 %s, %d errors\n", c, fmtRate(r.Rate()), fmtDuration(r.Percentile(99)), r.Errors)
		if r.Rate() > rep.Capacity*1.05 {
			flat = 0
		} else {
			flat++
		}
		if r.Rate() > rep.Capacity {
			rep.Capacity, rep.CapClient = r.Rate(), c
		}
	}
	if rep.Capacity <= 0 {
		return rep, errors.New("soak: no operation succeeded while measuring capacity")
	}

	// The soak itself.
	rep.Rate = cfg.load * rep.Capacity
	need := int(rep.Rate*cfg.duration.Seconds()*float64(soakMix[kindConfirm])/100*1.3) + 100
	if err := s.ensurePersons(ctx, need); err != nil {
		return rep, err
	}
	// Every session in use about every 2 minutes, far within the idle
	// timeout of 10 minutes; at most 200, so that signing them in (one
	// argon2id each) never takes long enough for the first to expire.
	perSession := rep.Rate * float64(soakMix[kindMe]+soakMix[kindApply]) / 100 * 120
	if err := s.signInUsers(ctx, max(10, min(users, 200, int(perSession)))); err != nil {
		return rep, err
	}
	fmt.Fprintf(stderr, "loadgen: soak: capacity %s ops/s (%d clients); %s ops/s (%.0f %%) for %v, a line every %v\n",
		fmtRate(rep.Capacity), rep.CapClient, fmtRate(rep.Rate), 100*cfg.load, cfg.duration, cfg.every)
	fmt.Fprintln(stderr, soakHeader)
	s.openLoop(ctx, rep, stderr)
	rep.Mails = mails.n.Load()
	return rep, nil
}

// pickKind maps a number 0…99 to a kind by soakMix.
func pickKind(n int) int {
	for k, share := range soakMix {
		if n < share {
			return k
		}
		n -= share
	}
	return kindMe
}

// morePersons imports n more pending persons of loadtest.PersonsCSV.
func (s *soakEnv) morePersons(ctx context.Context, n int) error {
	from := int(s.imported.Load())
	data, err := loadtest.PersonsCSV(from, n, s.hash)
	if err != nil {
		return err
	}
	if err := s.importCSV(ctx, data); err != nil {
		return fmt.Errorf("soak: pending persons: %w", err)
	}
	s.imported.Add(int64(n))
	return nil
}

// ensurePersons imports pending persons until at least n are left.
func (s *soakEnv) ensurePersons(ctx context.Context, n int) error {
	if left := int(s.imported.Load() - s.next.Load()); left < n {
		return s.morePersons(ctx, n-left)
	}
	return nil
}

// signInUsers replaces the sessions of me and apply with n new ones, and
// uses each once more when all are signed in, so none starts the run
// near its idle timeout.
func (s *soakEnv) signInUsers(ctx context.Context, n int) error {
	sessions := make([]string, n)
	r := runN(ctx, 16, n, func(ctx context.Context, _, i int) error {
		c, _, err := s.signIn(ctx, loadtest.UserLogin(i), loadtest.Password)
		sessions[i] = c
		return err
	})
	if r.Errors > 0 {
		return fmt.Errorf("soak: signing users in: %d failed, first: %v", r.Errors, r.FirstErrors)
	}
	r = runN(ctx, 16, n, func(ctx context.Context, _, i int) error {
		_, _, err := s.env.do(ctx, http.MethodGet, "/api/v1/me", sessions[i], nil)
		return err
	})
	if r.Errors > 0 {
		return fmt.Errorf("soak: the users' new sessions: %d failed, first: %v", r.Errors, r.FirstErrors)
	}
	s.sessions = sessions
	return nil
}

// address returns the n-th client address of 10.0.0.0/12: recovery and
// public limits count per address, and a million users are not one.
func address(n uint64) string {
	n %= 1 << 20
	return fmt.Sprintf("10.%d.%d.%d", n>>16, n>>8&255, n&255)
}

// do performs one operation of the kind and checks its answer.
func (s *soakEnv) do(ctx context.Context, kind int) error {
	n := s.counters[kind].Add(1) - 1
	ctx = loadtest.From(ctx, address(n*nKinds+uint64(kind)))
	switch kind {
	case kindSignIn:
		login := loadtest.UserLogin(int(n % uint64(s.users)))
		_, body, err := s.signIn(ctx, login, loadtest.Password)
		if err != nil {
			return fmt.Errorf("sign-in %s: %w", login, err)
		}
		var a struct {
			Login    string `json:"login"`
			Required bool   `json:"consolidation_required"`
		}
		if err := json.Unmarshal(body, &a); err != nil || a.Login != login || a.Required {
			return fmt.Errorf("sign-in %s: answer %s", login, body)
		}
	case kindMe:
		u := int(n % uint64(len(s.sessions)))
		body, _, err := s.env.do(ctx, http.MethodGet, "/api/v1/me", s.sessions[u], nil)
		if err != nil {
			return fmt.Errorf("me: %w", err)
		}
		var m struct {
			Login string `json:"login"`
		}
		if err := json.Unmarshal(body, &m); err != nil || m.Login != loadtest.UserLogin(u) {
			return fmt.Errorf("me of %s: answer %s", loadtest.UserLogin(u), body)
		}
	case kindConfirm:
		i := s.next.Add(1) - 1
		if i >= s.imported.Load() {
			return fmt.Errorf("confirm: no pending person left (%d imported)", s.imported.Load())
		}
		_, err := loadtest.ConfirmPerson(ctx, s.api, int(i))
		return err
	case kindRecovery:
		u := int(n / 2 % uint64(s.users))
		req := map[string]string{"first_name": "Anna", "last_name": "Testowa",
			"pesel": loadtest.UserPESEL(u), "email": loadtest.UserEmail(u)}
		path := "/api/v1/recovery/login"
		if n%2 == 1 {
			path = "/api/v1/recovery/password"
			req["login"] = loadtest.UserLogin(u)
		}
		b, _ := json.Marshal(req)
		if _, resp, err := s.env.do(ctx, http.MethodPost, path, "", b); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		} else if resp.StatusCode != http.StatusAccepted {
			return fmt.Errorf("%s: HTTP %d, want 202", path, resp.StatusCode)
		}
	case kindApply:
		// One open application per user, entity and function: a user's
		// applications take turns.
		u := int(n % uint64(len(s.sessions)))
		s.applying[u].Lock()
		defer s.applying[u].Unlock()
		b, _ := json.Marshal(map[string]any{"entity_id": loadtest.EntityB, "function": "pracownik", "scopes": []string{"sio"}})
		body, _, err := s.env.do(ctx, http.MethodPost, "/api/v1/applications", s.sessions[u], b)
		if err != nil {
			return fmt.Errorf("apply as %s: %w", loadtest.UserLogin(u), err)
		}
		var a struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		}
		if err := json.Unmarshal(body, &a); err != nil || a.ID == 0 {
			return fmt.Errorf("apply as %s: answer %s", loadtest.UserLogin(u), body)
		}
		body, _, err = s.env.do(ctx, http.MethodPost, "/api/v1/applications/"+strconv.FormatInt(a.ID, 10)+"/withdraw", s.sessions[u], nil)
		if err != nil {
			return fmt.Errorf("withdraw %d as %s: %w", a.ID, loadtest.UserLogin(u), err)
		}
		if err := json.Unmarshal(body, &a); err != nil || a.Status != string(jedenlogin.ApplicationWithdrawn) {
			return fmt.Errorf("withdraw %d: answer %s", a.ID, body)
		}
	}
	return nil
}

// interval collects one interval's operations.
type interval struct {
	mu     sync.Mutex
	ops    [nKinds]int
	errors int
	lat    []time.Duration
}

// openLoop runs the mix at rep.Rate operations per second (Poisson
// arrivals) for s.cfg.duration, printing a row to progress every
// s.cfg.every.
func (s *soakEnv) openLoop(ctx context.Context, rep *soakReport, progress io.Writer) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.duration)
	defer cancel()
	var (
		mu       sync.Mutex
		cur      = &interval{}
		inFlight atomic.Int64
		wg       sync.WaitGroup
	)
	record := func(kind int, lat time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			cur.errors++
			rep.Errors++
			rep.FirstErrs = appendErrs(rep.FirstErrs, err.Error())
			return
		}
		cur.ops[kind]++
		rep.Total[kind]++
		cur.lat = append(cur.lat, lat)
		rep.Hist.add(lat)
	}
	start := time.Now()
	last := start
	flush := func(now time.Time, drain bool) {
		mu.Lock()
		iv := cur
		cur = &interval{lat: make([]time.Duration, 0, len(iv.lat))}
		mu.Unlock()
		row := soakRow{At: now.Sub(start), Len: now.Sub(last), Ops: iv.ops, Errors: iv.errors, HeapLive: heapLive(), RSS: rss(), Drain: drain}
		last = now
		slices.Sort(iv.lat)
		row.P50, row.P99 = percentile(iv.lat, 50), percentile(iv.lat, 99)
		rep.Rows = append(rep.Rows, row)
		fmt.Fprintln(progress, row.String())
		s.sweep(ctx, now)
	}
	ticker := time.NewTicker(s.cfg.every)
	defer ticker.Stop()
	timer := time.NewTimer(0)
	<-timer.C
	rnd := rand.New(rand.NewPCG(uint64(start.UnixNano()), 7))
	due := start
	for {
		due = due.Add(time.Duration(rnd.ExpFloat64() / rep.Rate * float64(time.Second)))
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
		}
		select {
		case now := <-ticker.C:
			flush(now, false)
		default:
		}
		if ctx.Err() != nil {
			break
		}
		kind := pickKind(rnd.IntN(100))
		if inFlight.Load() >= maxInFlight {
			record(kind, 0, fmt.Errorf("%s: %d operations under way: the server does not keep up", kindNames[kind], maxInFlight))
			continue
		}
		inFlight.Add(1)
		at := due
		wg.Go(func() {
			defer inFlight.Add(-1)
			err := s.do(context.WithoutCancel(ctx), kind)
			record(kind, time.Since(at), err)
		})
	}
	if time.Since(last) > s.cfg.every/10 {
		flush(time.Now(), false) // the last interval, as far as it came
	}
	// The operations due within -t count, however late they end.
	wg.Wait()
	mu.Lock()
	late := cur.errors > 0 || slices.ContainsFunc(cur.ops[:], func(n int) bool { return n > 0 })
	mu.Unlock()
	if late {
		flush(time.Now(), true)
	}
}

// sweep removes expired sessions, throttle counters and tokens, as every
// instance of jedenlogin serve does once a minute.
func (s *soakEnv) sweep(ctx context.Context, now time.Time) {
	st := s.store()
	if _, err := st.DeleteExpiredSessions(ctx, now, now.Add(-web.DefaultIdleTimeout)); err != nil && ctx.Err() == nil {
		fmt.Fprintf(os.Stderr, "loadgen: soak: session sweep: %v\n", err)
	}
	if _, err := st.DeleteExpiredThrottles(ctx, now, now.Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
		fmt.Fprintf(os.Stderr, "loadgen: soak: throttle sweep: %v\n", err)
	}
	if _, err := st.DeleteExpiredTokens(ctx, now.Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
		fmt.Fprintf(os.Stderr, "loadgen: soak: token sweep: %v\n", err)
	}
}

func appendErrs(dst []string, msgs ...string) []string {
	for _, m := range msgs {
		if len(dst) < keepErrors {
			dst = append(dst, m)
		}
	}
	return dst
}

// percentile returns the p-th percentile of sorted latencies (nearest rank).
func percentile(lat []time.Duration, p float64) time.Duration {
	r := result{Lat: lat}
	return r.Percentile(p)
}

// heapLive returns the Go heap marked live by the last garbage collection.
func heapLive() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// rss returns the resident set size of this process from /proc, 0 when unknown.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

const soakHeader = "| time | ops/s | sign-in/s | me/s | confirm/s | recovery/s | apply/s | errors | p50 | p99 | heap live | RSS |\n" +
	"|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"

func (r soakRow) String() string {
	sec := r.Len.Seconds()
	total := 0
	var b strings.Builder
	for _, n := range r.Ops {
		total += n
	}
	at := fmtClock(r.At)
	if r.Drain {
		at += " (drain)"
	}
	fmt.Fprintf(&b, "| %s | %s |", at, fmtRate(float64(total)/sec))
	for _, n := range r.Ops {
		fmt.Fprintf(&b, " %s |", fmtRate(float64(n)/sec))
	}
	fmt.Fprintf(&b, " %d | %s | %s | %s | %s |", r.Errors, fmtDuration(r.P50), fmtDuration(r.P99), fmtMiB(r.HeapLive), fmtMiB(r.RSS))
	return b.String()
}

func fmtClock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

func fmtMiB(b uint64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

// verdict judges the soak: no error, the heap flat and p99 stable, the
// median of the last third of the intervals against the first's (for 30
// one-minute intervals: the last 10 minutes against the first 10); the
// drain after -t is left out.
type verdict struct {
	NoErrors, HeapFlat, P99Stable bool
	Judged                        bool // enough intervals to compare thirds
	HeapFirst, HeapLast           float64
	P99First, P99Last             time.Duration
}

func (rep *soakReport) verdict() verdict {
	v := verdict{NoErrors: rep.Errors == 0}
	rows := slices.DeleteFunc(slices.Clone(rep.Rows), func(r soakRow) bool { return r.Drain })
	third := len(rows) / 3
	if third < 1 {
		return v
	}
	v.Judged = true
	first, last := rows[:third], rows[len(rows)-third:]
	// Medians: the live heap is what the last collection found, and an
	// interval whose collection fell amid many sign-ins (19 MiB of
	// argon2id memory each) shows them; one such interval must not decide.
	median := func(rows []soakRow, f func(soakRow) float64) float64 {
		xs := make([]float64, len(rows))
		for i, r := range rows {
			xs[i] = f(r)
		}
		slices.Sort(xs)
		if n := len(xs); n%2 == 0 {
			return (xs[n/2-1] + xs[n/2]) / 2
		}
		return xs[len(xs)/2]
	}
	heap := func(r soakRow) float64 { return float64(r.HeapLive) }
	p99 := func(r soakRow) float64 { return float64(r.P99) }
	v.HeapFirst, v.HeapLast = median(first, heap), median(last, heap)
	v.HeapFlat = v.HeapLast <= max(v.HeapFirst*(1+heapTolerance), v.HeapFirst+heapSlack)
	v.P99First, v.P99Last = time.Duration(median(first, p99)), time.Duration(median(last, p99))
	v.P99Stable = float64(v.P99Last) <= p99Tolerance*float64(v.P99First)
	return v
}

// print writes the report after the machine's header.
func (rep *soakReport) print(w io.Writer, cfg config) {
	fmt.Fprintln(w, "Capacity (closed loops of the same mix):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| clients | ops/s | p50 | p99 | errors |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|")
	for _, r := range rep.Ramp {
		fmt.Fprintf(w, "| %d | %s | %s | %s | %d |\n", r.Clients, fmtRate(r.Rate()), fmtDuration(r.Percentile(50)), fmtDuration(r.Percentile(99)), r.Errors)
	}
	fmt.Fprintf(w, "\nCapacity **%s ops/s**; soak at %.0f %%: **%s ops/s** arriving at random (Poisson, open loop) for %v.\n",
		fmtRate(rep.Capacity), 100*cfg.load, fmtRate(rep.Rate), cfg.duration)
	var mix []string
	for k, share := range soakMix {
		mix = append(mix, fmt.Sprintf("%s %d %%", kindNames[k], share))
	}
	fmt.Fprintf(w, "Mix: %s.\n\n", strings.Join(mix, ", "))
	fmt.Fprintln(w, soakHeader)
	for _, r := range rep.Rows {
		fmt.Fprintln(w, r.String())
	}
	total := 0
	var kinds []string
	for k, n := range rep.Total {
		total += n
		kinds = append(kinds, fmt.Sprintf("%s %d", kindNames[k], n))
	}
	fmt.Fprintf(w, "\nDone: %d operations (%s); errors: %d; mails delivered: %d; p50 %s, p99 %s over the whole soak.\n",
		total, strings.Join(kinds, ", "), rep.Errors, rep.Mails, fmtDuration(rep.Hist.percentile(50)), fmtDuration(rep.Hist.percentile(99)))
	v := rep.verdict()
	fmt.Fprintf(w, "\n- Errors = 0: %s.\n", yesNo(v.NoErrors))
	if !v.Judged {
		fmt.Fprintln(w, "- Heap and p99: fewer than 3 intervals, not judged.")
		return
	}
	third := len(slices.DeleteFunc(slices.Clone(rep.Rows), func(r soakRow) bool { return r.Drain })) / 3
	fmt.Fprintf(w, "- Heap flat (median live heap of the last %d intervals within %.0f %% or %d MiB of the first %d's): %.1f → %.1f MiB: %s.\n",
		third, 100*heapTolerance, heapSlack>>20, third, v.HeapFirst/(1<<20), v.HeapLast/(1<<20), yesNo(v.HeapFlat))
	fmt.Fprintf(w, "- p99 stable (median p99 of the last %d intervals within %.1f× the first %d's): %s → %s: %s.\n",
		third, p99Tolerance, third, fmtDuration(v.P99First), fmtDuration(v.P99Last), yesNo(v.P99Stable))
	overall := "PASSED"
	if !v.NoErrors || !v.HeapFlat || !v.P99Stable {
		overall = "FAILED"
	}
	fmt.Fprintf(w, "\nSoak verdict: **%s**.\n", overall)
}

// latencyHist counts latencies in buckets 2 % wide from 1 µs, so a long
// soak's percentiles cost constant memory.
type latencyHist struct {
	counts []uint64
	n      uint64
}

const histGrowth = 1.02

func (h *latencyHist) add(d time.Duration) {
	i := 0
	if us := float64(d) / float64(time.Microsecond); us > 1 {
		i = int(math.Log(us)/math.Log(histGrowth)) + 1
	}
	if i >= len(h.counts) {
		h.counts = append(h.counts, make([]uint64, i+1-len(h.counts))...)
	}
	h.counts[i]++
	h.n++
}

// percentile returns the upper bound of the bucket holding the p-th
// percentile (within 2 %), 0 when empty.
func (h *latencyHist) percentile(p float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(p / 100 * float64(h.n)))
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= max(rank, 1) {
			return time.Duration(math.Pow(histGrowth, float64(i)) * float64(time.Microsecond))
		}
	}
	return 0
}
