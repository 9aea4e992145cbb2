package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"jedenlogin"
)

const outboxCols = "id, message_id, kind, recipient, subject, text_body, html_body, state, attempts, next_attempt_at, claim, created_at, sent_at, last_error"

func scanOutbox(row interface{ Scan(...any) error }) (*jedenlogin.OutboxMessage, error) {
	m := &jedenlogin.OutboxMessage{}
	var state string
	var next, created, sent timeCol
	if err := row.Scan(&m.ID, &m.MessageID, &m.Kind, &m.To, &m.Subject, &m.Text, &m.HTML, &state, &m.Attempts,
		&next, &m.Claim, &created, &sent, &m.LastError); err != nil {
		return nil, err
	}
	m.State = jedenlogin.OutboxState(state)
	m.NextAttemptAt, m.CreatedAt, m.SentAt = next.t, created.t, sent.ptr()
	return m, nil
}

// enqueueMail inserts msgs as queued in tx and sets their IDs.
func (s *Store) enqueueMail(ctx context.Context, tx *sql.Tx, msgs []jedenlogin.OutboxMessage) error {
	for i := range msgs {
		m := &msgs[i]
		if m.MessageID == "" || m.To == "" || m.CreatedAt.IsZero() {
			return fmt.Errorf("queue mail %s: message id, recipient and creation time are required", m.Kind)
		}
		next := m.NextAttemptAt
		if next.IsZero() {
			next = m.CreatedAt
		}
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO outbox (message_id, kind, recipient, subject, text_body, html_body, state, attempts, next_attempt_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?) RETURNING id`),
			m.MessageID, m.Kind, m.To, m.Subject, m.Text, m.HTML, string(jedenlogin.OutboxQueued), s.ts(next), s.ts(m.CreatedAt)).Scan(&m.ID)
		if s.d.isUniqueViolation(err) {
			return fmt.Errorf("queue mail %s: message id exists: %w", m.Kind, jedenlogin.ErrConflict)
		} else if err != nil {
			return fmt.Errorf("queue mail %s: %w", m.Kind, err)
		}
		m.State, m.NextAttemptAt = jedenlogin.OutboxQueued, next
	}
	return nil
}

// EnqueueMail stores msgs as queued in one transaction and sets their IDs;
// a MessageID that exists already gives ECONFLICT.
func (s *Store) EnqueueMail(ctx context.Context, msgs ...jedenlogin.OutboxMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error { return s.enqueueMail(ctx, tx, msgs) })
}

// ClaimMail takes up to limit due messages for the caller: it selects them
// with row locks that concurrent claimers skip (PostgreSQL: FOR UPDATE SKIP
// LOCKED; SQLite: the one writer), then counts an attempt, sets a new claim
// and moves next_attempt_at to the lease's end, in one transaction.
func (s *Store) ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]jedenlogin.OutboxMessage, error) {
	if lease <= 0 || limit <= 0 {
		return nil, errors.New("claim mail: lease and limit must be positive")
	}
	var out []jedenlogin.OutboxMessage
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, s.q("SELECT id FROM outbox WHERE state = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?"+s.d.skipLocked),
			string(jedenlogin.OutboxQueued), s.ts(now), limit)
		if err != nil {
			return fmt.Errorf("claim mail: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("claim mail: %w", err)
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("claim mail: %w", err)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("claim mail: %w", err)
		}
		for _, id := range ids {
			m, err := scanOutbox(tx.QueryRowContext(ctx, s.q("UPDATE outbox SET attempts = attempts + 1, claim = ?, next_attempt_at = ? WHERE id = ? RETURNING "+outboxCols),
				newClaim(), s.ts(now.Add(lease)), id))
			if err != nil {
				return fmt.Errorf("claim mail %d: %w", id, err)
			}
			out = append(out, *m)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func newClaim() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// finishMail runs set on the message if claim is still its claim (and it
// is queued), in tx, and reports whether it did.
func (s *Store) finishMail(ctx context.Context, tx *sql.Tx, id int64, claim, set string, args ...any) (bool, error) {
	args = append(args, id, claim, string(jedenlogin.OutboxQueued))
	res, err := tx.ExecContext(ctx, s.q("UPDATE outbox SET "+set+" WHERE id = ? AND claim = ? AND state = ?"), args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MailSent marks the message sent if claim is still its claim.
func (s *Store) MailSent(ctx context.Context, id int64, claim string, at time.Time) (bool, error) {
	var ok bool
	err := s.writeTx(ctx, func(tx *sql.Tx) (err error) {
		ok, err = s.finishMail(ctx, tx, id, claim, "state = ?, sent_at = ?, claim = '', last_error = ''", string(jedenlogin.OutboxSent), s.ts(at))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("mark mail %d sent: %w", id, err)
	}
	return ok, nil
}

// RetryMail makes the message due at next if claim is still its claim.
func (s *Store) RetryMail(ctx context.Context, id int64, claim string, next time.Time, lastError string) (bool, error) {
	var ok bool
	err := s.writeTx(ctx, func(tx *sql.Tx) (err error) {
		ok, err = s.finishMail(ctx, tx, id, claim, "next_attempt_at = ?, claim = '', last_error = ?", s.ts(next), clip(lastError))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("retry mail %d: %w", id, err)
	}
	return ok, nil
}

// MailFailed marks the message failed and appends ev, in one transaction,
// if claim is still its claim.
func (s *Store) MailFailed(ctx context.Context, id int64, claim string, lastError string, ev jedenlogin.AuditEvent) (bool, error) {
	var ok bool
	err := s.writeTx(ctx, func(tx *sql.Tx) (err error) {
		ok, err = s.finishMail(ctx, tx, id, claim, "state = ?, claim = '', last_error = ?", string(jedenlogin.OutboxFailed), clip(lastError))
		if err != nil || !ok {
			return err
		}
		return s.appendAudit(ctx, tx, []jedenlogin.AuditEvent{ev})
	})
	if err != nil {
		return false, fmt.Errorf("mark mail %d failed: %w", id, err)
	}
	return ok, nil
}

// clip keeps an error text to a size a column holds comfortably, on a
// UTF-8 boundary.
func clip(s string) string {
	const max = 1000
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "")
}

// OutboxMessage returns the message with this MessageID.
func (s *Store) OutboxMessage(ctx context.Context, messageID string) (*jedenlogin.OutboxMessage, error) {
	m, err := scanOutbox(s.db.QueryRowContext(ctx, s.q("SELECT "+outboxCols+" FROM outbox WHERE message_id = ?"), messageID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("outbox message %s: %w", messageID, jedenlogin.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("read outbox message %s: %w", messageID, err)
	}
	return m, nil
}

// OutboxStats counts the queued messages and finds the oldest.
func (s *Store) OutboxStats(ctx context.Context) (jedenlogin.OutboxStats, error) {
	var st jedenlogin.OutboxStats
	var oldest timeCol
	err := s.db.QueryRowContext(ctx, s.q("SELECT count(*), min(created_at) FROM outbox WHERE state = ?"), string(jedenlogin.OutboxQueued)).Scan(&st.Queued, &oldest)
	if err != nil {
		return st, fmt.Errorf("outbox stats: %w", err)
	}
	st.OldestQueued = oldest.t
	return st, nil
}
