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
	tt := "INTEGER"
	if s.pg() {
		tt = "TIMESTAMPTZ"
	}
	cast := func(p string) string { return "CAST(" + p + " AS " + tt + ")" }
	// restart: the block has run out, or the window is over (and no block runs).
	blockedNow := "(t.blocked_until IS NOT NULL AND t.blocked_until > " + cast("?") + ")"
	restart := "((t.blocked_until IS NOT NULL AND t.blocked_until <= " + cast("?") + ") OR (t.blocked_until IS NULL AND t.window_start < " + cast("?") + "))"
	query := `INSERT INTO throttles AS t (throttle_key, failures, window_start, blocked_until) VALUES (?, 1, ?, ?)
ON CONFLICT (throttle_key) DO UPDATE SET
	failures = CASE WHEN ` + blockedNow + ` THEN t.failures + 1 WHEN ` + restart + ` THEN 1 ELSE t.failures + 1 END,
	window_start = CASE WHEN ` + blockedNow + ` THEN t.window_start WHEN ` + restart + ` THEN ` + cast("?") + ` ELSE t.window_start END,
	blocked_until = CASE WHEN ` + blockedNow + ` THEN t.blocked_until
		WHEN ` + restart + ` THEN (CASE WHEN 1 >= ? THEN ` + cast("?") + ` ELSE NULL END)
		WHEN t.failures + 1 >= ? THEN ` + cast("?") + `
		ELSE NULL END
RETURNING failures, window_start, blocked_until`
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
	if !s.pg() {
		s.wmu.Lock()
		defer s.wmu.Unlock()
	}
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		err = s.db.QueryRowContext(ctx, s.q(query), args...).Scan(&th.Failures, &start, &until2)
		if err == nil || !isRetryable(err) || ctx.Err() != nil {
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

// ThrottleState returns the key's counter, or a zero Throttle (with Key
// set) when there is none.
func (s *Store) ThrottleState(ctx context.Context, key string) (jedenlogin.Throttle, error) {
	th := jedenlogin.Throttle{Key: key}
	var start, until timeCol
	err := s.db.QueryRowContext(ctx, s.q("SELECT failures, window_start, blocked_until FROM throttles WHERE throttle_key = ?"), key).
		Scan(&th.Failures, &start, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return th, nil
	} else if err != nil {
		return jedenlogin.Throttle{}, fmt.Errorf("read throttle %s: %w", key, err)
	}
	th.WindowStart, th.BlockedUntil = start.t, until.ptr()
	return th, nil
}

// ClearThrottle removes the key's counter and block; a missing key is not
// an error.
func (s *Store) ClearThrottle(ctx context.Context, key string) error {
	if _, err := s.exec(ctx, "DELETE FROM throttles WHERE throttle_key = ?", key); err != nil {
		return fmt.Errorf("clear throttle %s: %w", key, err)
	}
	return nil
}

const sessionCols = "id_hash, login_id, person_id, csrf_token, entity_id, created_at, last_seen_at, expires_at"

// CreateSession stores a new session; an existing IDHash gives ECONFLICT.
func (s *Store) CreateSession(ctx context.Context, ss *jedenlogin.Session) error {
	_, err := s.exec(ctx, "INSERT INTO sessions ("+sessionCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		ss.IDHash, ss.LoginID, ss.PersonID, ss.CSRFToken, ss.EntityID, s.ts(ss.CreatedAt), s.ts(ss.LastSeenAt), s.ts(ss.ExpiresAt))
	if isUniqueViolation(err) {
		return jedenlogin.Errorf(jedenlogin.ECONFLICT, "Sesja już istnieje.")
	} else if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session returns the session with this id hash, or jedenlogin.ErrNotFound.
func (s *Store) Session(ctx context.Context, idHash string) (*jedenlogin.Session, error) {
	ss := &jedenlogin.Session{}
	var created, seen, expires timeCol
	err := s.db.QueryRowContext(ctx, s.q("SELECT "+sessionCols+" FROM sessions WHERE id_hash = ?"), idHash).
		Scan(&ss.IDHash, &ss.LoginID, &ss.PersonID, &ss.CSRFToken, &ss.EntityID, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("session: %w", jedenlogin.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt = created.t, seen.t, expires.t
	return ss, nil
}

// TouchSession sets LastSeenAt (and EntityID when entityID is non-nil);
// jedenlogin.ErrNotFound when the session does not exist.
func (s *Store) TouchSession(ctx context.Context, idHash string, at time.Time, entityID *string) error {
	var (
		res sql.Result
		err error
	)
	if entityID != nil {
		res, err = s.exec(ctx, "UPDATE sessions SET last_seen_at = ?, entity_id = ? WHERE id_hash = ?", s.ts(at), *entityID, idHash)
	} else {
		res, err = s.exec(ctx, "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", s.ts(at), idHash)
	}
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("session: %w", jedenlogin.ErrNotFound)
	}
	return nil
}

// DeleteSession removes one session; removing a missing one is not an error.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.exec(ctx, "DELETE FROM sessions WHERE id_hash = ?", idHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
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
