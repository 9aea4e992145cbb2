package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/store/sqlstore"
	"jedenlogin/store/storetest"
)

// TestCountAttemptRacingBlock: on PostgreSQL CountAttempt is one statement
// that reads the address's counter and then counts it; attempts that read
// it unblocked while another transaction blocked it (here one holding the
// row's lock, committing the block while they wait) count the address's
// failure but not the name's — as RecordFailure for the name was never
// called after a refusal for the address blocked by another attempt.
func TestCountAttemptRacingBlock(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		if b.Name != sqlstore.BackendPostgres {
			t.Skip("one statement on PostgreSQL only; SQLite's writers take turns")
		}
		ctx := context.Background()
		dsn := b.NewDSN(t)
		s := storetest.Open(t, dsn)
		t0 := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
		const limit = 5
		count := func(name string) (jedenlogin.AttemptCounted, error) {
			return s.CountAttempt(ctx, jedenlogin.AttemptCount{Now: t0,
				Addr: jedenlogin.FailureCount{Key: "addr:R", Window: time.Hour, Limit: limit, Block: time.Hour},
				Name: jedenlogin.FailureCount{Key: "login:" + name, Window: time.Hour, Limit: 10, Block: time.Hour}})
		}
		if _, err := count("first"); err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, "SELECT 1 FROM throttles WHERE throttle_key = 'addr:R' FOR UPDATE"); err != nil {
			t.Fatal(err)
		}
		const n = 4
		results := make([]jedenlogin.AttemptCounted, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				c, err := count(fmt.Sprintf("racer%d", i))
				if err != nil {
					t.Errorf("racer %d: %v", i, err)
				}
				results[i] = c
			})
		}
		// Wait until every racer waits for the row's lock.
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			var waiting int
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'WITH a0%'").Scan(&waiting); err != nil {
				t.Fatal(err)
			}
			if waiting == n {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d racers wait for the lock", waiting, n)
			}
		}
		// Another attempt's failure blocks the address meanwhile.
		if _, err := tx.ExecContext(ctx, "UPDATE throttles SET failures = $1, blocked_until = $2 WHERE throttle_key = 'addr:R'", limit, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		for i, c := range results {
			if c.AddrBefore.Failures != 1 || c.AddrBefore.BlockedUntil != nil {
				t.Errorf("racer %d read the address's counter as %+v; want 1 failure, unblocked (the snapshot before the block)", i, c.AddrBefore)
			}
			if !c.AddrCounted || c.AddrBlocked || c.Addr.BlockedUntil == nil || c.NameCounted {
				t.Errorf("racer %d: %+v; want the address's failure counted, the block not its own, the name not counted", i, c)
			}
			th, err := s.ThrottleState(ctx, fmt.Sprintf("login:racer%d", i))
			if err != nil || th.Failures != 0 {
				t.Errorf("racer %d's name: %+v, %v; want not counted", i, th, err)
			}
		}
		th, err := s.ThrottleState(ctx, "addr:R")
		if err != nil || th.Failures != limit+n {
			t.Errorf("address after the racers: %+v, %v; want %d failures", th, err, limit+n)
		}
	})
}
