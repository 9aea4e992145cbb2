package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// Password hashing is the costliest thing the server does: one argon2id
// computation with the OWASP parameters takes tens of milliseconds of CPU
// and 19 MiB of memory. Run more of them at once than there are CPUs and
// they only slow each other down — each one's memory is evicted from the
// caches by the others and the heap grows by 19 MiB per computation — so
// sign-ins under load would complete fewer per second than the CPUs can
// hash. The process therefore runs at most GOMAXPROCS of them at a time,
// whatever number of Services it holds (processHashGate); the other
// requests wait for a slot (as long as their client does).
// Every verification takes a slot, the dummy one for unknown names too, so
// the answer for an unknown name still takes as long as for a known one.

// ErrHashingWait wraps the context's error when a request ended while it
// waited for a hashing slot.
var ErrHashingWait = errors.New("request ended while waiting for password hashing")

// hashGate is a counting semaphore of password hashing slots.
type hashGate chan struct{}

func newHashGate() hashGate { return make(hashGate, runtime.GOMAXPROCS(0)) }

// processHashGate holds the slots of the whole process, which every
// Service shares: the limit is the process's CPUs, not a Service's, so two
// Services in one process (two instances behind one load balancer in one
// test or benchmark process) run GOMAXPROCS computations between them, not
// twice as many on the same cores (BENCHMARKS.md measured two instances
// in one process, on PostgreSQL, signing in 23 % fewer people per second
// than one; how much of that the doubled hashing caused is for the next
// quiet measurement to tell).
var processHashGate = newHashGate()

// run waits for a slot, runs fn in it and frees the slot. It returns the
// context's error, without running fn, when ctx ends first.
func (g hashGate) run(ctx context.Context, fn func()) error {
	select {
	case g <- struct{}{}:
	default:
		select {
		case g <- struct{}{}:
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ErrHashingWait, context.Cause(ctx))
		}
	}
	defer func() { <-g }()
	fn()
	return nil
}

// VerifyPassword is Hasher.Verify in a hashing slot. Besides Verify's
// errors (an unusable hash) it returns an error wrapping ErrHashingWait
// when the request ended while waiting. When began is not nil it receives
// the time the check started, once it had its slot (PadFailure).
func (s *Service) VerifyPassword(ctx context.Context, hash, pw string, began *time.Time) (ok bool, err error) {
	// The condition on a line of its own, not after the closure in the
	// if's init: go test's coverage gives the text after a func literal to
	// no block, so gremlins would call its mutants not covered.
	gerr := s.hashing.run(ctx, func() {
		start := time.Now()
		ok, err = s.hasher.Verify(hash, pw)
		s.checkTime.observe(start, time.Since(start))
		if began != nil {
			*began = start
		}
	})
	if gerr != nil {
		return false, gerr
	}
	return ok, err
}

// DummyVerify is Hasher.DummyVerify in a hashing slot; it fails (wrapping
// ErrHashingWait) only when the request ended while waiting. began is as
// for VerifyPassword.
func (s *Service) DummyVerify(ctx context.Context, pw string, began *time.Time) error {
	return s.hashing.run(ctx, func() {
		start := time.Now()
		s.hasher.DummyVerify(pw)
		s.checkTime.observe(start, time.Since(start))
		if began != nil {
			*began = start
		}
	})
}

// Equal timing of failed sign-ins. An unknown name is checked against a
// dummy argon2id hash, so it costs what a known name with an argon2id hash
// costs. But until people sign in, most hashes are the legacy system's,
// and those cost something else: a salted SHA in microseconds, bcrypt or
// PBKDF2 up to hundreds of milliseconds. Answered as soon as it is
// checked, a wrong password would tell by its time whether the name exists
// and which kind of hash it has. So a failed sign-in is answered no sooner
// than the slowest password check of the last several minutes (checkTime):
// then unknown names, fast legacy hashes and slow ones all answer after
// the same time, while successful sign-ins, which reveal nothing new, are
// not delayed. The wait is a sleep, outside the hashing slots: it costs no
// CPU, only the failing client's time.

// checkTimeWindow is how long a slow check keeps the floor up; the floor
// is the slowest check of the current and the previous window.
const checkTimeWindow = 5 * time.Minute

// maxCheckFloor caps the floor, so that one pathological hash (or a check
// stalled by an overloaded machine) cannot slow every failure for long.
const maxCheckFloor = 2 * time.Second

// checkTime tracks how long password checks take (failure floor).
type checkTime struct {
	mu        sync.Mutex
	since     time.Time // start of the current window
	cur, prev time.Duration
}

// observe records a check that began at start and took d.
func (c *checkTime) observe(start time.Time, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rotate(start)
	c.cur = max(c.cur, min(d, maxCheckFloor))
}

// floor is the slowest check of the current and the previous window.
func (c *checkTime) floor(now time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rotate(now)
	return max(c.cur, c.prev)
}

// rotate starts the window now falls in. An if chain, not a switch: the
// conditions of a switch's cases are invisible to gremlins' coverage
// (TESTING.md), so their mutants would count as not covered.
func (c *checkTime) rotate(now time.Time) {
	if c.since.IsZero() {
		c.since = now
	} else if now.Sub(c.since) >= 2*checkTimeWindow {
		c.since, c.cur, c.prev = now, 0, 0
	} else if now.Sub(c.since) >= checkTimeWindow {
		c.since, c.cur, c.prev = c.since.Add(checkTimeWindow), 0, c.cur
	}
}

// PadFailure sleeps until the failure floor has passed since began (when
// the password check of a failing sign-in started in its hashing slot: the
// wait for the slot is the same for every name and must not eat into the
// floor, or a loaded server would let the check's own time show), or ctx
// ends.
func (s *Service) PadFailure(ctx context.Context, began time.Time) {
	wait := s.checkTime.floor(time.Now()) - time.Since(began)
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// HashPassword is Hasher.Hash in a hashing slot. Besides Hash's errors it
// returns an error wrapping ErrHashingWait when the request ended while
// waiting.
func (s *Service) HashPassword(ctx context.Context, pw string) (hash string, err error) {
	gerr := s.hashing.run(ctx, func() { hash, err = s.hasher.Hash(pw) }) // as in VerifyPassword
	if gerr != nil {
		return "", gerr
	}
	return hash, err
}

// ServerGCPercent is the garbage collector's target (GOGC) for a process
// that serves sign-ins. Its heap is mostly argon2id memory in flight (19 MiB
// per hash) and every sign-in leaves 19 MiB of garbage, so with Go's
// default of 100 the collector runs every few sign-ins, and a collection
// costs a serving process far more than a bare hashing loop: measured with
// `loadgen -compare signin`, sign-ins reached 76.5 % of the raw argon2id
// rate at GOGC=50, 89.8–91.4 % at 100, 94.2 % at 200 and 94.2 % at 400.
// 200 gets the gain for a heap of about three times the memory in flight
// (≈ 120 MiB on two cores) instead of two.
const ServerGCPercent = 200

// TuneGC sets the collector of a serving process to ServerGCPercent,
// unless the GOGC environment variable set it already (which it then
// leaves alone). Call it once, from main, before serving.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(ServerGCPercent)
	}
}
