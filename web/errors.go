package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"jedenlogin"
	"jedenlogin/consolidation"
)

// API error codes (SPEC §13). The JSON body of an error is
// {"error": code, "message": Polish text, …extra}.
const (
	codeBadRequest            = "bad_request"
	codeUnauthenticated       = "unauthenticated"
	codeInvalidCredentials    = "invalid_credentials"
	codeTooManyAttempts       = "too_many_attempts"
	codeLoginMerged           = "login_merged"
	codeConsolidationRequired = "consolidation_required"
	codeAlreadyConsolidated   = "already_consolidated"
	codeLoginNotEligible      = "login_not_eligible"
	codeForbidden             = "forbidden"
	codeNotFound              = "not_found"
	codeConflict              = "conflict"
	codeInternal              = "internal"
	// Account self-service.
	codeWeakPassword    = "weak_password"    // the new password breaks the policy; "reasons" lists how
	codePasswordExpired = "password_expired" // the password must be changed before anything else
	codeInvalidCode     = "invalid_code"     // a wrong e-mail confirmation code
	codeCodeExpired     = "code_expired"     // no e-mail change waits for a code, or its code expired
	codePESELMismatch   = "pesel_mismatch"   // a wrong PESEL on the login recovery page
	codeLinkExpired     = "link_expired"     // a recovery or confirmation link expired or was used
	codeUnavailable     = "unavailable"      // the server cannot take the request now
)

// statusOf is the one table mapping error codes to HTTP statuses. Domain
// codes (jedenlogin.E…) map here too, through toHTTPError.
var statusOf = map[string]int{
	codeBadRequest:            http.StatusBadRequest,
	codeUnauthenticated:       http.StatusUnauthorized,
	codeInvalidCredentials:    http.StatusUnauthorized,
	codeTooManyAttempts:       http.StatusTooManyRequests,
	codeLoginMerged:           http.StatusConflict,
	codeConsolidationRequired: http.StatusForbidden,
	codeAlreadyConsolidated:   http.StatusConflict,
	codeLoginNotEligible:      http.StatusForbidden,
	codeForbidden:             http.StatusForbidden,
	codeNotFound:              http.StatusNotFound,
	codeConflict:              http.StatusConflict,
	codeInternal:              http.StatusInternalServerError,
	codeWeakPassword:          http.StatusUnprocessableEntity,
	codePasswordExpired:       http.StatusForbidden,
	codeInvalidCode:           http.StatusUnprocessableEntity,
	codeCodeExpired:           http.StatusGone,
	codePESELMismatch:         http.StatusUnprocessableEntity,
	codeLinkExpired:           http.StatusGone,
	codeUnavailable:           http.StatusServiceUnavailable,
	codeNotApprover:           http.StatusForbidden,
	codeHeadConflict:          http.StatusConflict,
	codeInvalidStatus:         http.StatusConflict,
	codeIdentityNotConfirmed:  http.StatusUnprocessableEntity,
}

// domainCodes translates the domain's error codes to API codes.
var domainCodes = map[string]string{
	jedenlogin.EINVALID:      codeBadRequest,
	jedenlogin.EUNAUTHORIZED: codeUnauthenticated,
	jedenlogin.EFORBIDDEN:    codeForbidden,
	jedenlogin.ENOTFOUND:     codeNotFound,
	jedenlogin.ECONFLICT:     codeConflict,
	jedenlogin.EINTERNAL:     codeInternal,
}

// httpError is an error answer: a code from statusOf, a Polish message,
// optional extra JSON fields and an optional Retry-After.
type httpError struct {
	Code       string
	Message    string
	Extra      map[string]any
	RetryAfter time.Duration
	// Notice is an extra Polish line shown under the message on pages
	// (e.g. the remaining attempts).
	Notice string
	// Err is the cause, logged for internal errors, never shown.
	Err error
	// addressBlock marks a 429 caused by the client address's block.
	addressBlock bool
}

func (e *httpError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *httpError) Unwrap() error { return e.Err }

// Status returns the HTTP status of the error's code (500 for an unknown one).
func (e *httpError) Status() int {
	if st, ok := statusOf[e.Code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// errf returns an httpError with the catalogue message key formatted with args.
func (s *Server) errf(code, key string, args ...any) *httpError {
	return &httpError{Code: code, Message: s.msg(key, args...)}
}

// internal wraps an unexpected error; its text is logged, never shown.
func (s *Server) internal(err error) *httpError {
	return &httpError{Code: codeInternal, Message: s.msg("error.internal"), Err: err}
}

// toHTTPError turns any error into an httpError: httpErrors pass through,
// domain errors keep their Polish message under the mapped code, anything
// else becomes internal.
func (s *Server) toHTTPError(err error) *httpError {
	var he *httpError
	if errors.As(err, &he) {
		return he
	}
	switch {
	case errors.Is(err, jedenlogin.ErrAlreadyConsolidated):
		return &httpError{Code: codeAlreadyConsolidated, Message: s.msg("consolidation.already"), Err: err}
	case errors.Is(err, consolidation.ErrNotEligible):
		return &httpError{Code: codeLoginNotEligible, Message: s.msg("consolidation.not_eligible"), Err: err}
	}
	code := domainCodes[jedenlogin.ErrorCode(err)]
	if code == "" || code == codeInternal {
		return s.internal(err)
	}
	return &httpError{Code: code, Message: jedenlogin.ErrorMessage(err), Err: err}
}

// setRetryAfter writes the Retry-After header in whole seconds, rounded up.
func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	if d <= 0 {
		return
	}
	secs := int64((d + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
}

// logError logs internal errors with their cause; expected answers (wrong
// password, expired session) are not errors and are not logged here.
func (s *Server) logError(r *http.Request, he *httpError) {
	if he.Code == codeInternal {
		s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "route", routeOf(r), "err", he.Err)
	}
}

// denyCrossOrigin answers a refused cross-origin state-changing request.
func (s *Server) denyCrossOrigin(w http.ResponseWriter, r *http.Request) {
	he := s.errf(codeForbidden, "error.cross_origin")
	if isAPI(r) {
		s.writeAPIError(w, r, he)
		return
	}
	s.renderError(w, r, he)
}
