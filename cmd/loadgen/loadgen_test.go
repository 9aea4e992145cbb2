package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	r := result{Lat: []time.Duration{ms(1), ms(2), ms(3), ms(4), ms(5), ms(6), ms(7), ms(8), ms(9), ms(10)}}
	tests := []struct {
		name string
		p    float64
		want time.Duration
	}{
		{"p50 is the 5th of 10", 50, ms(5)},
		{"p99 is the largest of 10", 99, ms(10)},
		{"p10 is the first", 10, ms(1)},
		{"p100 is the largest", 100, ms(10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Percentile(tt.p); got != tt.want {
				t.Errorf("Percentile(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
	if got := (&result{}).Percentile(50); got != 0 {
		t.Errorf("empty Percentile = %v", got)
	}
}

// TestRunAtCountsQueueing: an open-loop run offers calls at its rate
// whether or not the clients keep up, and a call's latency counts from when
// it was due: with one client taking 10 ms a call and 500 calls/s offered,
// the calls queue and the last ones wait far longer than the 10 ms a
// closed loop would report.
func TestRunAtCountsQueueing(t *testing.T) {
	slow := func(context.Context, int, int) error { time.Sleep(10 * time.Millisecond); return nil }
	r := runAt(context.Background(), 1, 500, 100*time.Millisecond, slow)
	if r.Ops != 50 || r.Offered != 500 {
		t.Fatalf("ops %d offered %v, want 50 at 500/s", r.Ops, r.Offered)
	}
	if p99 := r.Percentile(99); p99 < 300*time.Millisecond {
		t.Errorf("p99 %v: the queue behind a 10 ms call (50 calls due within 100 ms, ≈ 400 ms for the last) does not count", p99)
	}
	if rate := r.Rate(); rate > 120 {
		t.Errorf("rate %.0f/s: one client of 10 ms calls completes at most 100/s", rate)
	}
	// Enough clients: every call starts when due, latency ≈ its own 10 ms.
	r = runAt(context.Background(), 16, 500, 100*time.Millisecond, slow)
	if r.Ops != 50 || r.Percentile(50) > 60*time.Millisecond {
		t.Errorf("16 clients: ops %d, p50 %v; want 50 calls answered in about 10 ms", r.Ops, r.Percentile(50))
	}
}

func TestFmtRate(t *testing.T) {
	for in, want := range map[float64]string{12.34: "12.3", 950: "950", 12345.6: "12,346", 1234567: "1,234,567"} {
		if got := fmtRate(in); got != want {
			t.Errorf("fmtRate(%v) = %q, want %q", in, got, want)
		}
	}
}

// runLoadgen runs the command in-process and returns its exit code and output.
func runLoadgen(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestScenariosSQLite(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"argon2", []string{"-params", "cheap", "-t", "200ms", "argon2"}, []string{"| argon2id verify (raw) |", "hashes/s"}},
		{"signin with compare", []string{"-params", "cheap", "-t", "300ms", "-users", "5", "-c", "2", "-compare", "signin"},
			[]string{"| POST /api/v1/session | SQLite | 1 | 2 |", "sign-ins/s", "of the raw argon2id rate"}},
		{"me on two instances", []string{"-params", "cheap", "-t", "300ms", "-users", "5", "-c", "4", "-instances", "2", "me"},
			[]string{"| GET /api/v1/me | SQLite | 2 | 4 |", "req/s", "Target ≥ 10,000 req/s", "µs per request, servers, clients and database together"}},
		{"userinfo offered at a rate", []string{"-params", "cheap", "-t", "300ms", "-users", "2", "-c", "4", "-rate", "200", "oidc-userinfo"},
			[]string{"| GET /oidc/userinfo, offered 200/s | SQLite | 1 | 4 |", "200/s offered (open loop)", "counted from when each request was due"}},
		{"confirm", []string{"-params", "cheap", "-persons", "20", "-c", "4", "confirm"},
			[]string{"| 20 | 0 |", "Persons done: 20 of 20", "checked to name their replacement: 10", "**0 violations** (over 20 persons)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runLoadgen(t, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			for _, w := range append(tt.want, "- Machine: ", "| scenario | database |") {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestServeAndTarget: one loadgen serves, another drives it and reports
// both processes' CPU time (here both are this test's process).
func TestServeAndTarget(t *testing.T) {
	file := filepath.Join(t.TempDir(), "servers.json")
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan int, 1)
	var serveErr bytes.Buffer
	go func() {
		served <- run(ctx, []string{"-params", "cheap", "-users", "5", "-serve", file, "me"}, io.Discard, &serveErr)
	}()
	deadline := time.Now().Add(time.Minute)
	for {
		if b, err := os.ReadFile(file); err == nil && len(b) > 0 {
			break
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("no servers file after a minute; stderr:\n%s", serveErr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	code, out, errOut := runLoadgen(t, "-t", "300ms", "-c", "4", "-target", file, "me")
	stop()
	if code != 0 {
		t.Fatalf("target: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, w := range []string{"| GET /api/v1/me | SQLite | 1 | 4 |", "server process", "client process"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if code := <-served; code != 0 {
		t.Errorf("serve: exit %d\nstderr:\n%s", code, serveErr.String())
	}
}

func TestConfirmPostgresTwoInstances(t *testing.T) {
	dsn := os.Getenv("JEDENLOGIN_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("JEDENLOGIN_TEST_STRICT") == "1" {
			t.Fatal("JEDENLOGIN_TEST_POSTGRES is not set (JEDENLOGIN_TEST_STRICT=1)")
		}
		t.Skip("set JEDENLOGIN_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run against PostgreSQL")
	}
	code, out, errOut := runLoadgen(t, "-db", dsn, "-instances", "2", "-params", "cheap", "-persons", "30", "-c", "6", "confirm")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, w := range []string{"| PostgreSQL | 2 | 6 |", "Persons done: 30 of 30", "**0 violations**"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// TestSoakShort runs the soak for a few seconds on SQLite: capacity, the
// open loop's lines, no failed operation, and the verdict's lines.
func TestSoakShort(t *testing.T) {
	if testing.Short() {
		t.Skip("runs mixed traffic for several seconds")
	}
	code, out, errOut := runLoadgen(t, "-params", "cheap", "-users", "50", "-ramp", "500ms", "-t", "3s", "-every", "1s", "-c", "16", "soak")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, w := range []string{"- Machine: ", "| clients | ops/s |", "Capacity **", "| time | ops/s | sign-in/s |",
		"| 0:01 |", "| 0:03 |", "errors: 0;", "- Errors = 0: met.", "- Heap flat (", "- p99 stable (", "Soak verdict: **"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	// Every kind ran, and the recovery requests were mailed.
	if m := regexp.MustCompile(`Done: \d+ operations \(sign-in (\d+), me (\d+), confirm (\d+), recovery (\d+), apply (\d+)\); errors: 0; mails delivered: (\d+);`).FindStringSubmatch(out); m == nil {
		t.Errorf("no summary of operations:\n%s", out)
	} else {
		for i, kind := range []string{"sign-in", "me", "confirm", "recovery", "apply", "mails"} {
			if m[i+1] == "0" {
				t.Errorf("no %s in the soak:\n%s", kind, out)
			}
		}
	}
}

func TestSoakVerdict(t *testing.T) {
	rows := func(heap []uint64, p99 []time.Duration) *soakReport {
		r := &soakReport{}
		for i := range heap {
			r.Rows = append(r.Rows, soakRow{HeapLive: heap[i], P99: p99[i]})
		}
		return r
	}
	ms := time.Millisecond
	const mib = 1 << 20
	tests := []struct {
		name                string
		rep                 *soakReport
		heap, p99, noErrors bool
	}{
		{"flat", rows([]uint64{50 * mib, 52 * mib, 51 * mib}, []time.Duration{10 * ms, 11 * ms, 12 * ms}), true, true, true},
		{"heap grows 30 %", rows([]uint64{50 * mib, 60 * mib, 65 * mib}, []time.Duration{10 * ms, 10 * ms, 10 * ms}), false, true, true},
		{"small heap grows 3 MiB", rows([]uint64{5 * mib, 6 * mib, 8 * mib}, []time.Duration{10 * ms, 10 * ms, 10 * ms}), true, true, true},
		{"p99 doubles", rows([]uint64{50 * mib, 50 * mib, 50 * mib}, []time.Duration{10 * ms, 15 * ms, 20 * ms}), true, false, true},
		{"an error", &soakReport{Errors: 1, Rows: rows([]uint64{1, 1, 1}, []time.Duration{1, 1, 1}).Rows}, true, true, false},
		{"one collection amid sign-ins", rows([]uint64{50 * mib, 50 * mib, 50 * mib, 50 * mib, 50 * mib, 50 * mib, 50 * mib, 90 * mib, 50 * mib},
			[]time.Duration{10 * ms, 10 * ms, 10 * ms, 10 * ms, 10 * ms, 10 * ms, 10 * ms, 10 * ms, 10 * ms}), true, true, true},
		{"the drain left out", &soakReport{Rows: append(rows([]uint64{50 * mib, 50 * mib, 50 * mib}, []time.Duration{10 * ms, 10 * ms, 10 * ms}).Rows,
			soakRow{HeapLive: 500 * mib, P99: time.Minute, Drain: true})}, true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.rep.verdict()
			if !v.Judged || v.HeapFlat != tt.heap || v.P99Stable != tt.p99 || v.NoErrors != tt.noErrors {
				t.Errorf("verdict %+v, want heap flat %t, p99 stable %t, no errors %t", v, tt.heap, tt.p99, tt.noErrors)
			}
		})
	}
	if v := rows([]uint64{1, 1}, []time.Duration{1, 1}).verdict(); v.Judged {
		t.Error("two intervals judged")
	}
}

func TestLatencyHist(t *testing.T) {
	var h latencyHist
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 500 * time.Millisecond}, {99, 990 * time.Millisecond}, {100, time.Second}} {
		got := h.percentile(c.p)
		if got < c.want || float64(got) > float64(c.want)*1.021 {
			t.Errorf("p%v = %v, want %v to 2 %% above", c.p, got, c.want)
		}
	}
	if got := (&latencyHist{}).percentile(50); got != 0 {
		t.Errorf("empty: %v", got)
	}
}

func TestPickKindFollowsMix(t *testing.T) {
	var n [nKinds]int
	for i := range 100 {
		n[pickKind(i)]++
	}
	if n != soakMix {
		t.Errorf("pickKind over 0…99 gives %v, want the mix %v", n, soakMix)
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no scenario", nil},
		{"unknown scenario", []string{"fly"}},
		{"bad params", []string{"-params", "huge", "argon2"}},
		{"zero persons", []string{"-persons", "0", "confirm"}},
		{"serve another scenario", []string{"-serve", "x.json", "signin"}},
		{"serve and target", []string{"-serve", "x.json", "-target", "y.json", "me"}},
		{"soak above capacity", []string{"-load", "1.5", "soak"}},
		{"soak with too many users", []string{"-users", "20000", "soak"}},
		{"rate for a closed-loop scenario", []string{"-rate", "100", "signin"}},
		{"negative rate", []string{"-rate", "-5", "oidc-userinfo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, _ := runLoadgen(t, tt.args...); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
		})
	}
}
