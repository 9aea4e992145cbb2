package sqlstore

import (
	"context"
	"sync"
	"time"
)

// Checkpoints (SQLite). In WAL mode a commit appends the pages it changed to
// the log, and a checkpoint copies them back into the database file. By
// default SQLite checkpoints inside the commit that takes the log past
// 1,000 pages: that writer copies the pages and syncs the log and the
// database file while it still holds the write lock, so every write queued
// behind it waits for the disk. Under a steady stream of small writes
// (token refreshes, sign-ins) that stall was the limit: refresh grants went
// from ≈ 1,000 to ≈ 1,500/s on the same machine, the CPUs idle meanwhile,
// once commits stopped checkpointing (BENCHMARKS.md, issue 11, session 6).
//
// So no connection checkpoints on commit (wal_autocheckpoint(0) in
// sqliteDSN); a goroutine of the Store runs a PASSIVE checkpoint every
// checkpointEvery on a pooled connection. A passive checkpoint takes only
// the checkpoint lock: writers go on appending and readers go on reading
// while it copies every page that no open read transaction still needs;
// once all of the log is copied, the next writer starts the log again from
// its beginning, so the log stays about as large as what is written between
// two checkpoints. Nothing changes for durability: a committed transaction
// is in the log (synced as before), and a crash before its checkpoint
// leaves it there for the next connection to find. A process that stops
// leaves the rest to SQLite, which checkpoints when the last connection
// closes.
const checkpointEvery = 250 * time.Millisecond

// checkpointer runs the Store's passive checkpoints.
type checkpointer struct {
	mu     sync.Mutex // held while a checkpoint runs
	paused int        // > 0: a large import holds the database (leaveWAL)
	stop   context.CancelFunc
	done   chan struct{}
}

// startCheckpoints starts the checkpointing goroutine (SQLite files only).
func (s *Store) startCheckpoints() {
	ctx, stop := context.WithCancel(context.Background())
	c := &s.ckpt
	c.stop, c.done = stop, make(chan struct{})
	go func() {
		defer close(c.done)
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.checkpoint(ctx)
			}
		}
	}()
}

// checkpoint copies what it can of the log into the database file. A
// failure is not an error of anyone's: the log is checkpointed next time
// (or by SQLite when the last connection closes), and the data is safe in
// the log meanwhile.
func (s *Store) checkpoint(ctx context.Context) {
	c := &s.ckpt
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused > 0 {
		return
	}
	var busy, logged, copied int
	_ = s.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logged, &copied)
}

// pauseCheckpoints waits for a running checkpoint to end and runs no other
// until resumeCheckpoints: the import's leaveWAL needs to be the only
// connection to the database.
func (s *Store) pauseCheckpoints() {
	s.ckpt.mu.Lock()
	s.ckpt.paused++
	s.ckpt.mu.Unlock()
}

func (s *Store) resumeCheckpoints() {
	s.ckpt.mu.Lock()
	s.ckpt.paused--
	s.ckpt.mu.Unlock()
}

// stopCheckpoints ends the goroutine (Store.Close).
func (s *Store) stopCheckpoints() {
	if s.ckpt.stop != nil {
		s.ckpt.stop()
		<-s.ckpt.done
		s.ckpt.stop = nil
	}
}
