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

	"jedenlogin/password"
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

// TestCheckTimeWindowBoundaries: a window is exactly checkTimeWindow long —
// a check at its very end starts the next one, and the slowest check is
// forgotten exactly two windows after its window began.
func TestCheckTimeWindowBoundaries(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		checks []time.Duration // the checks' start, since t0; each takes its index+1 × 10 ms
		at     time.Duration
		want   time.Duration
	}{
		{"in the first window", []time.Duration{0}, checkTimeWindow - time.Nanosecond, 10 * time.Millisecond},
		{"the previous window's at the next window's start", []time.Duration{0}, checkTimeWindow, 10 * time.Millisecond},
		{"forgotten exactly two windows later", []time.Duration{0}, 2 * checkTimeWindow, 0},
		{"kept until then", []time.Duration{0}, 2*checkTimeWindow - time.Nanosecond, 10 * time.Millisecond},
		// The second check, at the first window's end, starts the second
		// window: a window later only it is the previous window's.
		{"a check at a window's end belongs to the next", []time.Duration{0, checkTimeWindow}, 2 * checkTimeWindow, 20 * time.Millisecond},
		{"a check just before it to the first", []time.Duration{0, checkTimeWindow - time.Nanosecond}, 2 * checkTimeWindow, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c checkTime
			for i, at := range tc.checks {
				c.observe(t0.Add(at), time.Duration(i+1)*10*time.Millisecond)
			}
			if got := c.floor(t0.Add(tc.at)); got != tc.want {
				t.Errorf("floor at t0+%v = %v, want %v", tc.at, got, tc.want)
			}
		})
	}
}

// TestPadFailure: a failure is answered no sooner than the floor after its
// check began — the rest of it is waited for, nothing once it has passed —
// and the wait ends with the request.
func TestPadFailure(t *testing.T) {
	const floor = 100 * time.Millisecond
	for _, tc := range []struct {
		name     string
		began    time.Duration // before the call
		cancel   bool
		min, max time.Duration // the call's duration
	}{
		{"check just began: the floor's rest", 0, false, floor - 5*time.Millisecond, time.Hour},
		{"floor passed long ago: no wait", 10 * time.Second, false, 0, 5 * time.Second},
		{"request ended: no wait", 0, true, 0, time.Second}, // not the 2 s floor
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Service
			s.checkTime.observe(time.Now(), floor)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel {
				cancel()
				s.checkTime.observe(time.Now(), maxCheckFloor)
			}
			start := time.Now()
			s.PadFailure(ctx, start.Add(-tc.began))
			if d := time.Since(start); d < tc.min || d > tc.max {
				t.Errorf("PadFailure took %v, want %v..%v", d, tc.min, tc.max)
			}
		})
	}
}

// TestHashingSlotsTellWhenTheCheckBegan: VerifyPassword and DummyVerify
// give the time their check began, in its slot, to PadFailure's caller.
func TestHashingSlotsTellWhenTheCheckBegan(t *testing.T) {
	h := &password.Hasher{Params: password.CheapParams}
	hash, err := h.Hash("haslo-do-sprawdzenia")
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{hasher: h, hashing: newHashGate()}
	for _, tc := range []struct {
		name  string
		check func(began *time.Time) error
	}{
		{"VerifyPassword", func(began *time.Time) error {
			ok, err := s.VerifyPassword(context.Background(), hash, "haslo-do-sprawdzenia", began)
			if !ok && err == nil {
				err = errors.New("the right password refused")
			}
			return err
		}},
		{"DummyVerify", func(began *time.Time) error { return s.DummyVerify(context.Background(), "cokolwiek", began) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var began time.Time
			before := time.Now()
			if err := tc.check(&began); err != nil {
				t.Fatal(err)
			}
			if after := time.Now(); began.Before(before) || began.After(after) {
				t.Errorf("began %v, want between %v and %v", began, before, after)
			}
			if err := tc.check(nil); err != nil { // no time wanted
				t.Fatal(err)
			}
		})
	}
}

// TestHashingWaitEndsWithTheRequest: a request that ends while every
// hashing slot is taken gets an error wrapping ErrHashingWait and its
// context's error from each hashing call, with nothing checked or hashed.
func TestHashingWaitEndsWithTheRequest(t *testing.T) {
	h := &password.Hasher{Params: password.CheapParams}
	hash, err := h.Hash("haslo-do-sprawdzenia")
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{hasher: h, hashing: make(hashGate, 1)}
	s.hashing <- struct{}{} // the one slot is taken
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		call func() (string, error) // what it computed, and its error
	}{
		{"VerifyPassword", func() (string, error) {
			ok, err := s.VerifyPassword(ctx, hash, "haslo-do-sprawdzenia", nil)
			if ok {
				return "ok", err
			}
			return "", err
		}},
		{"DummyVerify", func() (string, error) { return "", s.DummyVerify(ctx, "cokolwiek", nil) }},
		{"HashPassword", func() (string, error) { return s.HashPassword(ctx, "nowe-haslo") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.call()
			if !errors.Is(err, ErrHashingWait) || !errors.Is(err, context.Canceled) || got != "" {
				t.Errorf("%s with every slot taken and the request ended = %q, %v; want nothing and ErrHashingWait", tc.name, got, err)
			}
		})
	}
	if s.checkTime.floor(time.Now()) != 0 {
		t.Errorf("a check that never ran was timed")
	}
}
