package sqlstore

import (
	"context"
	"database/sql"
	"errors"
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
	if len(events) == 0 {
		return nil
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error { return s.appendAudit(ctx, tx, events) })
}

// appendAudit appends events in tx, each with the hash of the event before
// it (jedenlogin.AuditHash). It takes the chain lock first and holds it
// until tx ends, so concurrent transactions append one after another, in
// the order of their ids.
func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, events []jedenlogin.AuditEvent) error {
	return s.appendAuditWith(ctx, tx, events, true)
}

// appendAuditWith is appendAudit; usePrepared false keeps it off the
// store's prepared statements, which a transaction on a connection of its
// own (the import's) must not wait for: preparing takes another connection
// from the pool, and a one-connection pool has none to give.
func (s *Store) appendAuditWith(ctx context.Context, tx *sql.Tx, events []jedenlogin.AuditEvent, usePrepared bool) error {
	if len(events) == 0 {
		return nil
	}
	// The chain's lock and the newest event, together (dialect.auditLast),
	// through a prepared statement where the store prepares: compiling the
	// query cost SQLite as much as the insert.
	prev := jedenlogin.AuditGenesis
	// In a group's transaction (groupcommit.go) the chain's newest event is
	// known, and its lock held, once a member before this one appended.
	tail := s.group.tailOf(tx)
	if tail != nil && tail.hash != "" {
		return s.insertAudit(ctx, tx, events, tail.hash, usePrepared, tail)
	}
	var lastRow *sql.Row
	if usePrepared {
		if st := s.preparedInTx(ctx, s.d.auditLast); st != nil {
			ts := tx.StmtContext(ctx, st)
			defer ts.Close()
			lastRow = ts.QueryRowContext(ctx)
		}
	}
	if lastRow == nil {
		lastRow = tx.QueryRowContext(ctx, s.d.auditLast)
	}
	last, err := scanAudit(lastRow)
	switch {
	case err == nil:
		prev = jedenlogin.AuditHash(&last)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("append audit events: read the last one: %w", err)
	}
	return s.insertAudit(ctx, tx, events, prev, usePrepared, tail)
}

// insertAudit inserts events after the event whose hash is prev, and
// records the newest one in tail (nil: outside a group).
func (s *Store) insertAudit(ctx context.Context, tx *sql.Tx, events []jedenlogin.AuditEvent, prev string, usePrepared bool, tail *chainTail) error {
	query := s.q(auditInsert)
	var stmt *sql.Stmt
	if usePrepared {
		stmt = s.preparedInTx(ctx, query)
	}
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
		// The hash covers the time as the database keeps it.
		e.At = e.At.UTC().Truncate(s.d.timeResolution)
		e.PrevHash = prev
		var row *sql.Row
		if stmt != nil {
			row = stmt.QueryRowContext(ctx, s.auditArgs(e)...)
		} else {
			row = tx.QueryRowContext(ctx, query, s.auditArgs(e)...)
		}
		if err := row.Scan(&e.ID); err != nil {
			return fmt.Errorf("append audit event %s: %w", e.Action, err)
		}
		prev = jedenlogin.AuditHash(e)
	}
	if tail != nil {
		tail.hash = prev
	}
	return nil
}

// scanAudit scans one event selected as "id, " + auditCols.
func scanAudit(r scanner) (jedenlogin.AuditEvent, error) {
	var (
		e   jedenlogin.AuditEvent
		at  timeCol
		pid sql.NullInt64
	)
	if err := r.Scan(&e.ID, &at, &e.Action, &e.Actor, &pid, &e.Subject, &e.Address, &e.Outcome, &e.Details, &e.PrevHash); err != nil {
		return e, err
	}
	e.At, e.PersonID = at.t, nullInt(pid)
	return e, nil
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
	if f.Address != "" {
		add("address = ?", f.Address)
	}
	if f.Outcome != "" {
		add("outcome = ?", f.Outcome)
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
	rows, err := s.scan.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	out := []jedenlogin.AuditEvent{}
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("read audit log: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return out, nil
}
