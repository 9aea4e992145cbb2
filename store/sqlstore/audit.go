package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"jedenlogin"
)

// auditInsert appends one event and returns its id.
var auditInsert = "INSERT INTO audit_events (" + colList(auditCols, "") + ") VALUES (" +
	strings.TrimSuffix(strings.Repeat("?, ", len(auditCols)), ", ") + ") RETURNING id"

// AppendAudit appends events to the audit log in one transaction; a zero
// At becomes the current time.
func (s *Store) AppendAudit(ctx context.Context, events ...jedenlogin.AuditEvent) error {
	switch len(events) {
	case 0:
		return nil
	case 1:
		// One statement is a transaction of its own: no BEGIN and COMMIT
		// around it (most requests append exactly one event).
		e := &events[0]
		if e.At.IsZero() {
			e.At = time.Now().UTC()
		}
		s.wmu.Lock()
		defer s.wmu.Unlock()
		var err error
		for attempt := 0; attempt < maxAttempts; attempt++ {
			err = s.queryRowWrite(ctx, auditInsert, s.auditArgs(e)...).Scan(&e.ID)
			if err == nil || !s.d.isRetryable(err) || ctx.Err() != nil {
				break
			}
			time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("append audit event %s: %w", e.Action, err)
		}
		return nil
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error { return s.appendAudit(ctx, tx, events) })
}

func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, events []jedenlogin.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	query := s.q(auditInsert)
	stmt := s.prepared(ctx, query)
	if stmt != nil {
		stmt = tx.StmtContext(ctx, stmt)
		defer stmt.Close()
	}
	now := time.Now().UTC()
	for i := range events {
		e := &events[i]
		if e.At.IsZero() {
			e.At = now
		}
		var row *sql.Row
		if stmt != nil {
			row = stmt.QueryRowContext(ctx, s.auditArgs(e)...)
		} else {
			row = tx.QueryRowContext(ctx, query, s.auditArgs(e)...)
		}
		if err := row.Scan(&e.ID); err != nil {
			return fmt.Errorf("append audit event %s: %w", e.Action, err)
		}
	}
	return nil
}

// Audit returns the events matching f, newest (highest id) first, at most
// f.Limit (default 100). BeforeID pages: only events with a smaller id.
func (s *Store) Audit(ctx context.Context, f jedenlogin.AuditFilter) ([]jedenlogin.AuditEvent, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.Subject != "" {
		add("subject = ?", f.Subject)
	}
	if f.PersonID != nil {
		add("person_id = ?", *f.PersonID)
	}
	if !f.Since.IsZero() {
		add("at >= ?", s.ts(f.Since))
	}
	if !f.Until.IsZero() {
		add("at < ?", s.ts(f.Until))
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	query := "SELECT id, " + colList(auditCols, "") + " FROM audit_events"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC LIMIT " + strconv.Itoa(limit)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	out := []jedenlogin.AuditEvent{}
	for rows.Next() {
		var (
			e   jedenlogin.AuditEvent
			at  timeCol
			pid sql.NullInt64
		)
		if err := rows.Scan(&e.ID, &at, &e.Action, &e.Actor, &pid, &e.Subject, &e.Address, &e.Outcome, &e.Details); err != nil {
			return nil, fmt.Errorf("read audit log: %w", err)
		}
		e.At, e.PersonID = at.t, nullInt(pid)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return out, nil
}
