package web

import (
	"net/http"
	"strings"

	"jedenlogin"
)

// adminAPIRoutes are the operator console's JSON API (issue 12). Each
// takes an operator's session (the cookie, as the rest of the API) or an
// operator token ("Authorization: Bearer <token>", `jedenlogin
// admin-token add`); no other route takes a token (bearerGate).
var adminAPIRoutes = []struct {
	pattern string
	h       func(*Server, http.ResponseWriter, *http.Request, *authState) error
}{
	{"GET /api/v1/admin/consolidation", (*Server).apiAdminConsolidation},
	{"GET /api/v1/admin/progress", (*Server).apiAdminProgress},
	{"GET /api/v1/admin/persons", (*Server).apiAdminPersons},
	{"GET /api/v1/admin/persons/{id}", (*Server).apiAdminPerson},
	{"POST /api/v1/admin/logins/{login}/unlock", (*Server).apiAdminUnlock},
	{"POST /api/v1/admin/persons/{id}/sessions/end", (*Server).apiAdminEndSessions},
	{"POST /api/v1/admin/persons/{id}/recovery", (*Server).apiAdminRecovery},
	{"PUT /api/v1/admin/persons/{id}/contact", (*Server).apiAdminContact},
	{"GET /api/v1/admin/audit", (*Server).apiAdminAudit},
	{"POST /api/v1/admin/mfa/reset", (*Server).apiResetMFA},
}

// adminAPIPrefix is where operator tokens are accepted.
const adminAPIPrefix = "/api/v1/admin/"

// adminRoutes wires adminAPIRoutes.
func (s *Server) adminRoutes(mux *http.ServeMux) {
	for _, rt := range adminAPIRoutes {
		h := rt.h
		mux.HandleFunc(rt.pattern, s.api(s.adminAuthed(func(w http.ResponseWriter, r *http.Request, a *authState) error {
			return h(s, w, r, a)
		})))
	}
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header and whether the request has one.
func bearerToken(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// adminAuthed is authed for the console's API: a request with a bearer
// token acts as the operator token (service.TokenCaller: 401 for a wrong,
// expired or revoked token, whatever cookie comes with it); any other
// request needs an operator's session as before.
func (s *Server) adminAuthed(h func(http.ResponseWriter, *http.Request, *authState) error) func(http.ResponseWriter, *http.Request) error {
	session := s.authed(0, h)
	return func(w http.ResponseWriter, r *http.Request) error {
		tok, ok := bearerToken(r)
		if !ok {
			return session(w, r)
		}
		c, err := s.admin.TokenCaller(r.Context(), tok, s.clientAddr(r))
		if err != nil {
			return err
		}
		return h(w, r, &authState{token: c.Token, addr: c.Addr})
	}
}

// bearerGate sends a request with a bearer token to the console's API
// without the cross-origin check (a bearer token is not ambient authority
// a browser would add to a forged request, so it needs no CSRF defence),
// and refuses it everywhere else: 401 admin_token.admin_only, so a token
// never opens a page or a person's own API.
func (s *Server) bearerGate(next, bearer http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := bearerToken(r); !ok {
			next.ServeHTTP(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, adminAPIPrefix) {
			bearer.ServeHTTP(w, r)
			return
		}
		s.writeAPIError(w, r, s.errf(jedenlogin.EUNAUTHORIZED, "admin_token.admin_only"))
	})
}
