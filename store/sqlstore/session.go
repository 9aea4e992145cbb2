package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"jedenlogin"
)

func sortEntities(es []jedenlogin.Entity) {
	slices.SortFunc(es, func(a, b jedenlogin.Entity) int { return strings.Compare(a.ID, b.ID) })
}

// RecordFailure counts one failure for key at now in a single atomic upsert,
// so parallel failures are never under-counted:
//   - while the key is blocked (blocked_until > now) the failure is counted
//     but the block is kept as it is, neither extended nor renewed, so an
//     attacker cannot keep a user locked out forever by hammering;
//   - a counter whose window began more than window ago, or whose block has
//     run out, restarts at 1 with a new window;
//   - otherwise the counter grows by one.
//
// The call whose failure makes the count reach limit sets the block to
// now+block and alone gets blocked=true.
func (s *Store) RecordFailure(ctx context.Context, key string, now time.Time, window time.Duration, limit int, block time.Duration) (jedenlogin.Throttle, bool, error) {
	if limit < 1 {
		limit = 1
	}
	now = now.UTC()
	until := now.Add(block)
	var firstBlock any
	if limit <= 1 {
		firstBlock = s.ts(until)
	}
	nowV, untilV, windowStartV := s.ts(now), s.ts(until), s.ts(now.Add(-window))
	query := s.recordFailureSQL
	args := []any{key, nowV, firstBlock,
		// failures
		nowV, nowV, windowStartV,
		// window_start
		nowV, nowV, windowStartV, nowV,
		// blocked_until
		nowV, nowV, windowStartV, limit, untilV, limit, untilV,
	}
	var (
		th            = jedenlogin.Throttle{Key: key}
		start, until2 timeCol
	)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		err = s.queryRowWrite(ctx, query, args...).Scan(&th.Failures, &start, &until2)
		if err == nil || !s.d.isRetryable(err) || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
	if err != nil {
		return jedenlogin.Throttle{}, false, fmt.Errorf("record failure for %s: %w", key, err)
	}
	th.WindowStart, th.BlockedUntil = start.t, until2.ptr()
	// Counts grow by exactly one per call, and a running block only lets
	// them grow past limit, so reaching exactly limit with a block set
	// happens in the one call that set it.
	return th, th.BlockedUntil != nil && th.Failures == limit, nil
}

// recordFailureSQL is RecordFailure's upsert with times of the column type
// timeType, built once per store (Open): it is the same every call.
func recordFailureSQL(timeType string) string {
	return failureUpsertSQL(timeType, "VALUES (?, 1, ?, ?)", failureParams{now: "?", windowStart: "?", limit: "?", until: "?"})
}

// failureParams are the placeholders of failureUpsertSQL's values: with
// "?" for each, the upsert takes its arguments in RecordFailure's order.
type failureParams struct{ now, windowStart, limit, until string }

// failureUpsertSQL is RecordFailure's upsert of the row source (the key,
// 1, now and the first block, as VALUES or a SELECT).
func failureUpsertSQL(timeType, source string, p failureParams) string {
	cast := func(p string) string { return "CAST(" + p + " AS " + timeType + ")" }
	// restart: the block has run out, or the window is over (and no block runs).
	blockedNow := "(t.blocked_until IS NOT NULL AND t.blocked_until > " + cast(p.now) + ")"
	restart := "((t.blocked_until IS NOT NULL AND t.blocked_until <= " + cast(p.now) + ") OR (t.blocked_until IS NULL AND t.window_start < " + cast(p.windowStart) + "))"
	return `INSERT INTO throttles AS t (throttle_key, failures, window_start, blocked_until) ` + source + `
ON CONFLICT (throttle_key) DO UPDATE SET
	failures = CASE WHEN ` + blockedNow + ` THEN t.failures + 1 WHEN ` + restart + ` THEN 1 ELSE t.failures + 1 END,
	window_start = CASE WHEN ` + blockedNow + ` THEN t.window_start WHEN ` + restart + ` THEN ` + cast(p.now) + ` ELSE t.window_start END,
	blocked_until = CASE WHEN ` + blockedNow + ` THEN t.blocked_until
		WHEN ` + restart + ` THEN (CASE WHEN 1 >= ` + p.limit + ` THEN ` + cast(p.until) + ` ELSE NULL END)
		WHEN t.failures + 1 >= ` + p.limit + ` THEN ` + cast(p.until) + `
		ELSE NULL END
RETURNING failures, window_start, blocked_until`
}

// countAttemptSQL is CountAttempt's one statement on PostgreSQL (numbered
// placeholders; see countAttemptArgs): the two counters read (a0, n0),
// the address's failure counted when neither is blocked (a1), the name's
// when the address is not then blocked by a block a1 did not set (n1);
// one row per counter read or counted, tagged 0 a0, 1 n0, 2 a1, 3 n1. The
// WITH queries' writes touch different rows (the keys differ in kind).
func countAttemptSQL(timeType string) string {
	cast := func(p string) string { return "CAST(" + p + " AS " + timeType + ")" }
	now := cast("$2")
	addr := failureUpsertSQL(timeType, "SELECT $1, 1, "+now+", "+cast("$3")+" FROM free",
		failureParams{now: "$2", windowStart: "$4", limit: "$5", until: "$6"})
	name := failureUpsertSQL(timeType, "SELECT $7, 1, "+now+", "+cast("$8")+" FROM a1"+
		" WHERE a1.blocked_until IS NULL OR a1.blocked_until <= "+now+" OR a1.failures = $5",
		failureParams{now: "$2", windowStart: "$9", limit: "$10", until: "$11"})
	return `WITH a0 AS (SELECT failures, window_start, blocked_until FROM throttles WHERE throttle_key = $1),
n0 AS (SELECT failures, window_start, blocked_until FROM throttles WHERE throttle_key = $7),
free AS (SELECT WHERE NOT EXISTS (SELECT FROM a0 WHERE blocked_until > ` + now + `)
	AND NOT EXISTS (SELECT FROM n0 WHERE blocked_until > ` + now + `)),
a1 AS (` + addr + `),
n1 AS (` + name + `)
SELECT 0, failures, window_start, blocked_until FROM a0
UNION ALL SELECT 1, failures, window_start, blocked_until FROM n0
UNION ALL SELECT 2, failures, window_start, blocked_until FROM a1
UNION ALL SELECT 3, failures, window_start, blocked_until FROM n1`
}

// CountAttempt counts an attempt's failures for its address and its name
// (see jedenlogin.Store): on PostgreSQL in one statement, elsewhere (no
// round trips to save) by ThrottleState and RecordFailure in turn.
func (s *Store) CountAttempt(ctx context.Context, c jedenlogin.AttemptCount) (jedenlogin.AttemptCounted, error) {
	if s.countAttemptSQL == "" {
		return s.countAttemptStepwise(ctx, c)
	}
	var r jedenlogin.AttemptCounted
	r.AddrBefore, r.NameBefore = jedenlogin.Throttle{Key: c.Addr.Key}, jedenlogin.Throttle{Key: c.Name.Key}
	r.Addr, r.Name = r.AddrBefore, r.NameBefore
	now := c.Now.UTC()
	firstBlock := func(f jedenlogin.FailureCount) any {
		if max(f.Limit, 1) <= 1 {
			return s.ts(now.Add(f.Block))
		}
		return nil
	}
	args := []any{c.Addr.Key, s.ts(now), firstBlock(c.Addr), s.ts(now.Add(-c.Addr.Window)), max(c.Addr.Limit, 1), s.ts(now.Add(c.Addr.Block)),
		c.Name.Key, firstBlock(c.Name), s.ts(now.Add(-c.Name.Window)), max(c.Name.Limit, 1), s.ts(now.Add(c.Name.Block))}
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		err = s.countAttemptOnce(ctx, args, &r)
		if err == nil || !s.d.isRetryable(err) || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
	if err != nil {
		return jedenlogin.AttemptCounted{}, fmt.Errorf("count attempt for %s and %s: %w", c.Addr.Key, c.Name.Key, err)
	}
	// As RecordFailure: the count reaches exactly the limit with a block
	// set only in the call that set it.
	r.AddrBlocked = r.AddrCounted && r.Addr.BlockedUntil != nil && r.Addr.Failures == max(c.Addr.Limit, 1)
	r.NameBlocked = r.NameCounted && r.Name.BlockedUntil != nil && r.Name.Failures == max(c.Name.Limit, 1)
	return r, nil
}

// countAttemptOnce runs countAttemptSQL and fills r from its rows.
func (s *Store) countAttemptOnce(ctx context.Context, args []any, r *jedenlogin.AttemptCounted) error {
	rows, err := s.db.QueryContext(ctx, s.countAttemptSQL, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			kind         int
			th           jedenlogin.Throttle
			start, until timeCol
		)
		if err := rows.Scan(&kind, &th.Failures, &start, &until); err != nil {
			return err
		}
		th.WindowStart, th.BlockedUntil = start.t, until.ptr()
		switch kind {
		case 0:
			th.Key = r.AddrBefore.Key
			r.AddrBefore = th
		case 1:
			th.Key = r.NameBefore.Key
			r.NameBefore = th
		case 2:
			th.Key = r.Addr.Key
			r.Addr, r.AddrCounted = th, true
		case 3:
			th.Key = r.Name.Key
			r.Name, r.NameCounted = th, true
		}
	}
	return rows.Err()
}

// countAttemptStepwise is CountAttempt as the four calls it stands for.
func (s *Store) countAttemptStepwise(ctx context.Context, c jedenlogin.AttemptCount) (r jedenlogin.AttemptCounted, err error) {
	r.Addr, r.Name = jedenlogin.Throttle{Key: c.Addr.Key}, jedenlogin.Throttle{Key: c.Name.Key}
	if r.AddrBefore, err = s.ThrottleState(ctx, c.Addr.Key); err != nil {
		return jedenlogin.AttemptCounted{}, err
	}
	r.NameBefore = jedenlogin.Throttle{Key: c.Name.Key}
	if blockedAt(r.AddrBefore, c.Now) {
		return r, nil // the name's counter is not read: it changes nothing
	}
	if r.NameBefore, err = s.ThrottleState(ctx, c.Name.Key); err != nil {
		return jedenlogin.AttemptCounted{}, err
	}
	if blockedAt(r.NameBefore, c.Now) {
		return r, nil
	}
	r.Addr, r.AddrBlocked, err = s.RecordFailure(ctx, c.Addr.Key, c.Now, c.Addr.Window, c.Addr.Limit, c.Addr.Block)
	if err != nil {
		return jedenlogin.AttemptCounted{}, err
	}
	r.AddrCounted = true
	if !r.AddrBlocked && blockedAt(r.Addr, c.Now) {
		return r, nil
	}
	r.Name, r.NameBlocked, err = s.RecordFailure(ctx, c.Name.Key, c.Now, c.Name.Window, c.Name.Limit, c.Name.Block)
	if err != nil {
		return jedenlogin.AttemptCounted{}, err
	}
	r.NameCounted = true
	return r, nil
}

// blockedAt reports whether t's block runs at now.
func blockedAt(t jedenlogin.Throttle, now time.Time) bool {
	return t.BlockedUntil != nil && now.Before(*t.BlockedUntil)
}

// ThrottleState returns the key's counter, or a zero Throttle (with Key
// set) when there is none.
func (s *Store) ThrottleState(ctx context.Context, key string) (jedenlogin.Throttle, error) {
	th := jedenlogin.Throttle{Key: key}
	var start, until timeCol
	err := s.queryRow(ctx, "SELECT failures, window_start, blocked_until FROM throttles WHERE throttle_key = ?", key).
		Scan(&th.Failures, &start, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return th, nil
	} else if err != nil {
		return jedenlogin.Throttle{}, fmt.Errorf("read throttle %s: %w", key, err)
	}
	th.WindowStart, th.BlockedUntil = start.t, until.ptr()
	return th, nil
}

// The statements that StartSession shares with the methods doing one
// step each, so that both use one prepared statement.
const (
	clearThrottleSQL = "DELETE FROM throttles WHERE throttle_key = ?"
	sessionCols      = "id_hash, login_id, person_id, csrf_token, entity_id, created_at, last_seen_at, expires_at, mfa, amr"
	createSessionSQL = "INSERT INTO sessions (" + sessionCols + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	deleteSessionSQL = "DELETE FROM sessions WHERE id_hash = ?"
)

// ClearThrottle removes the key's counter and block; a missing key is not
// an error.
func (s *Store) ClearThrottle(ctx context.Context, key string) error {
	if _, err := s.exec(ctx, clearThrottleSQL, key); err != nil {
		return fmt.Errorf("clear throttle %s: %w", key, err)
	}
	return nil
}

// ForgiveFailure takes back one failure counted for key, in one atomic
// UPDATE: only while the counter is current (a block runs, or no block and
// the window began at or after now-window — RecordFailure would grow it, not
// restart it) and above 0; a block is lifted when the count falls below
// limit. A missing or stale key is left alone.
func (s *Store) ForgiveFailure(ctx context.Context, key string, now time.Time, window time.Duration, limit int) error {
	if _, err := s.exec(ctx, forgiveFailureSQL, s.forgiveArgs(jedenlogin.Forgiveness{Key: key, Now: now, Window: window, Limit: limit})...); err != nil {
		return fmt.Errorf("forgive failure for %s: %w", key, err)
	}
	return nil
}

// forgiveFailureSQL is ForgiveFailure's statement (also run by
// StartSession); forgiveArgs are its arguments.
const forgiveFailureSQL = `UPDATE throttles SET failures = failures - 1,
	blocked_until = CASE WHEN failures - 1 < ? THEN NULL ELSE blocked_until END
WHERE throttle_key = ? AND failures > 0
	AND ((blocked_until IS NOT NULL AND blocked_until > ?) OR (blocked_until IS NULL AND window_start >= ?))`

func (s *Store) forgiveArgs(f jedenlogin.Forgiveness) []any {
	now := f.Now.UTC()
	return []any{f.Limit, f.Key, s.ts(now), s.ts(now.Add(-f.Window))}
}

// DeleteExpiredThrottles removes counters whose window began before
// windowStartBefore and whose block, if any, is over at now.
func (s *Store) DeleteExpiredThrottles(ctx context.Context, now, windowStartBefore time.Time) (int, error) {
	res, err := s.exec(ctx, "DELETE FROM throttles WHERE window_start < ? AND (blocked_until IS NULL OR blocked_until <= ?)",
		s.ts(windowStartBefore), s.ts(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired throttles: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// sessionArgs are the values of createSessionSQL.
func (s *Store) sessionArgs(ss *jedenlogin.Session) []any {
	return []any{ss.IDHash, ss.LoginID, ss.PersonID, ss.CSRFToken, ss.EntityID, s.ts(ss.CreatedAt), s.ts(ss.LastSeenAt), s.ts(ss.ExpiresAt), string(ss.MFA), jedenlogin.JoinAMR(ss.AMR)}
}

// CreateSession stores a new session; an existing IDHash gives ECONFLICT.
func (s *Store) CreateSession(ctx context.Context, ss *jedenlogin.Session) error {
	_, err := s.exec(ctx, createSessionSQL, s.sessionArgs(ss)...)
	if s.d.isUniqueViolation(err) {
		return fmt.Errorf("session exists: %w", jedenlogin.ErrConflict)
	} else if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// StartSession writes the start of a session in one write transaction, in
// this order: the throttle key cleared, the login's LastLoginAt set to the
// session's CreatedAt, the replaced session deleted, the new session
// inserted, the failure of st.Forgive taken back and the audit events
// appended. Any failure rolls everything
// back: ErrNotFound when TouchLogin is set and the login does not exist,
// ECONFLICT when the new IDHash exists.
func (s *Store) StartSession(ctx context.Context, st jedenlogin.SessionStart) error {
	ss := &st.Session
	// The writes touch different rows and do not depend on each other:
	// one batch (one statement on PostgreSQL).
	var ws []write
	if st.ClearThrottle != "" {
		ws = append(ws, write{clearThrottleSQL, []any{st.ClearThrottle}})
	}
	touch := -1
	if st.TouchLogin {
		touch = len(ws)
		ws = append(ws, write{touchLoginSQL, []any{s.ts(ss.CreatedAt), ss.LoginID}})
	}
	if st.ReplacesIDHash != "" {
		ws = append(ws, write{deleteSessionSQL, []any{st.ReplacesIDHash}})
	}
	ws = append(ws, write{createSessionSQL, s.sessionArgs(ss)})
	if st.Forgive.Key != "" {
		ws = append(ws, write{forgiveFailureSQL, s.forgiveArgs(st.Forgive)})
	}
	checked := func(n []int64, err error) error {
		if s.d.isUniqueViolation(err) {
			return fmt.Errorf("session exists: %w", jedenlogin.ErrConflict)
		} else if err != nil {
			return fmt.Errorf("start session: %w", err)
		}
		if touch >= 0 && n[touch] == 0 {
			return fmt.Errorf("start session: touch login %d: %w", ss.LoginID, jedenlogin.ErrNotFound)
		}
		return nil
	}
	if s.d.batchesWrites {
		return s.pipelinedTx(ctx, ws, st.Audit, checked)
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := checked(s.execBatch(ctx, tx, ws)); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, st.Audit); err != nil {
			return fmt.Errorf("start session: %w", err)
		}
		return nil
	})
}

// Session returns the session with this id hash, or jedenlogin.ErrNotFound.
func (s *Store) Session(ctx context.Context, idHash string) (*jedenlogin.Session, error) {
	ss, err := scanSession(s.queryRow(ctx, "SELECT "+sessionCols+" FROM sessions WHERE id_hash = ?", idHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("session: %w", jedenlogin.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	return ss, nil
}

// scanSession reads one row of sessionCols.
func scanSession(row interface{ Scan(...any) error }) (*jedenlogin.Session, error) {
	ss := &jedenlogin.Session{}
	var (
		created, seen, expires timeCol
		amr                    string
	)
	if err := row.Scan(&ss.IDHash, &ss.LoginID, &ss.PersonID, &ss.CSRFToken, &ss.EntityID, &created, &seen, &expires, &ss.MFA, &amr); err != nil {
		return nil, err
	}
	ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt = created.t, seen.t, expires.t
	ss.AMR = jedenlogin.SplitAMR(amr)
	return ss, nil
}

// TouchSession sets LastSeenAt (and EntityID when entityID is non-nil)
// and appends events in the same transaction;
// jedenlogin.ErrNotFound when the session does not exist.
func (s *Store) TouchSession(ctx context.Context, idHash string, at time.Time, entityID *string, events ...jedenlogin.AuditEvent) error {
	query, args := "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", []any{s.ts(at), idHash}
	if entityID != nil {
		query, args = "UPDATE sessions SET last_seen_at = ?, entity_id = ? WHERE id_hash = ?", []any{s.ts(at), *entityID, idHash}
	}
	touched := func(res sql.Result, err error) error {
		if err != nil {
			return fmt.Errorf("touch session: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("session: %w", jedenlogin.ErrNotFound)
		}
		return nil
	}
	if len(events) == 0 { // the hot path: one statement, no transaction
		return touched(s.exec(ctx, query, args...))
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := touched(tx.ExecContext(ctx, s.q(query), args...)); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, events)
	})
}

// DeleteSession removes one session and appends events in the same
// transaction; removing a missing one is not an error (the events are
// still written).
func (s *Store) DeleteSession(ctx context.Context, idHash string, events ...jedenlogin.AuditEvent) error {
	if len(events) == 0 {
		if _, err := s.exec(ctx, deleteSessionSQL, idHash); err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		return nil
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(deleteSessionSQL), idHash); err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		return s.appendAudit(ctx, tx, events)
	})
}

// DeleteSessionsOfPerson removes every session of the person except
// exceptIDHash (may be "") and returns how many it removed.
func (s *Store) DeleteSessionsOfPerson(ctx context.Context, personID int64, exceptIDHash string) (int, error) {
	res, err := s.exec(ctx, "DELETE FROM sessions WHERE person_id = ? AND id_hash <> ?", personID, exceptIDHash)
	if err != nil {
		return 0, fmt.Errorf("delete sessions of person %d: %w", personID, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeleteExpiredSessions removes sessions last seen before idleBefore or
// whose absolute expiry is at or before now, and returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time) (int, error) {
	res, err := s.exec(ctx, "DELETE FROM sessions WHERE last_seen_at < ? OR expires_at <= ?", s.ts(idleBefore), s.ts(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// scanFunc adapts a function to the scanner interface, so that the scan
// helpers of records.go can be chained over the columns of one row.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// sessionViewQuery reads a session with its login and person and the
// login's grants with their entities: one row per grant, or one row with an
// empty grant (id 0) when there is none. Text columns come packed as in
// ForEachPerson (see unitSep): every request reads this, and the SQLite
// driver's cost grows with the number of columns.
var sessionViewQuery = func() string {
	grantInts := make([]string, len(grantPackedInts))
	for i, c := range grantPackedInts {
		switch c {
		case "id", "login_id", "origin_login_id":
			grantInts[i] = "COALESCE(g." + c + ", 0)"
		default: // nullable anyway
			grantInts[i] = "g." + c
		}
	}
	grantText := packedSelect(nil, grantPackedText, "g")[len(", "):] +
		" || '" + unitSep + "' || COALESCE(e.name, '') || '" + unitSep + "' || COALESCE(e.kind, '') || '" +
		unitSep + "' || COALESCE(e.parent_id, '')"
	return "SELECT s.login_id, s.person_id, s.created_at, s.last_seen_at, s.expires_at, " +
		"s.csrf_token || '" + unitSep + "' || s.entity_id || '" + unitSep + "' || s.mfa || '" + unitSep + "' || s.amr, " +
		packedSelect(loginPackedInts, loginPackedText, "l") + ", " +
		packedSelect(personPackedInts, personPackedText, "p") + ", " +
		strings.Join(grantInts, ", ") + ", COALESCE(" + grantText + ", '')" +
		" FROM sessions s" +
		" JOIN logins l ON l.id = s.login_id AND l.person_id = s.person_id" +
		" JOIN persons p ON p.id = s.person_id" +
		" LEFT JOIN grants g ON g.login_id = s.login_id" +
		" LEFT JOIN entities e ON e.id = g.entity_id" +
		" WHERE s.id_hash = ? ORDER BY g.id"
}()

// SessionView returns the session with its login, its person and the
// login's grants with their entities, read in one query, or
// jedenlogin.ErrNotFound. When the session's login or person no longer
// exists (or the login belongs to another person), the view holds the
// session with a zero Login and Person and no grants.
func (s *Store) SessionView(ctx context.Context, idHash string) (*jedenlogin.SessionView, error) {
	v, clean, err := s.sessionViewPacked(ctx, idHash)
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	if v != nil && clean {
		return v, nil
	}
	// No row (no session, or one whose login or person is gone), or text
	// holding the packing separator: read it piece by piece.
	ss, err := s.Session(ctx, idHash)
	if err != nil {
		return nil, err
	}
	v = &jedenlogin.SessionView{Session: *ss}
	rec, err := s.loadRecord(ctx, dbQueryer{s}, ss.PersonID, false)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return v, nil
	} else if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	l := rec.Login(ss.LoginID)
	if l == nil {
		return v, nil
	}
	v.Login, v.Person = *l, rec.Person
	var ids []string
	for _, g := range rec.Grants { // in id order
		if g.LoginID == l.ID {
			v.Grants = append(v.Grants, jedenlogin.GrantView{Grant: g, Entity: jedenlogin.Entity{ID: g.EntityID}})
			ids = append(ids, g.EntityID)
		}
	}
	if len(ids) > 0 {
		ents, err := s.Entities(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("read session: %w", err)
		}
		for i := range v.Grants {
			j, found := slices.BinarySearchFunc(ents, v.Grants[i].Entity.ID, func(e jedenlogin.Entity, id string) int { return strings.Compare(e.ID, id) })
			if found {
				v.Grants[i].Entity = ents[j]
			}
		}
	}
	return v, nil
}

// sessionViewPacked reads sessionViewQuery: nil when there is no row;
// clean is false when some text did not split (it held unitSep).
func (s *Store) sessionViewPacked(ctx context.Context, idHash string) (v *jedenlogin.SessionView, clean bool, err error) {
	rows, err := s.query(ctx, sessionViewQuery, idHash)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	clean = true
	for rows.Next() {
		var (
			ss                       = jedenlogin.Session{IDHash: idHash}
			created, seen, expires   timeCol
			sessText, grantText      string
			p                        jedenlogin.Person
			g                        jedenlogin.Grant
			from, to, revoked, grCre timeCol
			grMerged                 sql.NullInt64
			okP                      bool
		)
		// scanLoginPacked hands its columns on to scanPersonPacked, which
		// hands them on to the grant's: the scan helpers of records.go
		// over one row.
		l, okL, err := scanLoginPacked(scanFunc(func(loginDest ...any) error {
			var err error
			p, okP, err = scanPersonPacked(scanFunc(func(personDest ...any) error {
				dest := make([]any, 0, 6+len(loginDest)+len(personDest)+len(grantPackedInts)+1)
				dest = append(dest, &ss.LoginID, &ss.PersonID, &created, &seen, &expires, &sessText)
				dest = append(dest, loginDest...)
				dest = append(dest, personDest...)
				dest = append(dest, &g.ID, &g.LoginID, &from, &to, &revoked, &g.OriginLoginID, &grMerged, &grCre, &grantText)
				return rows.Scan(dest...)
			}))
			return err
		}))
		if err != nil {
			return nil, false, err
		}
		sf := strings.Split(sessText, unitSep)
		if len(sf) != 4 || !okL || !okP {
			clean = false
			sf = append(sf, "", "", "")
		}
		if v == nil {
			ss.CSRFToken, ss.EntityID = sf[0], sf[1]
			ss.MFA, ss.AMR = jedenlogin.MFAState(sf[2]), jedenlogin.SplitAMR(sf[3])
			ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt = created.t, seen.t, expires.t
			v = &jedenlogin.SessionView{Session: ss, Login: l, Person: p}
		}
		if g.ID == 0 {
			continue
		}
		f := strings.Split(grantText, unitSep)
		if len(f) != len(grantPackedText)+3 {
			clean = false
			continue
		}
		g.EntityID, g.Function, g.Scopes, g.RevokeReason = f[0], jedenlogin.Function(f[1]), splitScopes(f[2]), f[3]
		g.ValidFrom, g.ValidTo, g.RevokedAt = from.ptr(), to.ptr(), revoked.ptr()
		g.MergedInto = nullInt(grMerged)
		g.CreatedAt = grCre.t
		v.Grants = append(v.Grants, jedenlogin.GrantView{Grant: g,
			Entity: jedenlogin.Entity{ID: g.EntityID, Name: f[4], Kind: f[5], ParentID: f[6]}})
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	return v, clean, nil
}
