package jedenlogin

import (
	"context"
	"time"
)

// AccountStore is the part of Store serving account self-service: contact
// data changes, login and password recovery, one-time tokens (issue 5).
type AccountStore interface {
	// CreateToken stores a new token and sets t.ID, and writes the audit
	// events and queues the mail (the link to it) in the outbox in the same
	// transaction. A Hash that already exists gives ECONFLICT.
	CreateToken(ctx context.Context, t *Token, events []AuditEvent, mail ...OutboxMessage) error
	// Token returns the token of this kind with this hash, used or expired
	// ones included; ErrNotFound when there is none.
	Token(ctx context.Context, kind TokenKind, hash string) (*Token, error)
	// UpdateToken loads the token of this kind with this hash under a lock
	// (row lock or write transaction) so concurrent uses serialise, calls
	// fn, and saves UsedAt, Failures, Data and ExpiresAt as fn left them —
	// also when fn returns an error, so a wrong try counts. It returns fn's
	// error unchanged, or ErrNotFound (fn not called) when there is no such
	// token. Single use: fn sees UsedAt set by any earlier call.
	UpdateToken(ctx context.Context, kind TokenKind, hash string, fn func(t *Token) error) error
	// UpdateLatestToken is UpdateToken for the person's newest token of this
	// kind (largest ID, used or not); ErrNotFound when the person has none.
	UpdateLatestToken(ctx context.Context, personID int64, kind TokenKind, fn func(t *Token) error) error
	// ExpireTokens makes every unused token of this kind of the person
	// expire at at (unless it expires earlier) and returns how many it
	// changed; a new e-mail change uses it to retire older codes.
	ExpireTokens(ctx context.Context, personID int64, kind TokenKind, at time.Time) (int, error)
	// DeleteExpiredTokens removes tokens that expired before before and
	// returns how many.
	DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error)
	// LatestToken returns the person's newest token of this kind (largest
	// ID, used or not); ErrNotFound when the person has none.
	LatestToken(ctx context.Context, personID int64, kind TokenKind) (*Token, error)

	// PersonByKey returns the person with this key ("pesel:…", "email:…",
	// "login:…") with all their logins and grants, as Person does;
	// ErrNotFound when there is none. Login recovery finds a person by
	// "pesel:" + the PESEL given.
	PersonByKey(ctx context.Context, key string) (*PersonRecord, error)
}
