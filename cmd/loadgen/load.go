package main

import (
	"context"
	"fmt"
	"math"
	"runtime/pprof"
	"slices"
	"sync"
	"time"
)

// result is one measured scenario, one row of the printed table.
type result struct {
	Scenario  string
	Backend   string
	Instances int
	Clients   int
	Elapsed   time.Duration
	Ops       int
	Errors    int
	Unit      string // what Ops count, per second: "hashes/s", "sign-ins/s", …
	Target    string // what the number should reach, "" when none
	// Lat holds the latency of every successful operation, sorted.
	Lat []time.Duration
	// FirstErrors keeps a few error messages for the report.
	FirstErrors []string
	// CPU is the CPU time this process used during a timed run's window;
	// ServerCPU that of the server process when the servers run in
	// another one (-target), else 0.
	CPU, ServerCPU time.Duration
	// DBCPU is the CPU time PostgreSQL's backends of the benchmark's
	// database used during the run (dbcpu.go); 0 on SQLite.
	DBCPU time.Duration
	// Ratios are, for a -compare run, this row's rate over the raw
	// argon2id rate in each turn.
	Ratios []float64
	// Offered is, for an open-loop run (-rate), the calls offered per
	// second; 0 for a closed loop.
	Offered float64
}

// Rate returns successful operations per second.
func (r *result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of the latencies by
// the nearest-rank method, 0 when there are none.
func (r *result) Percentile(p float64) time.Duration {
	if len(r.Lat) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(r.Lat))))
	rank = min(max(rank, 1), len(r.Lat))
	return r.Lat[rank-1]
}

const keepErrors = 5

// op is one unit of work of one client: i counts that client's calls.
type op func(ctx context.Context, client, i int) error

// runFor runs fn from clients goroutines in a loop for d (or until ctx
// ends, on Ctrl-C) and measures the calls that complete within that window:
// the rate is completions per second of a steady closed loop. Calls still
// running when the window closes are not cancelled (the server would go on
// hashing anyway); they are waited for and left out, so the next
// measurement starts on an idle machine. The CPU time used within the
// window is measured too: this process's, and the server process's when
// serverCPU is not nil.
func runFor(ctx context.Context, clients int, d time.Duration, serverCPU func() (time.Duration, error), fn op) result {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var cpu, srvCPU time.Duration
	var srvErr error
	cpuDone := make(chan struct{})
	cpu0 := processCPU()
	var srv0 time.Duration
	if serverCPU != nil {
		srv0, srvErr = serverCPU()
	}
	go func() {
		defer close(cpuDone)
		<-ctx.Done()
		cpu = processCPU() - cpu0
		if serverCPU != nil && srvErr == nil {
			var srv1 time.Duration
			srv1, srvErr = serverCPU()
			srvCPU = srv1 - srv0
		}
	}()
	res := spread(clients, func(client int, record func(time.Duration, error)) {
		for i := 0; ctx.Err() == nil; i++ {
			begin := time.Now()
			err := fn(context.WithoutCancel(ctx), client, i)
			if ctx.Err() == nil {
				record(time.Since(begin), err)
			}
		}
	})
	res.Elapsed = min(time.Since(start), d)
	<-cpuDone
	res.CPU = cpu
	if srvErr == nil {
		res.ServerCPU = srvCPU
	}
	return res
}

// runAt offers calls of fn at a fixed rate for d (an open loop): call k is
// due at start + k/rate and goes to whichever of the clients is free. Its
// latency counts from when it was due, not from when a client took it, so
// a server that falls behind shows it: the calls queue and their waiting
// counts (a closed loop of N clients would slow down with the server and
// report the queue as a rate instead — "coordinated omission"). The rate is
// the completions over the time from the start to the last completion, so a
// server that cannot keep up shows a rate below the offered one. CPU time
// is measured over the same span.
func runAt(ctx context.Context, clients int, rate float64, d time.Duration, fn op) result {
	n := int(rate * d.Seconds())
	due := make(chan time.Time, n)
	cpu0 := processCPU()
	start := time.Now()
	go func() {
		defer close(due)
		for k := range n {
			at := start.Add(time.Duration(float64(k) / rate * float64(time.Second)))
			if wait := time.Until(at); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return
				}
			}
			due <- at
		}
	}()
	res := spread(clients, func(client int, record func(time.Duration, error)) {
		i := 0
		for at := range due {
			err := fn(context.WithoutCancel(ctx), client, i)
			record(time.Since(at), err)
			i++
		}
	})
	res.CPU = processCPU() - cpu0
	res.Offered = rate
	return res
}

// runN runs n calls of fn spread over clients goroutines (call i goes to
// whichever client is free) and measures every call.
func runN(ctx context.Context, clients, n int, fn op) result {
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range n {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	return spread(clients, func(client int, record func(time.Duration, error)) {
		for i := range next {
			start := time.Now()
			err := fn(ctx, client, i)
			record(time.Since(start), err)
		}
	})
}

func spread(clients int, loop func(client int, record func(time.Duration, error))) result {
	var (
		mu  sync.Mutex
		res = result{Clients: clients}
		wg  sync.WaitGroup
	)
	start := time.Now()
	for c := range clients {
		// The label tells the clients' samples from the servers' in a
		// -cpuprofile (go tool pprof -tagfocus loadgen=client).
		wg.Go(func() {
			pprof.Do(context.Background(), pprof.Labels("loadgen", "client"), func(context.Context) {
				lat := make([]time.Duration, 0, 1024)
				var errs int
				var msgs []string
				loop(c, func(d time.Duration, err error) {
					if err != nil {
						errs++
						if len(msgs) < keepErrors {
							msgs = append(msgs, err.Error())
						}
						return
					}
					lat = append(lat, d)
				})
				mu.Lock()
				res.Lat = append(res.Lat, lat...)
				res.Errors += errs
				for _, m := range msgs {
					if len(res.FirstErrors) < keepErrors {
						res.FirstErrors = append(res.FirstErrors, m)
					}
				}
				mu.Unlock()
			})
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Ops = len(res.Lat)
	slices.Sort(res.Lat)
	return res
}

// merge adds b's measurements to a's: operations, errors, time and
// latencies; b's labels win.
func merge(a, b result) result {
	b.Ops += a.Ops
	b.Errors += a.Errors
	b.Elapsed += a.Elapsed
	b.CPU += a.CPU
	b.ServerCPU += a.ServerCPU
	b.DBCPU += a.DBCPU
	b.Ratios = append(a.Ratios, b.Ratios...)
	b.Lat = append(b.Lat, a.Lat...)
	slices.Sort(b.Lat)
	for _, m := range a.FirstErrors {
		if len(b.FirstErrors) < keepErrors {
			b.FirstErrors = append(b.FirstErrors, m)
		}
	}
	return b
}

// fmtDuration prints a latency with three significant digits.
func fmtDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// fmtRate prints a rate with a thousands separator.
func fmtRate(r float64) string {
	if r >= 100 {
		s := fmt.Sprintf("%.0f", r)
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		return s
	}
	return fmt.Sprintf("%.1f", r)
}
