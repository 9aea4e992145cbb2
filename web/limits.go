package web

import (
	"errors"
	"mime"
	"net/http"
	"strings"

	"jedenlogin"
)

// maxFormBytes bounds every HTML form body: the largest form (the public
// application) is a few kilobytes.
const maxFormBytes = 64 << 10

// limitBodies bounds what a request may send before any handler reads it:
// a body over its limit answers 413 with a clear message (as soon as
// Content-Length shows it, else once the limit is crossed while reading),
// and a multipart body, which no form of jedenlogin sends (none uploads
// files), answers 415 — so a flood of large posts costs neither memory nor
// temporary files. Form bodies are parsed here, under the limit, so
// handlers read them with PostFormValue as before; JSON bodies are bounded
// again by decodeJSON.
func (s *Server) limitBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		limit := int64(maxFormBytes)
		if isAPI(r) {
			limit = maxBodyBytes
		}
		if r.ContentLength > limit {
			s.refuseBody(w, r, s.errf(jedenlogin.CodeTooLarge, "request.too_large", limit/1024))
			return
		}
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if strings.HasPrefix(mt, "multipart/") {
			s.refuseBody(w, r, s.errf(jedenlogin.CodeUnsupportedMedia, "request.multipart"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if mt == "application/x-www-form-urlencoded" {
			if err := r.ParseForm(); err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					s.refuseBody(w, r, s.errf(jedenlogin.CodeTooLarge, "request.too_large", limit/1024))
				} else {
					s.refuseBody(w, r, s.errf(jedenlogin.EINVALID, "request.form_invalid"))
				}
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// refuseBody answers a refused body as JSON on the API, as a page elsewhere,
// and closes the connection: the rest of the body is not read.
func (s *Server) refuseBody(w http.ResponseWriter, r *http.Request, e *jedenlogin.Error) {
	w.Header().Set("Connection", "close")
	if isAPI(r) {
		s.writeAPIError(w, r, e)
		return
	}
	s.renderError(w, r, e)
}

// strictTransport tells browsers to reach the server only over HTTPS for a
// year once it is served over HTTPS (--public-url https://…).
func strictTransport(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		next.ServeHTTP(w, r)
	})
}
