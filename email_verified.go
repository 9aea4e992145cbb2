package jedenlogin

import (
	"context"
	"time"
)

// VerifiedEmailStore remembers the e-mail addresses a person confirmed by
// a link jedenlogin sent (contact change): imported addresses were never
// confirmed. The OpenID Connect claim email_verified is true only for an
// account address the person confirmed.
type VerifiedEmailStore interface {
	// MarkEmailVerified records that the person confirmed email at at
	// (again: the time is updated).
	MarkEmailVerified(ctx context.Context, personID int64, email string, at time.Time) error
	// EmailVerified reports whether the person confirmed email.
	EmailVerified(ctx context.Context, personID int64, email string) (bool, error)
}
