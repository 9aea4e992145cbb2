package jedenlogin

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Error codes. They are the strings clients read in the JSON API's "error"
// field (SPEC §13), and one table in the web package maps each to an HTTP
// status. The first six are general (wtf's codes); the others name one
// situation a client must tell apart.
const (
	ECONFLICT     = "conflict"        // the action conflicts with the current state
	EINTERNAL     = "internal"        // a bug or an outage; shown only as "internal error"
	EINVALID      = "bad_request"     // the input is wrong
	ENOTFOUND     = "not_found"       // the thing does not exist
	EUNAUTHORIZED = "unauthenticated" // not signed in
	EFORBIDDEN    = "forbidden"       // signed in, but not allowed

	CodeInvalidCredentials    = "invalid_credentials"    // wrong login or password (also unknown names)
	CodeTooManyAttempts       = "too_many_attempts"      // the name or the address is blocked
	CodeLoginMerged           = "login_merged"           // a merged login's correct password: "unified_login" names its replacement
	CodeConsolidationRequired = "consolidation_required" // the person must first move to one login
	CodeAlreadyConsolidated   = "already_consolidated"   // the person has moved to one login already
	CodeLoginNotEligible      = "login_not_eligible"     // this login cannot be the one login; "candidates" lists those that can
	CodeWeakPassword          = "weak_password"          // the new password breaks the policy; "reasons" lists how
	CodePasswordExpired       = "password_expired"       // the password must be changed before anything else
	CodeInvalidCode           = "invalid_code"           // a wrong e-mail confirmation code
	CodeCodeExpired           = "code_expired"           // no e-mail change waits for a code, or its code expired
	CodePESELMismatch         = "pesel_mismatch"         // a wrong PESEL on the login recovery page
	CodeLinkExpired           = "link_expired"           // a recovery or confirmation link expired or was used
	CodeUnavailable           = "unavailable"            // the server cannot take the request now
	CodeNotApprover           = "not_approver"           // may not decide this application or manage this grant
	CodeHeadConflict          = "head_conflict"          // two heads of one entity with overlapping validity
	CodeInvalidStatus         = "invalid_status"         // the application's status does not allow the action
	CodeIdentityNotConfirmed  = "identity_not_confirmed" // acceptance without the applicant's identity confirmed
	CodeTooLarge              = "too_large"              // the request body is over its limit
	CodeUnsupportedMedia      = "unsupported_media_type" // a body of a kind the route does not take (multipart)
	CodeMFARequired           = "mfa_required"           // the session must first give (or enrol) its second factor
)

// Text is a user-facing text by its key in the message catalogue (package
// locale) with the arguments of its format verbs. Polish lives only in the
// catalogue; errors and results carry Texts and the edge translates them.
type Text struct {
	Key  string
	Args []any
}

// T returns the Text of key with args.
func T(key string, args ...any) Text { return Text{Key: key, Args: args} }

// Error is the one error type of jedenlogin: a machine-readable code, the
// catalogue key of the text shown to people, and what a form or a client
// needs besides (messages per field, extra JSON fields, when to retry).
type Error struct {
	Code string
	Text // the message
	// Notice is an extra line shown under the message on pages (e.g. the
	// attempts left before a block); zero when none.
	Notice Text
	// Fields holds messages for single form fields, by field name (the
	// name of the form field and of the JSON member alike).
	Fields map[string]Text
	// Extra is added to the JSON error body ("candidates", "reasons", …).
	Extra map[string]any
	// RetryAfter, when positive, is sent as Retry-After.
	RetryAfter time.Duration
	// Err is the cause: logged for internal errors, never shown.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("jedenlogin: ")
	b.WriteString(e.Code)
	if e.Key != "" {
		b.WriteString(": ")
		b.WriteString(e.Key)
		if len(e.Args) > 0 {
			fmt.Fprint(&b, e.Args)
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is this very error: sentinel errors are
// compared by identity, also after With… copies (see WithField).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t == e
}

// NewError returns an *Error with the code and the catalogue text key(args).
func NewError(code, key string, args ...any) *Error {
	return &Error{Code: code, Text: Text{Key: key, Args: args}}
}

// Internal wraps an unexpected error: code EINTERNAL, the generic text.
func Internal(err error) *Error {
	return &Error{Code: EINTERNAL, Text: Text{Key: "error.internal"}, Err: err}
}

// WithField returns a copy of e that also marks the form field with e's
// own text. The copy still matches e with errors.Is.
func (e *Error) WithField(field string) *Error {
	c := *e
	c.Fields = map[string]Text{field: e.Text}
	c.Err = e
	return &c
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// AsError returns err as an *Error: the first in its chain, or an internal
// error wrapping it. It returns nil for nil.
func AsError(err error) *Error {
	var e *Error
	if err == nil {
		return nil
	} else if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// Sentinel errors. Store implementations return the first few; the
// others are the domain's, returned by the services.
var (
	// ErrNotFound: the requested row does not exist.
	ErrNotFound = &Error{Code: ENOTFOUND, Text: T("domain.not_found")}
	// ErrAlreadyConsolidated: the person has already moved to one login.
	ErrAlreadyConsolidated = &Error{Code: CodeAlreadyConsolidated, Text: T("consolidation.already")}
	// ErrLoginTaken: a login name is already used or was used before, ignoring case.
	ErrLoginTaken = &Error{Code: ECONFLICT, Text: T("error.login_taken")}
	// ErrImportConflict: the database changed between the import's snapshot and its write; run the import again.
	ErrImportConflict = &Error{Code: ECONFLICT, Text: T("error.import_conflict")}
	// ErrSchemaOutdated: the database schema is older than this binary; run `jedenlogin migrate-schema`.
	ErrSchemaOutdated = &Error{Code: EINTERNAL, Text: T("error.schema_outdated")}
	// ErrConflict: a row to be created exists already (a token or session
	// id, a person key).
	ErrConflict = &Error{Code: ECONFLICT, Text: T("error.conflict")}
)
