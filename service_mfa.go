package jedenlogin

import "context"

// MFAStatus is what the profile shows of the caller's second factors.
type MFAStatus struct {
	TOTP              bool // a confirmed TOTP
	RecoveryCodesLeft int
	Passkeys          []WebAuthnCredential
	// Required: the policy requires a factor of the caller.
	Required bool
}

// TOTPEnrolment is a new, unconfirmed TOTP secret: the base32 secret (for
// typing) and the otpauth URI (for the QR code).
type TOTPEnrolment struct {
	Secret     string `json:"secret"`
	OTPAuthURI string `json:"otpauth_uri"`
}

// MFAConfirmed is the result of a confirmed enrolment: the recovery codes
// (shown once) and the renewed session.
type MFAConfirmed struct {
	RecoveryCodes []string
	Renewed       *SignedIn
}

// PasskeyAdded is the result of a registration: the passkey, recovery
// codes when it is the person's first factor (shown once; nil otherwise),
// and the renewed session (the ceremony proved the factor).
type PasskeyAdded struct {
	Credential    WebAuthnCredential
	RecoveryCodes []string
	Renewed       *SignedIn
}

// MFAService manages second factors (TOTP, recovery codes, passkeys) and
// checks them after the password. Package service implements it
// (service.MFA). The passkey ceremonies' first halves
// (BeginPasskeyRegistration, BeginPasskeySignIn) are not here: their
// results are go-webauthn's types, which this package (standard library
// only) cannot name; the faces call them on the concrete service.
type MFAService interface {
	// MFAStatus returns the caller's second factors. Errors: EINTERNAL
	// only.
	MFAStatus(ctx context.Context, c *Caller) (*MFAStatus, error)
	// BeginTOTP starts the caller's TOTP enrolment. Errors: ECONFLICT when
	// a confirmed TOTP exists; CodeMFARequired; EINTERNAL.
	BeginTOTP(ctx context.Context, c *Caller) (*TOTPEnrolment, error)
	// PendingTOTP returns the caller's enrolment waiting for its first
	// code, nil when none. Errors: EINTERNAL only.
	PendingTOTP(ctx context.Context, c *Caller) (*TOTPEnrolment, error)
	// ConfirmTOTP confirms the pending enrolment with a first code, renews
	// the session and returns new recovery codes. Errors: CodeInvalidCode
	// (Fields["code"]); ECONFLICT when no enrolment is pending;
	// CodeMFARequired; EINTERNAL.
	ConfirmTOTP(ctx context.Context, c *Caller, code string) (*MFAConfirmed, error)
	// DisableTOTP removes the caller's TOTP after their password (counted
	// like a sign-in attempt). Errors: CodeInvalidCredentials,
	// CodeTooManyAttempts; ECONFLICT when the policy requires a factor and
	// none would remain; ENOTFOUND when there is no TOTP; CodeMFARequired;
	// EINTERNAL.
	DisableTOTP(ctx context.Context, c *Caller, pw string) error
	// VerifyMFA checks the second factor (a TOTP or recovery code) of a
	// session that owes it, counted like a password, and renews the
	// session. Errors: CodeInvalidCredentials (remaining attempts),
	// CodeTooManyAttempts; ECONFLICT when no code is owed; EINTERNAL.
	VerifyMFA(ctx context.Context, c *Caller, code string) (*SignedIn, error)
	// FinishPasskeyRegistration checks the authenticator's answer to the
	// caller's newest registration options and stores the passkey under
	// name. Errors: EINVALID (name); CodeInvalidCode (Fields["passkey"]);
	// ECONFLICT when registered already; CodeMFARequired; EINTERNAL.
	FinishPasskeyRegistration(ctx context.Context, c *Caller, name string, response []byte) (*PasskeyAdded, error)
	// RemovePasskey removes the caller's passkey id. Errors: ENOTFOUND;
	// ECONFLICT when the policy requires a factor and none would remain;
	// CodeMFARequired; EINTERNAL.
	RemovePasskey(ctx context.Context, c *Caller, id []byte) error
	// VerifyPasskey checks the authenticator's answer to the session's
	// newest sign-in options and renews the session. Errors: those of
	// VerifyMFA.
	VerifyPasskey(ctx context.Context, c *Caller, response []byte) (*SignedIn, error)
	// ResetMFA removes every second factor of the person behind the login
	// name on an operator's word (actor, from the client address addr —
	// "" for the command line; reason required, at most MaxReasonLength
	// characters, and audited with both), ends their sessions and mails
	// them. Errors: ENOTFOUND (no such login); EINVALID with
	// Fields["reason"] (no reason, or too long); EINTERNAL.
	ResetMFA(ctx context.Context, actor, addr, loginName, reason string) error
}
