package conformance

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testLeases checks the life of a lease: held against others until it
// expires, renewed by its holder, taken over once expired, released only
// by its holder.
func testLeases(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	acquire := func(key, holder string, now time.Duration, want bool) {
		t.Helper()
		got, err := s.AcquireLease(ctx, key, holder, t0.Add(now), time.Minute)
		if err != nil {
			t.Fatalf("AcquireLease(%s, %s, t0+%v): %v", key, holder, now, err)
		}
		if got != want {
			t.Fatalf("AcquireLease(%s, %s, t0+%v) = %v, want %v", key, holder, now, got, want)
		}
	}
	release := func(key, holder string) {
		t.Helper()
		if err := s.ReleaseLease(ctx, key, holder); err != nil {
			t.Fatalf("ReleaseLease(%s, %s): %v", key, holder, err)
		}
	}

	acquire("k", "A", 0, true)
	acquire("k", "B", 30*time.Second, false)
	acquire("other", "B", 30*time.Second, true) // keys are independent
	// The holder renews: held until t0+1m30s now, not t0+1m.
	acquire("k", "A", 30*time.Second, true)
	acquire("k", "B", time.Minute, false)
	// Expired at exactly t0+1m30s: B takes it over.
	acquire("k", "B", 90*time.Second, true)
	// A's release no longer touches B's lease.
	release("k", "A")
	acquire("k", "A", 91*time.Second, false)
	release("k", "B")
	acquire("k", "A", 91*time.Second, true)
	// Releasing a lease never held is not an error.
	release("missing", "A")

	if _, err := s.AcquireLease(ctx, "k", "A", t0, 0); err == nil {
		t.Errorf("AcquireLease with ttl 0 succeeded")
	}
}

// testLeaseConcurrent: of many callers acquiring one free lease at once,
// exactly one gets it.
func testLeaseConcurrent(t *testing.T, open Opener) {
	s := open(t)
	const n = 30
	var (
		wg    sync.WaitGroup
		wins  atomic.Int32
		start = make(chan struct{})
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ok, err := s.AcquireLease(context.Background(), "consolidation:1", "holder-"+strconv.Itoa(i), t0, time.Minute)
			if err != nil {
				t.Errorf("AcquireLease: %v", err)
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	if w := wins.Load(); w != 1 {
		t.Errorf("%d of %d concurrent callers got the lease, want exactly 1", w, n)
	}
}
