package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"jedenlogin"
)

// Pipelined transactions (PostgreSQL). Through database/sql a transaction
// of one batched write and one audit event is five round trips: BEGIN, the
// writes, the audit chain's lock and newest event, the event's insert,
// COMMIT. Sent as pgx batches on the connection it is two: BEGIN, the
// writes and the chain's newest event together; then the event's insert
// and COMMIT together (each further event one more, as its hash needs the
// id of the one before).

// pipelinedTx runs ws (one batchStatement) and appends events in one
// transaction, pipelined. checked judges the writes' row counts, or their
// error (unwrapped, so it can tell a unique violation); its error rolls the
// transaction back and is returned. Retried as writeTx retries.
func (s *Store) pipelinedTx(ctx context.Context, ws []write, events []jedenlogin.AuditEvent, checked func(n []int64, err error) error) error {
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		err = s.pipelinedTxOnce(ctx, ws, events, checked)
		if err == nil || !s.d.isRetryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
	return err
}

func (s *Store) pipelinedTxOnce(ctx context.Context, ws []write, events []jedenlogin.AuditEvent, checked func(n []int64, err error) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		err := s.pipelined(ctx, pc, ws, events, checked)
		if err != nil && !pc.IsClosed() && pc.PgConn().TxStatus() != 'I' {
			// A connection that cannot roll back is closed: the pool
			// drops it (ResetSession reports it bad).
			if _, rerr := pc.Exec(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil {
				pc.Close(context.WithoutCancel(ctx))
			}
		}
		return err
	})
}

// pipelined is pipelinedTxOnce on its connection.
func (s *Store) pipelined(ctx context.Context, pc *pgx.Conn, ws []write, events []jedenlogin.AuditEvent, checked func(n []int64, err error) error) error {
	n := make([]int64, len(ws))
	query, args, dest := batchStatement(ws, n)
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(s.q(query), args...)
	if len(events) > 0 {
		b.Queue(s.d.auditLast)
	} else {
		b.Queue("COMMIT")
	}
	br := pc.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return fmt.Errorf("begin: %w", err)
	}
	if err := checked(n, br.QueryRow().Scan(dest...)); err != nil {
		br.Close()
		return err
	}
	if len(events) == 0 {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return fmt.Errorf("commit: %w", err)
		}
		return br.Close()
	}
	prev := jedenlogin.AuditGenesis
	last, err := scanAudit(br.QueryRow())
	switch {
	case err == nil:
		prev = jedenlogin.AuditHash(&last)
	case !errors.Is(err, pgx.ErrNoRows):
		br.Close()
		return fmt.Errorf("append audit events: read the last one: %w", err)
	}
	if err := br.Close(); err != nil {
		return err
	}
	// As appendAudit: each event with the hash of the one before.
	insert := s.q(auditInsert)
	now := time.Now().UTC()
	for i := range events {
		e := &events[i]
		if e.At.IsZero() {
			e.At = now
		}
		e.At = e.At.UTC().Truncate(s.d.timeResolution)
		e.PrevHash = prev
		if i < len(events)-1 {
			if err := pc.QueryRow(ctx, insert, s.auditArgs(e)...).Scan(&e.ID); err != nil {
				return fmt.Errorf("append audit event %s: %w", e.Action, err)
			}
			prev = jedenlogin.AuditHash(e)
			continue
		}
		b := &pgx.Batch{}
		b.Queue(insert, s.auditArgs(e)...)
		b.Queue("COMMIT")
		br := pc.SendBatch(ctx, b)
		if err := br.QueryRow().Scan(&e.ID); err != nil {
			br.Close()
			return fmt.Errorf("append audit event %s: %w", e.Action, err)
		}
		if _, err := br.Exec(); err != nil {
			br.Close()
			return fmt.Errorf("commit: %w", err)
		}
		return br.Close()
	}
	return nil
}
