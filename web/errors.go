package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"jedenlogin"
)

// statusOf is the one table mapping error codes (jedenlogin.E… and
// jedenlogin.Code…) to HTTP statuses; an unknown code is a 500.
var statusOf = map[string]int{
	jedenlogin.EINVALID:                  http.StatusBadRequest,
	jedenlogin.EUNAUTHORIZED:             http.StatusUnauthorized,
	jedenlogin.EFORBIDDEN:                http.StatusForbidden,
	jedenlogin.ENOTFOUND:                 http.StatusNotFound,
	jedenlogin.ECONFLICT:                 http.StatusConflict,
	jedenlogin.EINTERNAL:                 http.StatusInternalServerError,
	jedenlogin.CodeInvalidCredentials:    http.StatusUnauthorized,
	jedenlogin.CodeTooManyAttempts:       http.StatusTooManyRequests,
	jedenlogin.CodeLoginMerged:           http.StatusConflict,
	jedenlogin.CodeConsolidationRequired: http.StatusForbidden,
	jedenlogin.CodeAlreadyConsolidated:   http.StatusConflict,
	jedenlogin.CodeLoginNotEligible:      http.StatusForbidden,
	jedenlogin.CodeWeakPassword:          http.StatusUnprocessableEntity,
	jedenlogin.CodePasswordExpired:       http.StatusForbidden,
	jedenlogin.CodeInvalidCode:           http.StatusUnprocessableEntity,
	jedenlogin.CodeCodeExpired:           http.StatusGone,
	jedenlogin.CodePESELMismatch:         http.StatusUnprocessableEntity,
	jedenlogin.CodeLinkExpired:           http.StatusGone,
	jedenlogin.CodeUnavailable:           http.StatusServiceUnavailable,
	jedenlogin.CodeNotApprover:           http.StatusForbidden,
	jedenlogin.CodeHeadConflict:          http.StatusConflict,
	jedenlogin.CodeInvalidStatus:         http.StatusConflict,
	jedenlogin.CodeIdentityNotConfirmed:  http.StatusUnprocessableEntity,
	jedenlogin.CodeTooLarge:              http.StatusRequestEntityTooLarge,
	jedenlogin.CodeUnsupportedMedia:      http.StatusUnsupportedMediaType,
	jedenlogin.CodeMFARequired:           http.StatusForbidden,
}

// statusOfError returns the HTTP status of e's code (500 for an unknown one).
func statusOfError(e *jedenlogin.Error) int {
	if st, ok := statusOf[e.Code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// errf returns an error with the code and the catalogue text key(args).
func (s *Server) errf(code, key string, args ...any) *jedenlogin.Error {
	return jedenlogin.NewError(code, key, args...)
}

// internal wraps an unexpected error; its text is logged, never shown.
func (s *Server) internal(err error) *jedenlogin.Error { return jedenlogin.Internal(err) }

// toHTTPError returns err as a *jedenlogin.Error: the first in its chain,
// or an internal error wrapping it.
func (s *Server) toHTTPError(err error) *jedenlogin.Error { return jedenlogin.AsError(err) }

// setRetryAfter writes the Retry-After header in whole seconds, rounded up.
func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	if d <= 0 {
		return
	}
	secs := int64((d + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
}

// logError logs internal errors with their cause; expected answers (wrong
// password, expired session) are not errors and are not logged here. A
// request whose client left before the answer (its context ended, and the
// failure is that ending) is no fault of the server: it is logged at Info,
// so that an operator's alert on errors does not fire for abandoned
// requests under load.
func (s *Server) logError(r *http.Request, he *jedenlogin.Error) {
	if he.Code != jedenlogin.EINTERNAL {
		return
	}
	if cerr := r.Context().Err(); cerr != nil && errors.Is(he.Err, cerr) {
		s.log.InfoContext(r.Context(), "request abandoned by the client", "method", r.Method, "route", routeOf(r), "err", he.Err)
		return
	}
	s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "route", routeOf(r), "err", he.Err)
}

// denyCrossOrigin answers a refused cross-origin state-changing request.
func (s *Server) denyCrossOrigin(w http.ResponseWriter, r *http.Request) {
	he := s.errf(jedenlogin.EFORBIDDEN, "error.cross_origin")
	if isAPI(r) {
		s.writeAPIError(w, r, he)
		return
	}
	s.renderError(w, r, he)
}
