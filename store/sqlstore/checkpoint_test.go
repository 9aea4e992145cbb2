package sqlstore

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCheckpointsBesideWriters: a commit leaves its pages in the log — it
// never stops to checkpoint, which held the write lock over two syncs of
// the disk — and the Store's own checkpoints copy them into the database
// file soon after, so the log starts again from its beginning instead of
// growing; while an import holds the database they wait.
func TestCheckpointsBesideWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(ctx, path, Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.db.ExecContext(ctx, "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	size := func(name string) int64 {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	// write puts n rows of 2 KiB in transactions of 100: 2,000 rows are
	// ≈ 500 pages of 8 KiB, half of SQLite's own checkpoint threshold.
	next := 0
	write := func(n int) {
		t.Helper()
		for i := 0; i < n; i += 100 {
			err := s.writeTx(ctx, func(tx *sql.Tx) error {
				for range 100 {
					next++
					if _, err := tx.ExecContext(ctx, "INSERT INTO t (k, v) VALUES (?, zeroblob(2048))", next); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	eventually := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * checkpointEvery); !cond(); time.Sleep(checkpointEvery / 5) {
			if time.Now().After(deadline) {
				t.Fatalf("not within %v: %s", 20*checkpointEvery, what)
			}
		}
	}

	// Paused (an import holds the database): the pages stay in the log.
	db0 := size(path)
	s.pauseCheckpoints()
	write(4000)
	time.Sleep(3 * checkpointEvery)
	if got := size(path); got != db0 {
		t.Errorf("database file %d → %d bytes while checkpoints were paused", db0, got)
	}
	logged := size(path + "-wal")
	if logged < 4000*2048 {
		t.Fatalf("log %d bytes after 8 MiB of commits: did a commit checkpoint?", logged)
	}

	// Resumed: the pages reach the database file without anyone asking.
	s.resumeCheckpoints()
	eventually("the log's pages in the database file", func() bool { return size(path) >= 4000*2048 })

	// The log starts again from its beginning once all of it is copied:
	// writing as much twice more leaves it well short of three times the
	// size (without restarts it would grow by each batch). The pause lets a
	// checkpoint that copied the pages finish before the next writes.
	for batch := 2; batch <= 3; batch++ {
		time.Sleep(2 * checkpointEvery)
		write(4000)
		eventually("the next batch checkpointed", func() bool { return size(path) >= int64(batch)*4000*2048 })
	}
	if got := size(path + "-wal"); got >= 2*logged+logged/2 {
		t.Errorf("log grew from %d to %d bytes over two more batches: it does not start again after a checkpoint", logged, got)
	}

	// Every connection leaves checkpoints to the Store.
	var auto int
	if err := s.db.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&auto); err != nil || auto != 0 {
		t.Errorf("wal_autocheckpoint = %d (%v), want 0", auto, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.ckpt.done:
	default:
		t.Error("Close left the checkpointing goroutine running")
	}
}
