package jedenlogin

import (
	"context"
	"strings"
	"time"
)

// MFAState is where a session stands with the second factor.
type MFAState string

const (
	// MFADone: no second step is due — the person has no factor and the
	// policy does not require one, or the second factor was given.
	MFADone MFAState = ""
	// MFAPending: the password was right and the person has a factor; the
	// session may do nothing but give it (or sign out) until then.
	MFAPending MFAState = "pending"
	// MFAEnrol: the policy requires a factor the person lacks; the session
	// may only go through the transition screens and enrol.
	MFAEnrol MFAState = "enrol"
)

// Authentication methods (RFC 8176) a session's AMR lists.
const (
	AMRPassword = "pwd"
	AMROTP      = "otp" // a TOTP or a recovery code
	AMRHardware = "hwk" // a passkey (WebAuthn)
)

// Authentication context classes (OpenID Connect acr): a sign-in with the
// password alone, or with a second factor. A client requires the second
// with acr_values=ACRSecondFactor.
const (
	ACRPassword     = "urn:jedenlogin:acr:pwd"
	ACRSecondFactor = "urn:jedenlogin:acr:mfa"
)

// ACR is the authentication context class of a sign-in with the methods amr.
func ACR(amr []string) string {
	if SecondFactor(amr) {
		return ACRSecondFactor
	}
	return ACRPassword
}

// JoinAMR and SplitAMR are how a session's AMR is stored: space-separated.
func JoinAMR(amr []string) string { return strings.Join(amr, " ") }

// SplitAMR is JoinAMR's inverse.
func SplitAMR(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Fields(s)
}

// SecondFactor reports whether amr lists a second factor.
func SecondFactor(amr []string) bool {
	for _, m := range amr {
		if m == AMROTP || m == AMRHardware {
			return true
		}
	}
	return false
}

// TOTP is a person's time-based one-time password secret (RFC 6238:
// SHA-1, 6 digits, 30 s). Secret is the base32 secret; it is a credential
// and never logged.
type TOTP struct {
	PersonID  int64
	Secret    string
	Confirmed bool
	// LastStep is the time step (Unix time / 30) of the last code
	// accepted: a code of that step or an earlier one is refused, so a
	// code is accepted once.
	LastStep    int64
	CreatedAt   time.Time
	ConfirmedAt *time.Time
}

// WebAuthnCredential is a passkey registered as a second factor. Data is
// the WebAuthn library's whole credential record (JSON) — flags and
// attestation the library checks at each sign-in; the other fields are
// what people and operators see.
type WebAuthnCredential struct {
	ID         []byte // the credential id the authenticator chose
	PersonID   int64
	PublicKey  []byte // COSE
	SignCount  uint32
	Name       string
	Data       []byte
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// MFAFactors is what a person has of second factors.
type MFAFactors struct {
	// TOTP is nil when the person has none (neither enrolled nor being
	// enrolled); Confirmed tells the two apart.
	TOTP *TOTP
	// RecoveryCodesLeft counts the unused recovery codes.
	RecoveryCodesLeft int
	// Credentials are the passkeys, oldest first.
	Credentials []WebAuthnCredential
}

// Any reports whether the person has a second factor they can sign in with.
func (f *MFAFactors) Any() bool {
	return f != nil && (f.TOTP != nil && f.TOTP.Confirmed || len(f.Credentials) > 0)
}

// MFAReset says which factors Store.DeleteMFA removes.
type MFAReset struct {
	TOTP          bool
	RecoveryCodes bool
	Credentials   bool
}

// MFAStore is the part of Store keeping second factors (issue 14).
type MFAStore interface {
	// MFAFactors returns the person's factors; a person without any gets
	// an empty MFAFactors, not ErrNotFound.
	MFAFactors(ctx context.Context, personID int64) (*MFAFactors, error)
	// HasMFA reports whether the person has a second factor they can sign
	// in with (MFAFactors(…).Any()), in one read: what every sign-in asks.
	HasMFA(ctx context.Context, personID int64) (bool, error)
	// BeginTOTP stores a new unconfirmed secret for the person, replacing
	// an unconfirmed one; ECONFLICT when a confirmed one exists.
	BeginTOTP(ctx context.Context, personID int64, secret string, now time.Time) error
	// ConfirmTOTP confirms the person's unconfirmed secret with the code's
	// time step as its LastStep, replaces the person's recovery codes by
	// recoveryHashes (when not nil) and appends audit, in one transaction.
	// It reports false (writing nothing) when there is no unconfirmed
	// secret equal to secret — a concurrent confirmation or a new secret
	// won.
	ConfirmTOTP(ctx context.Context, personID int64, secret string, step int64, recoveryHashes []string, now time.Time, audit ...AuditEvent) (bool, error)
	// UseTOTPStep records that a code of time step step was accepted, if
	// the person's confirmed secret's LastStep is before step (an atomic
	// compare-and-set: of two concurrent uses of one code, one wins); it
	// reports whether it did.
	UseTOTPStep(ctx context.Context, personID int64, step int64) (bool, error)
	// UseRecoveryCode marks the person's unused recovery code with this
	// hash used at at, atomically; it reports whether there was one.
	UseRecoveryCode(ctx context.Context, personID int64, hash string, at time.Time) (bool, error)
	// ReplaceRecoveryCodes replaces the person's recovery codes by hashes
	// and appends audit, in one transaction.
	ReplaceRecoveryCodes(ctx context.Context, personID int64, hashes []string, now time.Time, audit ...AuditEvent) error
	// DeleteMFA removes what r names of the person's factors and appends
	// audit, in one transaction; it reports whether anything was removed.
	DeleteMFA(ctx context.Context, personID int64, r MFAReset, audit ...AuditEvent) (bool, error)
	// AddWebAuthnCredential stores a passkey and appends audit in one
	// transaction; ECONFLICT when its ID exists (for anyone).
	AddWebAuthnCredential(ctx context.Context, c *WebAuthnCredential, audit ...AuditEvent) error
	// UseWebAuthnCredential records a sign-in with the person's passkey:
	// its sign count, data and last use; ErrNotFound when the person has
	// no passkey with this id.
	UseWebAuthnCredential(ctx context.Context, personID int64, id []byte, signCount uint32, data []byte, at time.Time) error
	// DeleteWebAuthnCredential removes the person's passkey with this id
	// and appends audit in one transaction; ErrNotFound when there is none.
	DeleteWebAuthnCredential(ctx context.Context, personID int64, id []byte, audit ...AuditEvent) error
}
