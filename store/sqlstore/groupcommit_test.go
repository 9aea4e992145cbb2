package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"jedenlogin"
)

// groupStore opens a SQLite store with a scratch table t(k PRIMARY KEY).
func groupStore(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "g.db"), Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.db.ExecContext(ctx, "CREATE TABLE t (k INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0)"); err != nil {
		t.Fatal(err)
	}
	return s
}

// inOneGroup runs fns as concurrent write transactions that the store
// commits as one group: the write lock is held until every one of them
// waits, so the first to arrive leads a group of itself and the others
// queue behind it, in the order of fns, and go together. It returns each
// one's error (a panic as an error "panic: …").
func inOneGroup(t *testing.T, s *Store, ctxs []context.Context, fns []func(*sql.Tx) error) []error {
	t.Helper()
	errs := make([]error, len(fns))
	s.wmu.Lock()
	var wg sync.WaitGroup
	for i := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					errs[i] = fmt.Errorf("panic: %v", p)
				}
			}()
			errs[i] = s.writeTx(ctxs[i], fns[i])
		}()
		// The leader first, alone; then each one queued before the next
		// starts.
		waitFor(t, func() bool {
			s.group.mu.Lock()
			defer s.group.mu.Unlock()
			return s.group.leading && len(s.group.pending) == i
		})
	}
	s.wmu.Unlock()
	wg.Wait()
	return errs
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for the writers to queue")
		}
	}
}

func keys(t *testing.T, s *Store) []int {
	t.Helper()
	rows, err := s.db.Query("SELECT k FROM t ORDER BY k")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ks []int
	for rows.Next() {
		var k int
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		ks = append(ks, k)
	}
	return ks
}

func insert(k int) func(*sql.Tx) error {
	return func(tx *sql.Tx) error {
		_, err := tx.Exec("INSERT INTO t (k) VALUES (?)", k)
		return err
	}
}

// TestGroupCommitMembersStandAlone: members of one group commit together,
// yet each one's failure, panic or cancellation undoes only its own
// writes and reaches only its own caller.
func TestGroupCommitMembersStandAlone(t *testing.T) {
	errBoom := errors.New("boom")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	bg := context.Background()
	cases := []struct {
		name    string
		ctx     context.Context
		fn      func(*sql.Tx) error
		wantErr string // "" none
	}{
		{"ok 1", bg, insert(1), ""},
		{"fails after writing", bg, func(tx *sql.Tx) error {
			if err := insert(2)(tx); err != nil {
				return err
			}
			return errBoom
		}, "boom"},
		{"ok 3", bg, insert(3), ""},
		{"duplicate key", bg, insert(100), "UNIQUE constraint failed"}, // the leader's, committed before
		{"cancelled", cancelled, insert(5), "context canceled"},
		{"ok 6", bg, insert(6), ""},
		{"panics after writing", bg, func(tx *sql.Tx) error {
			if err := insert(7)(tx); err != nil {
				return err
			}
			panic("kaput")
		}, "panic: kaput"},
		{"ok 8", bg, insert(8), ""},
	}
	s := groupStore(t)
	ctxs := []context.Context{bg}
	fns := []func(*sql.Tx) error{insert(100)} // the leader's own group
	for _, c := range cases {
		ctxs, fns = append(ctxs, c.ctx), append(fns, c.fn)
	}
	errs := inOneGroup(t, s, ctxs, fns)
	if errs[0] != nil {
		t.Fatalf("leader: %v", errs[0])
	}
	for i, c := range cases {
		err := errs[i+1]
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: error %v, want %q", c.name, err, c.wantErr)
		}
	}
	if got, want := keys(t, s), []int{1, 3, 6, 8, 100}; !slices.Equal(got, want) {
		t.Errorf("committed keys %v, want %v", got, want)
	}
}

// TestGroupCommitIsSerial: members see the writes of those before them,
// as if each ran alone one after another — 50 read-modify-write
// increments of one counter in one group count 50.
func TestGroupCommitIsSerial(t *testing.T) {
	s := groupStore(t)
	if _, err := s.db.Exec("INSERT INTO t (k, n) VALUES (1, 0)"); err != nil {
		t.Fatal(err)
	}
	const n = 50
	ctxs := make([]context.Context, n)
	fns := make([]func(*sql.Tx) error, n)
	for i := range n {
		ctxs[i] = context.Background()
		fns[i] = func(tx *sql.Tx) error {
			var v int
			if err := tx.QueryRow("SELECT n FROM t WHERE k = 1").Scan(&v); err != nil {
				return err
			}
			_, err := tx.Exec("UPDATE t SET n = ? WHERE k = 1", v+1)
			return err
		}
	}
	for i, err := range inOneGroup(t, s, ctxs, fns) {
		if err != nil {
			t.Fatalf("member %d: %v", i, err)
		}
	}
	var v int
	if err := s.db.QueryRow("SELECT n FROM t WHERE k = 1").Scan(&v); err != nil || v != n {
		t.Fatalf("counter %d (%v), want %d", v, err, n)
	}
}

// TestGroupCommitUnderLoad: many writers at once, each answered after its
// own change is committed and visible to a fresh reader.
func TestGroupCommitUnderLoad(t *testing.T) {
	s := groupStore(t)
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for k := range 400 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.writeTx(context.Background(), insert(k)); err != nil {
				errs <- err
				return
			}
			var one int
			if err := s.db.QueryRow("SELECT count(*) FROM t WHERE k = ?", k).Scan(&one); err != nil || one != 1 {
				errs <- fmt.Errorf("key %d not visible after writeTx returned (%d, %v)", k, one, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(keys(t, s)); n != 400 {
		t.Errorf("%d rows, want 400", n)
	}
}

// TestGroupCommitAuditChain: members of one group append to the audit
// chain, each linking to the one before without reading the chain again;
// a member that appended and then failed is rolled back with its events,
// and the member after it links to the last event that stays — the chain
// holds link by link.
func TestGroupCommitAuditChain(t *testing.T) {
	s := groupStore(t)
	bg := context.Background()
	appendEvent := func(name string, fail error) func(*sql.Tx) error {
		return func(tx *sql.Tx) error {
			if err := s.appendAudit(bg, tx, []jedenlogin.AuditEvent{{Action: "test", Actor: name, Outcome: "ok"}}); err != nil {
				return err
			}
			return fail
		}
	}
	boom := errors.New("boom")
	names := []string{"leader", "a", "b fails", "c", "d fails", "e fails", "f"}
	fns := make([]func(*sql.Tx) error, len(names))
	ctxs := make([]context.Context, len(names))
	for i, n := range names {
		ctxs[i], fns[i] = bg, appendEvent(n, nil)
		if strings.HasSuffix(n, "fails") {
			fns[i] = appendEvent(n, boom)
		}
	}
	const groups = 2 // the second group appends after the first's
	for range groups {
		errs := inOneGroup(t, s, ctxs, fns)
		for i, n := range names {
			if failing := strings.HasSuffix(n, "fails"); failing != errors.Is(errs[i], boom) {
				t.Errorf("%s: error %v", n, errs[i])
			}
		}
	}
	var (
		chain jedenlogin.AuditChain
		got   []string
	)
	if err := s.ForEachAudit(bg, 0, func(e jedenlogin.AuditEvent) error {
		if !chain.Add(e) {
			t.Errorf("event %d (%s) does not link to the event before it", e.ID, e.Actor)
		}
		got = append(got, e.Actor)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := slices.Repeat([]string{"leader", "a", "c", "f"}, groups); !slices.Equal(got, want) {
		t.Errorf("events of %v, want those of %v", got, want)
	}
}
