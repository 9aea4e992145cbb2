package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// Group commit (SQLite). SQLite lets one write transaction in at a time,
// and what a short write transaction costs is mostly its commit: the pages
// it changed written to the WAL, each a system call, the same B-tree pages
// (a table's last leaf, an index's) written again by the next transaction.
// So while one write transaction runs, the write transactions that arrive
// wait in a queue, and the next of them to go runs all of those waiting in
// ONE transaction: each workflow's function inside a savepoint of its own,
// in arrival order, one commit for all. A function that fails is rolled
// back to its savepoint alone and gets its error; the others are not
// touched. Each caller is answered only after the commit, so nobody hears
// "done" about a change that is not durable; if anything goes wrong with
// the group as a whole (the commit, a savepoint, SQLite rolling the
// transaction back by itself after an interrupt or I/O error), nothing of
// it was committed and every member runs again alone, in a transaction of
// its own, exactly as without grouping. Functions may run more than once —
// writeTx already retries them — and see the writes of the members before
// them, as if run one after another, which is what they are.
//
// PostgreSQL runs write transactions side by side and needs none of this,
// except for transactions that append to the audit chain often: those
// take turns on the chain's lock through their commit, and grouping them
// (Store.chainedWriteTx) shares one lock and one WAL flush. There the
// members go without savepoints (groupMember.bare): PostgreSQL aborts the
// whole transaction at any statement's error, and a group that fails runs
// again member by member. In any group a member links its audit events to
// the newest one the members before it appended (txGroup.tail), without
// reading the chain again.

// maxGroup bounds the functions of one group.
const maxGroup = 64

// txGroup is the queue of write transactions waiting for the write lock.
type txGroup struct {
	mu      sync.Mutex
	pending []*groupMember
	leading bool // a member is running a group; the others wait

	// conn is the connection every group runs on (under the write lock):
	// one connection that made the last writes still has the pages they
	// touched in its cache, where a connection taken from the pool would
	// have to read them again (SQLite drops a connection's cache when
	// another one has written since). nil until the first group, and after
	// the connection broke.
	conn *sql.Conn

	// tail is the audit chain's newest event in the running group's
	// transaction, once a member of the group appended to it: the members
	// after it link to it without reading the chain again (appendAudit).
	// nil outside runShared.
	tail atomic.Pointer[chainTail]
}

// chainTail is the hash of the newest audit event in tx, which holds the
// chain's lock; "" when no member of the group has appended yet (or each
// one that did was rolled back).
type chainTail struct {
	tx   *sql.Tx
	hash string
}

// tailOf returns the group's chain tail when tx is the running group's
// transaction, else nil.
func (g *txGroup) tailOf(tx *sql.Tx) *chainTail {
	if t := g.tail.Load(); t != nil && t.tx == tx {
		return t
	}
	return nil
}

type groupMember struct {
	ctx context.Context
	fn  func(*sql.Tx) error
	// bare: the member runs without a savepoint of its own, one round trip
	// fewer (chainedWriteTx on PostgreSQL). An error it marks untouched
	// came before it wrote anything; any other error fails the group,
	// which then reruns member by member (there any statement's error
	// aborts the whole transaction anyway).
	bare bool
	done chan groupResult // the outcome, after the commit
	lead chan struct{}    // this member runs the next group
}

type groupResult struct {
	err   error
	panic any // fn panicked: re-raised in the member's own goroutine
}

// groupWriteTx runs fn in a write transaction that may be shared with other
// waiting writers (see above). It returns fn's error, or the transaction's.
func (s *Store) groupWriteTx(ctx context.Context, fn func(*sql.Tx) error, bare bool) error {
	g := &s.group
	m := &groupMember{ctx: ctx, fn: fn, bare: bare && !s.d.oneWriter, done: make(chan groupResult, 1), lead: make(chan struct{}, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, m)
	lead := !g.leading
	if lead {
		g.leading = true
	}
	g.mu.Unlock()
	if lead {
		s.leadGroup()
	}
	var r groupResult
	select {
	case r = <-m.done:
	case <-m.lead:
		s.leadGroup()
		r = <-m.done
	}
	if r.panic != nil {
		panic(r.panic)
	}
	return r.err
}

// leadGroup runs the members waiting now as one group, then hands the lead
// to the first member that arrived meanwhile (or gives it up).
func (s *Store) leadGroup() {
	g := &s.group
	g.mu.Lock()
	n := min(len(g.pending), maxGroup)
	batch := g.pending[:n:n]
	g.pending = g.pending[n:]
	g.mu.Unlock()

	s.runGroup(batch)

	g.mu.Lock()
	if len(g.pending) > 0 {
		g.pending[0].lead <- struct{}{}
	} else {
		g.leading = false
		g.pending = nil
	}
	g.mu.Unlock()
}

// runGroup runs batch under the write lock and answers every member.
func (s *Store) runGroup(batch []*groupMember) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if len(batch) == 1 {
		m := batch[0]
		m.done <- s.runAlone(m)
		return
	}
	results, ok := s.runShared(batch)
	for i, m := range batch {
		if !ok && results[i].panic == nil {
			// Nothing of the group was committed: each member runs alone
			// (runAlone answers a cancelled one with its context's error).
			results[i] = s.runAlone(m)
		}
		m.done <- results[i]
	}
}

// runShared runs batch in one transaction. ok is false when the
// transaction as a whole failed: nothing was committed, and only the
// members' panics and cancellations in results stand.
func (s *Store) runShared(batch []*groupMember) (results []groupResult, ok bool) {
	results = make([]groupResult, len(batch))
	// The transaction belongs to no one member: a request that goes away
	// must not roll back the others' work.
	bg := context.Background()
	tx, err := s.beginWriter(bg)
	if err != nil {
		return results, false
	}
	tail := &chainTail{tx: tx}
	s.group.tail.Store(tail)
	defer s.group.tail.Store(nil)
	// Each member runs in savepoint grp, but a bare one. What the member
	// before owes (its savepoint released, or rolled back to when it
	// failed) goes with the next savepoint in one statement string (one
	// round trip on PostgreSQL); a savepoint left at the end is left to the
	// commit, or rolled back first when its member failed.
	ok = true
	owed := ""
	for i, m := range batch {
		if err := m.ctx.Err(); err != nil {
			results[i].err = err
			continue
		}
		step := owed
		if !m.bare {
			step += "SAVEPOINT grp"
		}
		if step != "" {
			if _, err := tx.ExecContext(bg, step); err != nil {
				ok = false
				break
			}
		}
		before := tail.hash
		results[i] = call(m.fn, tx)
		if results[i].panic != nil {
			ok = false
			break
		}
		failed := results[i].err != nil
		if failed && m.bare && !wroteNothing(results[i].err) {
			ok = false // it may have written: nothing of the group stands
			break
		}
		if failed {
			tail.hash = before // its events are rolled back with it
		}
		switch {
		case m.bare:
			owed = "" // a bare member that failed wrote nothing
		case failed:
			owed = "ROLLBACK TO grp; RELEASE grp; "
		default:
			owed = "RELEASE grp; "
		}
	}
	if ok && strings.HasPrefix(owed, "ROLLBACK") {
		if _, err := tx.ExecContext(bg, "ROLLBACK TO grp"); err != nil {
			ok = false
		}
	}
	if ok && tx.Commit() == nil {
		return results, true
	}
	tx.Rollback()
	return results, false
}

// untouched marks an error a write transaction's function returns before
// it wrote anything (groupMember.bare).
type untouched struct{ error }

func (u untouched) Unwrap() error { return u.error }

// wroteNothing reports whether err is marked untouched.
func wroteNothing(err error) bool {
	var u untouched
	return errors.As(err, &u)
}

// runAlone runs one member in a transaction of its own (writeTxOnce's
// ungrouped path).
func (s *Store) runAlone(m *groupMember) (r groupResult) {
	if err := m.ctx.Err(); err != nil {
		return groupResult{err: err}
	}
	tx, err := s.beginWriter(m.ctx)
	if err != nil {
		return groupResult{err: fmt.Errorf("begin: %w", err)}
	}
	if r = call(m.fn, tx); r.err != nil || r.panic != nil {
		tx.Rollback()
		return r
	}
	if err := tx.Commit(); err != nil {
		return groupResult{err: fmt.Errorf("commit: %w", err)}
	}
	return groupResult{}
}

// call runs fn, turning a panic into a result.
func call(fn func(*sql.Tx) error, tx *sql.Tx) (r groupResult) {
	defer func() {
		if p := recover(); p != nil {
			r.panic = p
		}
	}()
	r.err = fn(tx)
	return r
}

// beginWriter begins a write transaction on the group's connection
// (called under the write lock).
func (s *Store) beginWriter(ctx context.Context) (*sql.Tx, error) {
	if s.memory {
		// The one connection of a ":memory:" database is the pool: pinning
		// it would leave none for reads.
		return s.db.BeginTx(ctx, nil)
	}
	g := &s.group
	if g.conn == nil {
		c, err := s.db.Conn(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		g.conn = c
	}
	tx, err := g.conn.BeginTx(ctx, nil)
	if err != nil && (errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone)) {
		g.conn.Close()
		g.conn = nil
	}
	return tx, err
}

// closeWriter returns the group's connection to the pool (Store.Close).
func (s *Store) closeWriter() {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.group.conn != nil {
		s.group.conn.Close()
		s.group.conn = nil
	}
}
