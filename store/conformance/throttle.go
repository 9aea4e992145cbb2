package conformance

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"jedenlogin"
)

// testForgiveFailure: ForgiveFailure takes back one counted failure while
// the counter is current, never below 0, lifts a block once the count falls
// below the limit, and leaves stale, missing and other keys alone.
func testForgiveFailure(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	const (
		key    = "addr:192.0.2.7"
		window = 15 * time.Minute
		limit  = 3
	)
	failures := func(name string, want int, blocked bool) {
		t.Helper()
		th, err := s.ThrottleState(ctx, key)
		if err != nil || th.Failures != want || (th.BlockedUntil != nil) != blocked {
			t.Errorf("%s: ThrottleState = %+v, %v; want %d failures, blocked %v", name, th, err, want, blocked)
		}
	}
	forgive := func(at time.Duration) {
		t.Helper()
		if err := s.ForgiveFailure(ctx, key, t0.Add(at), window, limit); err != nil {
			t.Fatalf("ForgiveFailure: %v", err)
		}
	}
	if err := s.ForgiveFailure(ctx, "addr:nobody", t0, window, limit); err != nil {
		t.Errorf("ForgiveFailure(missing) = %v", err)
	}
	if th, _ := s.ThrottleState(ctx, "addr:nobody"); th.Failures != 0 {
		t.Errorf("ForgiveFailure(missing) made a counter: %+v", th)
	}
	for range 2 {
		if _, _, err := s.RecordFailure(ctx, key, t0, window, limit, window); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.RecordFailure(ctx, "addr:other", t0, window, limit, window); err != nil {
		t.Fatal(err)
	}
	forgive(time.Minute)
	failures("one forgiven", 1, false)
	forgive(time.Minute)
	failures("two forgiven", 0, false)
	forgive(time.Minute)
	failures("never below 0", 0, false)
	if th, _ := s.ThrottleState(ctx, "addr:other"); th.Failures != 1 {
		t.Errorf("ForgiveFailure touched another key: %+v", th)
	}

	// A block set by the third failure is lifted when one is taken back.
	for i := range limit {
		_, b, err := s.RecordFailure(ctx, key, t0.Add(2*time.Minute), window, limit, window)
		if err != nil || b != (i == limit-1) {
			t.Fatalf("RecordFailure %d: blocked=%v, %v", i, b, err)
		}
	}
	failures("blocked", limit, true)
	forgive(3 * time.Minute)
	failures("block lifted", limit-1, false)

	// A stale counter (window over, no block) is left as it is: the next
	// failure restarts it anyway.
	forgive(2*time.Minute + window + time.Second)
	failures("stale left alone", limit-1, false)

	// A running block with a count still at the limit after one is taken
	// back stays.
	for range 2 {
		if _, _, err := s.RecordFailure(ctx, key, t0.Add(4*time.Minute), window, limit, window); err != nil {
			t.Fatal(err)
		}
	}
	failures("blocked again", limit+1, true)
	forgive(5 * time.Minute)
	failures("still at limit: block kept", limit, true)
}

// testForgiveFailureConcurrent: parallel RecordFailure and ForgiveFailure
// calls on one key lose no update.
func testForgiveFailureConcurrent(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	const n = 40
	for range n {
		if _, _, err := s.RecordFailure(ctx, "addr:X", t0, time.Hour, 1000, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := range 2 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if i%2 == 0 {
				err = s.ForgiveFailure(ctx, "addr:X", t0.Add(time.Second), time.Hour, 1000)
			} else {
				_, _, err = s.RecordFailure(ctx, "addr:X", t0.Add(time.Second), time.Hour, 1000, time.Hour)
			}
			if err != nil {
				t.Errorf("%d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if th, err := s.ThrottleState(ctx, "addr:X"); err != nil || th.Failures != n {
		t.Errorf("after %d failures and %d forgiven in parallel: %+v, %v; want %d", n, n, th, err, n)
	}
}

// testDeleteExpiredThrottles: counters whose window is over and whose block,
// if any, has run out are removed; current ones and running blocks stay.
func testDeleteExpiredThrottles(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	const window = 15 * time.Minute
	record := func(key string, at time.Duration, limit int, block time.Duration) {
		t.Helper()
		if _, _, err := s.RecordFailure(ctx, key, t0.Add(at), window, limit, block); err != nil {
			t.Fatal(err)
		}
	}
	record("login:OLD", 0, 5, window)                  // window over at the sweep
	record("login:CURRENT", 50*time.Minute, 5, window) // window still runs
	record("login:BLOCKED", 0, 1, 2*time.Hour)         // old window, block runs
	record("login:BLOCKOVER", 0, 1, 30*time.Minute)
	now := t0.Add(time.Hour)
	n, err := s.DeleteExpiredThrottles(ctx, now, now.Add(-window))
	if err != nil || n != 2 {
		t.Errorf("DeleteExpiredThrottles = %d, %v; want 2", n, err)
	}
	for key, want := range map[string]int{"login:OLD": 0, "login:CURRENT": 1, "login:BLOCKED": 1, "login:BLOCKOVER": 0} {
		if th, err := s.ThrottleState(ctx, key); err != nil || th.Failures != want {
			t.Errorf("%s after sweep: %+v, %v; want %d failures", key, th, err, want)
		}
	}
	if n, err := s.DeleteExpiredThrottles(ctx, now, now.Add(-window)); err != nil || n != 0 {
		t.Errorf("second DeleteExpiredThrottles = %d, %v; want 0", n, err)
	}
}

// testCountAttempt: CountAttempt reads both counters and counts the
// address's failure and then the name's exactly as ThrottleState and
// RecordFailure in turn would: nothing while either is blocked, the name's
// failure also when this attempt's failure blocked the address, and the
// blocks it sets reported as RecordFailure reports them.
func testCountAttempt(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	const window = 15 * time.Minute
	count := func(addr, name string, at time.Duration, addrLimit, nameLimit int) jedenlogin.AttemptCounted {
		t.Helper()
		c, err := s.CountAttempt(ctx, jedenlogin.AttemptCount{Now: t0.Add(at),
			Addr: jedenlogin.FailureCount{Key: addr, Window: window, Limit: addrLimit, Block: window},
			Name: jedenlogin.FailureCount{Key: name, Window: window, Limit: nameLimit, Block: time.Hour}})
		if err != nil {
			t.Fatalf("CountAttempt(%s, %s): %v", addr, name, err)
		}
		return c
	}
	failures := func(key string) int {
		t.Helper()
		th, err := s.ThrottleState(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return th.Failures
	}

	c := count("addr:A", "login:anna", 0, 3, 2)
	if c.AddrBefore.Failures != 0 || c.NameBefore.Failures != 0 || !c.AddrCounted || !c.NameCounted ||
		c.Addr.Failures != 1 || c.Name.Failures != 1 || c.AddrBlocked || c.NameBlocked ||
		c.Addr.Key != "addr:A" || c.Name.Key != "login:anna" || !c.Addr.WindowStart.Equal(t0) {
		t.Errorf("first attempt: %+v", c)
	}
	// The second failure blocks the name (limit 2), for an hour.
	c = count("addr:A", "login:anna", time.Minute, 3, 2)
	if c.AddrBefore.Failures != 1 || c.NameBefore.Failures != 1 || c.Name.Failures != 2 || !c.NameBlocked || c.AddrBlocked ||
		c.Name.BlockedUntil == nil || !c.Name.BlockedUntil.Equal(t0.Add(time.Minute+time.Hour)) {
		t.Errorf("second attempt: %+v", c)
	}
	// The name is blocked: nothing is counted, the counters are as read.
	c = count("addr:A", "login:anna", 2*time.Minute, 3, 2)
	if c.AddrCounted || c.NameCounted || c.AddrBefore.Failures != 2 || c.NameBefore.BlockedUntil == nil {
		t.Errorf("attempt on a blocked name: %+v", c)
	}
	if failures("addr:A") != 2 || failures("login:anna") != 2 {
		t.Errorf("a blocked name's attempt was counted: address %d, name %d", failures("addr:A"), failures("login:anna"))
	}
	// The third failure of the address blocks it, and the name still counts.
	c = count("addr:A", "login:bob", 3*time.Minute, 3, 5)
	if !c.AddrCounted || !c.AddrBlocked || c.Addr.Failures != 3 || !c.NameCounted || c.NameBlocked || c.Name.Failures != 1 {
		t.Errorf("attempt blocking the address: %+v", c)
	}
	// The address is blocked: nothing is counted.
	c = count("addr:A", "login:carol", 4*time.Minute, 3, 5)
	if c.AddrCounted || c.NameCounted || c.AddrBefore.BlockedUntil == nil || c.AddrBefore.Failures != 3 {
		t.Errorf("attempt from a blocked address: %+v", c)
	}
	if failures("addr:A") != 3 || failures("login:carol") != 0 {
		t.Errorf("a blocked address's attempt was counted: address %d, name %d", failures("addr:A"), failures("login:carol"))
	}
	// After the block the address's counter restarts.
	c = count("addr:A", "login:carol", 20*time.Minute, 3, 5)
	if !c.AddrCounted || c.Addr.Failures != 1 || c.Addr.BlockedUntil != nil || !c.NameCounted || c.Name.Failures != 1 {
		t.Errorf("attempt after the address's block: %+v", c)
	}
	// A limit of 1 blocks at the first failure.
	c = count("addr:B", "login:dora", 0, 1, 1)
	if !c.AddrBlocked || !c.NameBlocked || c.Addr.BlockedUntil == nil || c.Name.BlockedUntil == nil {
		t.Errorf("limit 1: %+v", c)
	}
}

// testCountAttemptConcurrent: parallel attempts from one address never
// count more than the address's limit lets through, and each attempt's
// name is counted exactly when its address was not blocked by another.
func testCountAttemptConcurrent(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	const (
		n     = 30
		limit = 7
	)
	results := make([]jedenlogin.AttemptCounted, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, err := s.CountAttempt(ctx, jedenlogin.AttemptCount{Now: t0,
				Addr: jedenlogin.FailureCount{Key: "addr:C", Window: time.Hour, Limit: limit, Block: time.Hour},
				Name: jedenlogin.FailureCount{Key: fmt.Sprintf("login:user%d", i), Window: time.Hour, Limit: 5, Block: time.Hour}})
			if err != nil {
				t.Errorf("%d: %v", i, err)
			}
			results[i] = c
		})
	}
	wg.Wait()
	blocks, names := 0, 0
	for i, c := range results {
		th, err := s.ThrottleState(ctx, fmt.Sprintf("login:user%d", i))
		if err != nil {
			t.Fatal(err)
		}
		if c.AddrBlocked {
			blocks++
		}
		wantName := c.AddrCounted && (c.AddrBlocked || c.Addr.BlockedUntil == nil)
		if c.NameCounted != wantName || th.Failures != map[bool]int{true: 1}[wantName] {
			t.Errorf("attempt %d: %+v, its name's counter %+v; want the name counted: %v", i, c, th, wantName)
		}
		if c.NameCounted {
			names++
		}
	}
	if blocks != 1 || names != limit {
		t.Errorf("%d attempts in parallel, address limit %d: %d blocked it, %d names counted; want 1 and %d", n, limit, blocks, names, limit)
	}
}
