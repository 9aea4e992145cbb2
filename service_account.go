package jedenlogin

import "context"

// Contact is the account's contact data: its e-mail address and phone,
// and the new address waiting for its code ("" when none).
type Contact struct {
	Email, Phone string
	EmailPending string
}

// ContactChange is what "Zmiana danych kontaktowych" asks for, with the
// caller's password; nil fields stay as they are.
type ContactChange struct {
	Email    *string // the new address; "" or nil: keep
	Phone    *string // the new phone; "": none
	Password string
}

// PasswordForm is what a form setting a new password for a login shows
// besides the password policy's rules: the login, and the words the new
// password must not contain, for the script that ticks the rules off
// while the user types (the service's check stays authoritative).
type PasswordForm struct {
	Login string
	// PersonalWords are the first and the last name, nil when the policy
	// does not check personal data.
	PersonalWords []string
}

// PasswordChange is the input of AccountService.ChangePassword: the current password and
// the new one.
type PasswordChange struct {
	Current, New string
}

// AccountService is a person's self-service on their account (SPEC §7):
// contact data and the e-mail change with its code or link, the password
// change and its expiry, and the activation of an account an accepted
// application created. Package service implements it (service.Accounts).
type AccountService interface {
	// Contact returns the caller's contact data. Errors: EINTERNAL only.
	Contact(ctx context.Context, c *Caller) (*Contact, error)
	// ChangeContact changes the caller's phone at once and starts an
	// e-mail change (a code and a link mailed to the new address), after
	// the caller's password, counted like a sign-in attempt. Errors:
	// EINVALID with Fields for a malformed address or phone or a password
	// too long; CodeInvalidCredentials with the remaining attempts;
	// CodeTooManyAttempts (RetryAfter); EINTERNAL.
	ChangeContact(ctx context.Context, c *Caller, ch ContactChange) (*Contact, error)
	// VerifyEmailCode confirms the caller's pending e-mail change with the
	// mailed code. Errors: CodeInvalidCode with the remaining attempts and
	// Fields["code"]; CodeCodeExpired for no pending change, an expired
	// code or one spent by wrong codes; EINTERNAL.
	VerifyEmailCode(ctx context.Context, c *Caller, code string) (*Contact, error)
	// PendingEmail returns the new address of the person's e-mail change
	// waiting for its code, "" when none. Errors: EINTERNAL only.
	PendingEmail(ctx context.Context, personID int64) (string, error)
	// EmailChangeLink returns the new address behind a still usable
	// e-mail change link. Errors: CodeLinkExpired for a used, expired,
	// unknown or malformed link; EINTERNAL.
	EmailChangeLink(ctx context.Context, secret string) (string, error)
	// ConfirmEmailChange confirms a pending e-mail change through the
	// mailed link and returns the new address. Errors: CodeLinkExpired;
	// EINTERNAL.
	ConfirmEmailChange(ctx context.Context, secret, addr string) (string, error)
	// PasswordForm returns the new-password form's data for login l of
	// rec. It does not fail.
	PasswordForm(rec *PersonRecord, l *Login) PasswordForm
	// PasswordExpired reports whether the login's password must be
	// changed before anything else (its maximum age reached). It does not
	// fail.
	PasswordExpired(p *Person, l *Login) bool
	// ChangePassword changes the caller's password after the current one
	// (counted like a sign-in attempt) and the policy, ends the person's
	// other sessions and mails a notice. Errors: EINVALID for a password
	// too long; CodeInvalidCredentials with the remaining attempts and
	// Fields["current"]; CodeTooManyAttempts; CodeWeakPassword with
	// Extra["reasons"]; ECONFLICT when the password changed meanwhile;
	// EINTERNAL.
	ChangePassword(ctx context.Context, c *Caller, in PasswordChange) error
	// ActivationLink checks an activation link before its page asks for
	// the first password, and returns the form's data. Errors:
	// CodeLinkExpired (also for a login that has a password already);
	// EINTERNAL.
	ActivationLink(ctx context.Context, secret string) (*PasswordForm, error)
	// Activate sets the first password through the activation link and
	// returns the login, which may then sign in. Errors: EINVALID with
	// Fields["new_password"] for an empty or overlong password;
	// CodeWeakPassword with Extra["reasons"]; CodeLinkExpired; EINTERNAL.
	Activate(ctx context.Context, secret, pw, addr string) (string, error)
}
