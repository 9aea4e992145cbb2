package jedenlogin

import "context"

// LoginRecoveryRequest is the form of "Odzyskaj login", as typed.
type LoginRecoveryRequest struct {
	FirstName, SecondName, LastName, PESEL, Email string
}

// PasswordRecoveryRequest is the form of "Nie pamiętasz hasła?", as typed.
type PasswordRecoveryRequest struct {
	Login, FirstName, LastName, PESEL, Email string
}

// RecoveredLogin is what a login recovery link shows.
type RecoveredLogin struct {
	Login  string   // the login to sign in with
	Logins []string // every login that may sign in, Login first
	// Pending: the person has not gone through the transition yet; any of
	// Logins leads to it.
	Pending bool
}

// RecoveryService is "Odzyskaj login" and "Nie pamiętasz hasła?" (SPEC
// §7): the requests, answered alike whatever the data match, and the
// mailed links. Package service implements it (service.Recovery).
type RecoveryService interface {
	// RequestLoginRecovery accepts a login recovery request from the
	// client address addr; the lookup and the mail follow in the
	// background. Errors: EINVALID naming a missing or malformed field;
	// CodeTooManyAttempts (RetryAfter) over the address's limit;
	// CodeUnavailable when the background queue is full; EINTERNAL.
	RequestLoginRecovery(ctx context.Context, req LoginRecoveryRequest, addr string) error
	// RequestPasswordRecovery accepts a password recovery request, as
	// RequestLoginRecovery. Errors: those of RequestLoginRecovery, and
	// EINVALID for a login too long.
	RequestPasswordRecovery(ctx context.Context, req PasswordRecoveryRequest, addr string) error
	// LoginRecoveryLink checks a login recovery link before its page asks
	// for the PESEL. Errors: CodeLinkExpired; EINTERNAL.
	LoginRecoveryLink(ctx context.Context, secret string) error
	// RecoverLogin checks the PESEL entered at the link and returns the
	// login(s). Errors: CodePESELMismatch with the remaining attempts and
	// Fields["pesel"]; CodeLinkExpired; EINTERNAL.
	RecoverLogin(ctx context.Context, secret, pesel, addr string) (*RecoveredLogin, error)
	// PasswordResetLink checks a password reset link before its page asks
	// for the new password, and returns the form's data. Errors:
	// CodeLinkExpired (also when its login is gone); EINTERNAL.
	PasswordResetLink(ctx context.Context, secret string) (*PasswordForm, error)
	// ResetPassword sets a new password through the link, ends every
	// session of the person and returns the login. Errors: EINVALID for a
	// password too long; CodeWeakPassword with Extra["reasons"];
	// CodeLinkExpired (also for an inactive login); EINTERNAL.
	ResetPassword(ctx context.Context, secret, pw, addr string) (string, error)
}
