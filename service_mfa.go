package jedenlogin

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
