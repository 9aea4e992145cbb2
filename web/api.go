package web

import (
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"strings"

	"jedenlogin"
	"jedenlogin/service"
)

// maxBodyBytes bounds every JSON request body.
const maxBodyBytes = 64 << 10

// api adapts an error-returning handler to the JSON API: an error becomes
// {"error","message",…} with the status of its code.
func (s *Server) api(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeAPIError(w, r, s.toHTTPError(err))
		}
	}
}

// writeAPIError writes an error answer — "error", "message", the field
// messages as "fields" and the Extra members; internal causes are logged
// only.
func (s *Server) writeAPIError(w http.ResponseWriter, r *http.Request, he *jedenlogin.Error) {
	s.logError(r, he)
	body := map[string]any{}
	maps.Copy(body, he.Extra)
	if f := s.fieldMessages(he); f != nil {
		body["fields"] = f
	}
	body["error"] = he.Code
	body["message"] = s.text(he.Text)
	setRetryAfter(w, he.RetryAfter)
	writeJSON(w, statusOfError(he), body)
}

// writeJSON writes v as JSON with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v) // the client went away; nothing to do
}

// decodeJSON reads the request body into v. Errors are 400 bad_request
// naming what is wrong: the content type, the syntax (with the offset), a
// field of the wrong type, an unknown field, trailing data or a body too
// large.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return s.errf(jedenlogin.EINVALID, "request.content_type")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil {
		if dec.More() {
			return s.errf(jedenlogin.EINVALID, "request.trailing")
		} else if _, err := dec.Token(); err != io.EOF {
			return s.errf(jedenlogin.EINVALID, "request.trailing")
		}
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return s.errf(jedenlogin.EINVALID, "request.empty")
	case errors.As(err, &syn):
		return s.errf(jedenlogin.EINVALID, "request.syntax", syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return s.errf(jedenlogin.EINVALID, "request.truncated")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return s.errf(jedenlogin.EINVALID, "request.not_object")
		}
		return s.errf(jedenlogin.EINVALID, "request.field_type", typ.Field)
	case errors.As(err, &tooBig):
		return s.errf(jedenlogin.CodeTooLarge, "request.too_large", maxBodyBytes/1024)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return s.errf(jedenlogin.EINVALID, "request.unknown_field", strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
	default:
		return s.errf(jedenlogin.EINVALID, "request.invalid")
	}
}

// requireField answers 400 bad_request naming a missing or empty field.
func (s *Server) requireField(name string, v *string) error {
	if v == nil || *v == "" {
		return s.errf(jedenlogin.EINVALID, "request.missing_field", name)
	}
	return nil
}

// checkCredentials validates the sizes of a login and password pair
// (service.CheckCredentialSizes).
func (s *Server) checkCredentials(login, pw string) error {
	if he := service.CheckCredentialSizes(login, pw); he != nil {
		return he
	}
	return nil
}

// nonNil makes a nil list encode as [] rather than null.
func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
