package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, _ := runLoadgen(t, tt.args...); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
		})
	}
}
