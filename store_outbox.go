package jedenlogin

import (
	"context"
	"time"
)

// OutboxState is where an outbox message is in its delivery.
type OutboxState string

// Outbox states: queued (waiting for its NextAttemptAt, or claimed by a
// worker until then), sent, failed (given up after OutboxGiveUp).
const (
	OutboxQueued OutboxState = "queued"
	OutboxSent   OutboxState = "sent"
	OutboxFailed OutboxState = "failed"
)

// OutboxMessage is one rendered e-mail in the durable outbox: written in the
// transaction of the change that causes it, delivered by the workers of any
// instance at least once. MessageID is made once when the message is queued
// and kept for every attempt, so a receiver can tell a repeat.
type OutboxMessage struct {
	ID        int64
	MessageID string // without angle brackets, e.g. "3f2a…@konto.example.gov.pl"
	Kind      string // mail.Kind…
	To        string
	Subject   string
	Text      string
	HTML      string

	State         OutboxState
	Attempts      int
	NextAttemptAt time.Time // due at; while claimed, the end of the claim's lease
	Claim         string    // the current claim's random id ("" when unclaimed)
	CreatedAt     time.Time
	SentAt        *time.Time
	LastError     string // of the last failed attempt; never the body
}

// OutboxStats is what /metrics shows of the outbox.
type OutboxStats struct {
	Queued       int       // messages not yet sent nor failed
	OldestQueued time.Time // CreatedAt of the oldest of them; zero when none
}

// OutboxStore is the durable mail outbox. The change that causes a mail
// writes it in its own transaction: UpdatePersonMail, UpdateApplicationMail
// and CreateToken take messages; EnqueueMail queues messages alone.
type OutboxStore interface {
	// EnqueueMail stores msgs as queued, due at their NextAttemptAt (zero:
	// CreatedAt), in one transaction, and sets their IDs. A MessageID that
	// exists already gives ECONFLICT.
	EnqueueMail(ctx context.Context, msgs ...OutboxMessage) error
	// ClaimMail takes up to limit queued messages due at now (NextAttemptAt
	// at or before now), oldest due first, for the caller alone: it counts
	// an attempt, sets a new Claim and moves NextAttemptAt to now+lease, so
	// no other caller — also in another process — takes them until the
	// lease ends; a claim whose holder died is taken again after that.
	ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error)
	// MailSent marks the message sent at at if claim is still its claim,
	// and reports whether it was.
	MailSent(ctx context.Context, id int64, claim string, at time.Time) (bool, error)
	// RetryMail makes the message due again at next with lastError, if
	// claim is still its claim, and reports whether it was.
	RetryMail(ctx context.Context, id int64, claim string, next time.Time, lastError string) (bool, error)
	// MailFailed marks the message failed with lastError and appends ev, in
	// one transaction, if claim is still its claim, and reports whether it
	// was.
	MailFailed(ctx context.Context, id int64, claim string, lastError string, ev AuditEvent) (bool, error)
	// OutboxMessage returns the message with this MessageID; ErrNotFound
	// when there is none.
	OutboxMessage(ctx context.Context, messageID string) (*OutboxMessage, error)
	// OutboxStats counts the messages not yet sent nor failed.
	OutboxStats(ctx context.Context) (OutboxStats, error)
}
