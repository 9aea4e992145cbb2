package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"sync"

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
// field of the wrong type, an unknown field (names match exactly, not
// ignoring case as encoding/json would), a field given twice at any depth,
// trailing data; or 413 for a body too large. A name given twice is
// refused rather than read as its last value: a proxy or log that reads
// the first would see another request than the handler.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return s.errf(jedenlogin.EINVALID, "request.content_type")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return s.errf(jedenlogin.CodeTooLarge, "request.too_large", maxBodyBytes/1024)
	} else if err != nil {
		return s.errf(jedenlogin.EINVALID, "request.truncated")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil || strings.HasPrefix(err.Error(), "json: unknown field ") {
		// The first value is well-formed JSON: look at its names as
		// written.
		if name, twice, found := strictNames(body, jsonNames(v)); found && twice {
			return s.errf(jedenlogin.EINVALID, "request.duplicate_field", name)
		} else if found {
			return s.errf(jedenlogin.EINVALID, "request.unknown_field", name)
		}
	}
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
	default:
		return s.errf(jedenlogin.EINVALID, "request.invalid")
	}
}

// jsonNames are the member names a request type reads, by type.
var jsonNames = func() func(v any) map[string]bool {
	var cache sync.Map // reflect.Type → map[string]bool
	return func(v any) map[string]bool {
		t := reflect.TypeOf(v)
		if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
			return nil
		}
		if m, ok := cache.Load(t); ok {
			return m.(map[string]bool)
		}
		names := map[string]bool{}
		for i := range t.Elem().NumField() {
			f := t.Elem().Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch name {
			case "-":
				continue
			case "":
				name = f.Name
			}
			names[name] = true
		}
		cache.Store(t, names)
		return names
	}
}()

// strictNames walks the first JSON value of body, which is well formed,
// and returns the first member name given twice in one object (twice
// true), or else the first name of the outermost object not in known
// (when known is not nil); found is false when there is neither. The name
// may be "" ({"":1}).
func strictNames(body []byte, known map[string]bool) (name string, twice, found bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	type object struct {
		names   map[string]bool
		wantKey bool
	}
	var stack []*object // nil entries: arrays
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false, false
		}
		top := len(stack) - 1
		if key, ok := tok.(string); ok && top >= 0 && stack[top] != nil && stack[top].wantKey {
			o := stack[top]
			if o.names[key] {
				return key, true, true
			}
			if top == 0 && known != nil && !known[key] {
				return key, false, true
			}
			o.names[key], o.wantKey = true, false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &object{names: map[string]bool{}, wantKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, nil)
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:top]
		}
		// A value has ended.
		if len(stack) == 0 {
			return "", false, false
		}
		if o := stack[len(stack)-1]; o != nil {
			o.wantKey = true
		}
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
