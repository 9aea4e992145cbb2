package web

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
)

// Password hashing is the costliest thing the server does: one argon2id
// computation with the OWASP parameters takes tens of milliseconds of CPU
// and 19 MiB of memory. Run more of them at once than there are CPUs and
// they only slow each other down — each one's memory is evicted from the
// caches by the others and the heap grows by 19 MiB per computation — so
// sign-ins under load would complete fewer per second than the CPUs can
// hash. The server therefore runs at most GOMAXPROCS of them at a time;
// the other requests wait for a slot (as long as their client does).
// Every verification takes a slot, the dummy one for unknown names too, so
// the answer for an unknown name still takes as long as for a known one.

// errHashingWait wraps the context's error when a request ended while it
// waited for a hashing slot.
var errHashingWait = errors.New("request ended while waiting for password hashing")

// hashGate is a counting semaphore of password hashing slots.
type hashGate chan struct{}

func newHashGate() hashGate { return make(hashGate, runtime.GOMAXPROCS(0)) }

// run waits for a slot, runs fn in it and frees the slot. It returns the
// context's error, without running fn, when ctx ends first.
func (g hashGate) run(ctx context.Context, fn func()) error {
	select {
	case g <- struct{}{}:
	default:
		select {
		case g <- struct{}{}:
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", errHashingWait, context.Cause(ctx))
		}
	}
	defer func() { <-g }()
	fn()
	return nil
}

// verifyPassword is Hasher.Verify in a hashing slot. Besides Verify's
// errors (an unusable hash) it returns an error wrapping errHashingWait
// when the request ended while waiting.
func (s *Server) verifyPassword(ctx context.Context, hash, pw string) (ok bool, err error) {
	if gerr := s.hashing.run(ctx, func() { ok, err = s.hasher.Verify(hash, pw) }); gerr != nil {
		return false, gerr
	}
	return ok, err
}

// dummyVerify is Hasher.DummyVerify in a hashing slot; it fails (wrapping
// errHashingWait) only when the request ended while waiting.
func (s *Server) dummyVerify(ctx context.Context, pw string) error {
	return s.hashing.run(ctx, func() { s.hasher.DummyVerify(pw) })
}

// hashPassword is Hasher.Hash in a hashing slot. Besides Hash's errors it
// returns an error wrapping errHashingWait when the request ended while
// waiting.
func (s *Server) hashPassword(ctx context.Context, pw string) (hash string, err error) {
	if gerr := s.hashing.run(ctx, func() { hash, err = s.hasher.Hash(pw) }); gerr != nil {
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
