package web

import (
	"crypto/subtle"
	"net/http"
	"time"

	"jedenlogin"
	"jedenlogin/service"
)

// Cookie names. With SecureCookies the "__Host-" prefix makes browsers
// refuse the cookie unless it is Secure, host-only and Path=/, so a sibling
// subdomain cannot plant one.
const (
	cookieSession    = "jedenlogin"
	cookiePreSession = "jedenlogin-pre"
	hostPrefix       = "__Host-"
	// preSessionMaxAge bounds the life of the pre-session cookie that binds
	// the CSRF token of the sign-in form.
	preSessionMaxAge = time.Hour
)

// randomToken, hashID and validToken: see service.NewToken, HashID, ValidToken.
func randomToken() string      { return service.NewToken() }
func hashID(id string) string  { return service.HashID(id) }
func validToken(v string) bool { return service.ValidToken(v) }

func (s *Server) cookieName(base string) string {
	if s.cfg.SecureCookies {
		return hostPrefix + base
	}
	return base
}

func (s *Server) setCookie(w http.ResponseWriter, base, value string, maxAge time.Duration) {
	c := &http.Cookie{
		Name:     s.cookieName(base),
		Value:    value,
		Path:     "/",
		HttpOnly: true,
		Secure:   s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	}
	switch {
	case maxAge > 0:
		c.MaxAge = int(maxAge / time.Second)
	case maxAge < 0:
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// sessionCookie returns the session id the request carries, "" for none.
func (s *Server) sessionCookie(r *http.Request) string {
	c, err := r.Cookie(s.cookieName(cookieSession))
	if err != nil || !validToken(c.Value) {
		return ""
	}
	return c.Value
}

// authState is a request's valid session with its login and person,
// loaded fresh from the store.
type authState struct {
	sess *jedenlogin.Session
	// rec is the person's whole record; nil on a lightRoute, whose handler
	// needs only the session, the login, the person and the login's grants.
	rec *jedenlogin.PersonRecord
	// grants are the grants the login holds, any state, with their
	// entities, as read with the session; set on a lightRoute only.
	grants []jedenlogin.GrantView
	login  *jedenlogin.Login  // the login the session is bound to (in rec when rec is set)
	person *jedenlogin.Person // the login's person (&rec.Person when rec is set)
	addr   string
	idleAt time.Time // when the session expires without further requests
	// token is the operator token of a script's request to the console's
	// API (adminAuthed); sess, rec, login and person are then nil.
	token *jedenlogin.AdminToken
}

// caller is the session (or the operator token) as the services take it.
func (a *authState) caller() *jedenlogin.Caller {
	return &jedenlogin.Caller{Session: a.sess, Record: a.rec, Grants: a.grants, Login: a.login, Person: a.person, Addr: a.addr, Token: a.token}
}

// pending reports whether the person still has to go through the transition.
func (a *authState) pending() bool { return a.person.State != jedenlogin.StateDone }

// authFlags tune what a route needs of a session.
type authFlags int

const (
	// sessionRoute marks routes reachable while consolidation is pending:
	// the transition screens and the session endpoints.
	sessionRoute authFlags = 1 << iota
	// noTouch marks status probes that must not count as activity.
	noTouch
	// confirmRoute marks the confirmation: a session ended because the
	// person consolidated meanwhile answers 409 already_consolidated there.
	confirmRoute
	// passwordRoute marks the password change, reachable when the
	// password has expired (Config.PasswordMaxAge); other routes then
	// answer 403 password_expired or lead to the password change page.
	passwordRoute
	// lightRoute marks hot routes whose handler uses only the session, the
	// login, the person and the login's grants (authState.rec is nil,
	// authState.grants is set): the request then reads the store once
	// (Store.SessionView) instead of reading the session and the person's
	// whole record.
	lightRoute
	// extendRoute marks "Przedłuż sesję": the idle timeout restarts exactly
	// now, even within service.TouchInterval of the last recorded activity.
	extendRoute
	// mfaRoute marks the routes a session owing its second factor may use
	// (the code step, the session's state); every other answers 403
	// mfa_required or leads to the code page (mfa.go).
	mfaRoute
	// enrolRoute marks the enrolment of a second factor, open to a session
	// that the policy holds until it enrols (besides the sessionRoutes).
	enrolRoute
)

// sessionEnd tells why a request has no valid session although it carried
// a session cookie (service.SessionEnd).
type sessionEnd = jedenlogin.SessionEnd

const (
	sessionNone     = jedenlogin.SessionNone
	sessionExpired  = jedenlogin.SessionExpired
	sessionReplaced = jedenlogin.SessionReplaced
)

// loadSession returns the request's valid session with the person's whole
// record, or nil and why there is none (the cookie is then cleared and the
// session deleted). Unless touch is false the request counts as activity.
// See session for the rules.
func (s *Server) loadSession(w http.ResponseWriter, r *http.Request, touch bool) (a *authState, end sessionEnd, err error) {
	var flags authFlags
	if !touch {
		flags |= noTouch
	}
	return s.session(w, r, flags)
}

// session returns the request's valid session, or nil and why there is
// none (the cookie is then cleared). The rules are service.LoadSession's;
// flags choose its options (lightRoute, noTouch, extendRoute).
func (s *Server) session(w http.ResponseWriter, r *http.Request, flags authFlags) (a *authState, end sessionEnd, err error) {
	id := s.sessionCookie(r)
	if id == "" {
		return nil, sessionNone, nil
	}
	c, idleAt, end, err := s.sessions.LoadSession(r.Context(), hashID(id), jedenlogin.LoadOptions{
		Light: flags&lightRoute != 0, NoTouch: flags&noTouch != 0, Extend: flags&extendRoute != 0,
		Addr: s.clientAddr(r),
	})
	if err != nil {
		return nil, sessionNone, err
	}
	if c == nil {
		s.setCookie(w, cookieSession, "", -1)
		return nil, end, nil
	}
	return &authState{sess: c.Session, rec: c.Record, grants: c.Grants, login: c.Login, person: c.Person, addr: c.Addr, idleAt: idleAt}, sessionNone, nil
}

// replacedSession is the id hash of the session the request came with,
// "" for none: a new session replaces it (renewal).
func (s *Server) replacedSession(r *http.Request) string {
	if old := s.sessionCookie(r); old != "" {
		return hashID(old)
	}
	return ""
}

// setSession gives the client the id of its new session.
func (s *Server) setSession(w http.ResponseWriter, id string) { s.setCookie(w, cookieSession, id, 0) }

// authed wraps an API handler that needs a session. Without one it answers
// 401 unauthenticated (409 already_consolidated on the confirmRoute when the
// person consolidated through another session); for a person still pending consolidation it answers
// 403 consolidation_required unless the route is a sessionRoute.
func (s *Server) authed(flags authFlags, h func(http.ResponseWriter, *http.Request, *authState) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, end, err := s.session(w, r, flags)
		if err != nil {
			return s.internal(err)
		}
		if a == nil {
			switch {
			case end == sessionReplaced && flags&confirmRoute != 0:
				return s.toHTTPError(jedenlogin.ErrAlreadyConsolidated)
			case end == sessionReplaced:
				return s.errf(jedenlogin.EUNAUTHORIZED, "session.replaced")
			case end == sessionExpired:
				return s.errf(jedenlogin.EUNAUTHORIZED, "session.expired")
			}
			return s.errf(jedenlogin.EUNAUTHORIZED, "error.unauthenticated")
		}
		if he := s.mfaGate(a, flags); he != nil {
			return he
		}
		if a.pending() && flags&sessionRoute == 0 {
			return s.errf(jedenlogin.CodeConsolidationRequired, "consolidation.required")
		}
		if flags&(sessionRoute|passwordRoute|enrolRoute) == 0 && s.passwordExpired(a.person, a.login) {
			return s.errf(jedenlogin.CodePasswordExpired, "password.expired")
		}
		return h(w, r, a)
	}
}

// authedPage wraps a page handler that needs a session. Without one it
// redirects to the sign-in page (with a notice when the session expired);
// a person still pending consolidation is sent to the transition screen
// unless the route is a sessionRoute. State-changing pages also check the
// form's CSRF token against the session's.
func (s *Server) authedPage(flags authFlags, h func(http.ResponseWriter, *http.Request, *authState) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, end, err := s.session(w, r, flags)
		if err != nil {
			return s.internal(err)
		}
		if a == nil {
			target := "/logowanie"
			switch end {
			case sessionExpired:
				target += "?sesja=wygasla"
			case sessionReplaced:
				target += "?sesja=zastapiona"
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return nil
		}
		if he := s.mfaGate(a, flags); he != nil {
			target := pathMFACode
			if a.sess.MFA == jedenlogin.MFAEnrol {
				target = pathMFAProfile
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return nil
		}
		if a.pending() && flags&sessionRoute == 0 {
			http.Redirect(w, r, "/potwierdz-login", http.StatusSeeOther)
			return nil
		}
		if flags&(sessionRoute|passwordRoute|enrolRoute) == 0 && s.passwordExpired(a.person, a.login) {
			http.Redirect(w, r, "/profil/haslo", http.StatusSeeOther)
			return nil
		}
		if r.Method == http.MethodPost && !sameToken(r.PostFormValue("csrf"), a.sess.CSRFToken) {
			return s.errf(jedenlogin.EFORBIDDEN, "error.csrf")
		}
		return h(w, r, a)
	}
}

// sameToken compares a submitted token with the expected one in constant time.
func sameToken(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// preSessionToken returns the CSRF token for forms shown before sign-in:
// the value of the short-lived pre-session cookie, set here when missing.
func (s *Server) preSessionToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(s.cookieName(cookiePreSession)); err == nil && validToken(c.Value) {
		return c.Value
	}
	tok := randomToken()
	s.setCookie(w, cookiePreSession, tok, preSessionMaxAge)
	return tok
}

// checkPreSessionToken reports whether the form's token matches the
// pre-session cookie.
func (s *Server) checkPreSessionToken(r *http.Request) bool {
	c, err := r.Cookie(s.cookieName(cookiePreSession))
	return err == nil && validToken(c.Value) && sameToken(r.PostFormValue("csrf"), c.Value)
}
