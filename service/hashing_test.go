package service

import (
	"context"
	"errors"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHashGate: no more than GOMAXPROCS computations run at once however
// many requests ask, every request gets its turn, and a request that ends
// while waiting leaves without computing.
func TestHashGate(t *testing.T) {
	g := newHashGate()
	if cap(g) != runtime.GOMAXPROCS(0) {
		t.Fatalf("%d slots, want GOMAXPROCS = %d", cap(g), runtime.GOMAXPROCS(0))
	}
	t.Run("bounded", func(t *testing.T) {
		var running, most, done atomic.Int32
		var wg sync.WaitGroup
		for range 8 * cap(g) {
			wg.Go(func() {
				err := g.run(context.Background(), func() {
					n := running.Add(1)
					for {
						m := most.Load()
						if n <= m || most.CompareAndSwap(m, n) {
							break
						}
					}
					time.Sleep(2 * time.Millisecond)
					running.Add(-1)
					done.Add(1)
				})
				if err != nil {
					t.Errorf("run: %v", err)
				}
			})
		}
		wg.Wait()
		if m := most.Load(); m < 1 || int(m) > cap(g) {
			t.Errorf("%d computations at once, want 1..%d", m, cap(g))
		}
		if d := done.Load(); int(d) != 8*cap(g) {
			t.Errorf("%d computations done, want %d", d, 8*cap(g))
		}
	})
	t.Run("request ends while waiting", func(t *testing.T) {
		release := make(chan struct{})
		var holders sync.WaitGroup
		for range cap(g) {
			holders.Add(1)
			go g.run(context.Background(), func() { holders.Done(); <-release })
		}
		holders.Wait() // every slot is taken
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		ran := false
		err := g.run(ctx, func() { ran = true })
		close(release)
		if !errors.Is(err, ErrHashingWait) || !errors.Is(err, context.DeadlineExceeded) || ran {
			t.Errorf("run with every slot taken until the deadline: %v (ran %v), want ErrHashingWait and the deadline", err, ran)
		}
	})
}

// TestTuneGC: a serving process collects at ServerGCPercent, unless GOGC
// chose otherwise.
func TestTuneGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prev) })
	t.Setenv("GOGC", "")
	TuneGC()
	if got := debug.SetGCPercent(100); got != ServerGCPercent {
		t.Errorf("GC percent after TuneGC = %d, want %d", got, ServerGCPercent)
	}
	t.Setenv("GOGC", "150")
	debug.SetGCPercent(150)
	TuneGC()
	if got := debug.SetGCPercent(100); got != 150 {
		t.Errorf("GC percent after TuneGC with GOGC=150 = %d, want 150 kept", got)
	}
}

// TestCheckTimeFloor: the floor is the slowest check of the current and the
// previous window, capped, and forgets a slow check two windows later.
func TestCheckTimeFloor(t *testing.T) {
	var c checkTime
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	c.observe(t0, 20*time.Millisecond)
	c.observe(t0.Add(time.Second), 80*time.Millisecond)
	c.observe(t0.Add(2*time.Second), 30*time.Millisecond)
	for _, tc := range []struct {
		at   time.Duration
		want time.Duration
	}{
		{3 * time.Second, 80 * time.Millisecond},
		{checkTimeWindow + time.Second, 80 * time.Millisecond}, // the previous window's
		{2*checkTimeWindow + time.Second, 0},                   // forgotten
	} {
		if got := c.floor(t0.Add(tc.at)); got != tc.want {
			t.Errorf("floor after %v = %v, want %v", tc.at, got, tc.want)
		}
	}
	c.observe(t0.Add(3*checkTimeWindow), time.Hour)
	if got := c.floor(t0.Add(3 * checkTimeWindow)); got != maxCheckFloor {
		t.Errorf("floor after an hour-long check = %v, want the cap %v", got, maxCheckFloor)
	}
}
