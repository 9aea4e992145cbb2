package jedenlogin

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// TokenKind tells what a one-time token is for.
type TokenKind string

// Token kinds.
const (
	TokenEmailVerify   TokenKind = "email_verify"   // confirms a new e-mail address (link, and a 6-digit code in Data)
	TokenLoginRecovery TokenKind = "login_recovery" // shows a forgotten login once ("Odzyskaj login")
	TokenPasswordReset TokenKind = "password_reset" // sets a new password once ("Nie pamiętasz hasła?")
	TokenActivation    TokenKind = "activation"     // activates an account created from an access application
	// A WebAuthn ceremony's state between its options and its answer
	// (Data: the session it belongs to and the challenge); never mailed.
	TokenWebAuthnRegister TokenKind = "webauthn_register"
	TokenWebAuthnLogin    TokenKind = "webauthn_login"
)

// MaxTokenFailures is how many wrong tries (e.g. a wrong PESEL or a wrong
// e-mail code) a token survives; the try that reaches it spends the token.
const MaxTokenFailures = 5

// Token is a one-time secret sent by e-mail as a link. The store keeps only
// the hash of the secret; the secret itself exists only in the mail.
type Token struct {
	ID   int64
	Kind TokenKind
	// Hash is the hex SHA-256 of the secret (see TokenHash); unique.
	Hash string
	// PersonID and LoginID name what the token acts on; 0 = none.
	PersonID int64
	LoginID  int64
	// Data is a JSON object with kind-specific facts (e.g. the new e-mail
	// address); never a plain secret. "" = none.
	Data      string
	CreatedAt time.Time
	ExpiresAt time.Time
	// UsedAt is set when the token was spent (used, or spent by
	// MaxTokenFailures wrong tries); a used token never works again.
	UsedAt *time.Time
	// Failures counts wrong tries.
	Failures int
}

// Usable reports whether the token may still be used at now: not used and
// not expired.
func (t *Token) Usable(now time.Time) bool {
	return t.UsedAt == nil && now.Before(t.ExpiresAt)
}

// NewTokenSecret returns a fresh random secret (256 bits, URL-safe base64
// without padding) and its hash for Token.Hash. It panics only when the
// system's random source fails.
func NewTokenSecret() (secret, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("jedenlogin: random source failed: " + err.Error())
	}
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, TokenHash(secret)
}

// TokenHash returns the hex SHA-256 of a token secret, the value stored in
// Token.Hash and looked up when a link is opened.
func TokenHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Audit actions of account self-service (besides AuditPasswordChanged,
// AuditContactChanged and AuditRecoveryRequested).
const (
	// AuditLoginRecovered: a login recovery link was used, with the right
	// PESEL (outcome "ok") or a wrong one ("failed").
	AuditLoginRecovered = "login_recovered"
)
