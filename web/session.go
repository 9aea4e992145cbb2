package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
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

// randomToken returns 32 random bytes, base64url-encoded (256 bits).
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("web: crypto/rand failed: %v", err)) // never returns an error on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashID is how the store keeps a session id: hex SHA-256, so a database
// leak does not leak usable cookies.
func hashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// validToken reports whether v looks like a randomToken (43 base64url chars).
func validToken(v string) bool {
	if len(v) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil
}

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
}

// caller is the session as the services take it.
func (a *authState) caller() *service.Caller {
	return &service.Caller{Session: a.sess, Record: a.rec, Grants: a.grants, Login: a.login, Person: a.person, Addr: a.addr}
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
	// now, even within touchInterval of the last recorded activity.
	extendRoute
)

// sessionEnd tells why a request has no valid session although it carried
// a session cookie.
type sessionEnd int

const (
	sessionNone     sessionEnd = iota // no session, or an unknown one
	sessionExpired                    // idle or absolute timeout
	sessionReplaced                   // the person consolidated: the session's login was merged
)

// touchInterval is how stale the recorded activity of a session may get
// before a request writes it again. Writing the session on every request
// would make every read a database write; instead activity is recorded at
// most once per interval, so a session may end up to touchInterval before
// IdleTimeout has passed since its last request (at most 30 s, and at most
// a twentieth of IdleTimeout: between 9 min 30 s and 10 min with the
// default 10 minutes). "Przedłuż sesję" always records (extendRoute).
func (s *Server) touchInterval() time.Duration {
	return min(30*time.Second, s.cfg.IdleTimeout/20)
}

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
// none (the cookie is then cleared and the session deleted). A session is
// valid while it is within the idle and absolute timeouts and its login can
// still sign in — for a consolidated person, only through the unified
// login. Unless flags has noTouch the request counts as activity (recorded
// at most once per touchInterval, see there). With lightRoute one query
// (Store.SessionView) reads the session, login, person and grants;
// otherwise the person's whole record is loaded into authState.rec.
func (s *Server) session(w http.ResponseWriter, r *http.Request, flags authFlags) (a *authState, end sessionEnd, err error) {
	id := s.sessionCookie(r)
	if id == "" {
		return nil, sessionNone, nil
	}
	ctx := r.Context()
	idHash := hashID(id)
	// A lightRoute reads everything in one query (SessionView); other
	// routes read the session and, unless it timed out, the person's whole
	// record, which their handlers need anyway.
	var (
		sess *jedenlogin.Session
		v    *jedenlogin.SessionView
	)
	if flags&lightRoute != 0 {
		v, err = s.st.SessionView(ctx, idHash)
		if v != nil {
			sess = &v.Session
		}
	} else {
		sess, err = s.st.Session(ctx, idHash)
	}
	if errors.Is(err, jedenlogin.ErrNotFound) {
		s.setCookie(w, cookieSession, "", -1)
		return nil, sessionNone, nil
	} else if err != nil {
		return nil, sessionNone, fmt.Errorf("load session: %w", err)
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || !now.Before(sess.LastSeenAt.Add(s.cfg.IdleTimeout)) {
		s.endSession(ctx, w, idHash)
		return nil, sessionExpired, nil
	}
	a = &authState{sess: sess, addr: s.clientAddr(r)}
	var actsFor func() bool
	if v != nil {
		a.person, a.grants = &v.Person, v.Grants
		if v.Login.ID != 0 { // else the login is gone, or is not the person's
			a.login = &v.Login
		}
		actsFor = func() bool {
			return slices.ContainsFunc(v.Grants, func(g jedenlogin.GrantView) bool {
				return g.Grant.EntityID == sess.EntityID && g.Grant.ValidAt(now)
			})
		}
	} else {
		rec, err := s.st.Person(ctx, sess.PersonID)
		if errors.Is(err, jedenlogin.ErrNotFound) {
			s.endSession(ctx, w, idHash)
			return nil, sessionNone, nil
		} else if err != nil {
			return nil, sessionNone, fmt.Errorf("load session: person %d: %w", sess.PersonID, err)
		}
		a.rec, a.person, a.login = rec, &rec.Person, rec.Login(sess.LoginID)
		actsFor = func() bool { return stillActsFor(rec, a.login.ID, sess.EntityID, now) }
	}
	if end, ok := sessionLoginValid(a.person, a.login); !ok {
		s.endSession(ctx, w, idHash)
		return nil, end, nil
	}

	var entity *string
	if sess.EntityID != "" && !actsFor() {
		// The grant was revoked or expired: the session stops acting for
		// the entity at once.
		none := ""
		entity = &none
	}
	seen := sess.LastSeenAt
	if flags&noTouch == 0 && (flags&extendRoute != 0 || now.Sub(sess.LastSeenAt) >= s.touchInterval()) {
		seen = now
	}
	if entity != nil || !seen.Equal(sess.LastSeenAt) {
		// Clearing the entity alone keeps LastSeenAt: it is not activity.
		if err := s.st.TouchSession(ctx, idHash, seen, entity); err != nil {
			return nil, sessionNone, fmt.Errorf("touch session: %w", err)
		}
		sess.LastSeenAt = seen
		if entity != nil {
			sess.EntityID = ""
		}
	}
	a.idleAt = sess.LastSeenAt.Add(s.cfg.IdleTimeout)
	return a, sessionNone, nil
}

// sessionLoginValid reports whether a session bound to login l (nil: gone,
// or not the person's) of person p may go on, and if not, why: a merged
// login means the person consolidated meanwhile (sessionReplaced); an
// inactive login, or for a consolidated person any login but the unified
// one, ends it (sessionNone).
func sessionLoginValid(p *jedenlogin.Person, l *jedenlogin.Login) (sessionEnd, bool) {
	switch {
	case l != nil && l.State == jedenlogin.LoginMerged:
		// The person consolidated (in another window or browser) and this
		// session's login was merged: the session is over.
		return sessionReplaced, false
	case l == nil || l.State != jedenlogin.LoginActive:
		return sessionNone, false
	case p.State == jedenlogin.StateDone && (p.UnifiedLoginID == nil || *p.UnifiedLoginID != l.ID):
		return sessionNone, false
	}
	return sessionNone, true
}

// endSession deletes a session and clears the cookie. A failure to delete
// is logged: the session has timed out anyway and the store's cleanup will
// remove it.
func (s *Server) endSession(ctx context.Context, w http.ResponseWriter, idHash string) {
	if err := s.st.DeleteSession(ctx, idHash); err != nil {
		s.log.ErrorContext(ctx, "delete session", "err", err)
	}
	s.setCookie(w, cookieSession, "", -1)
}

// startSession creates a fresh session for the login, always under a new
// id (renewal: the session the request came with, if any, is deleted),
// and sets the cookie once it is stored. The session is written in one
// transaction with whatever else with holds (Store.StartSession: a
// cleared failure counter, the login's last sign-in, audit events), so
// that either all of it happens or nothing does; with.Session and
// with.ReplacesIDHash are filled in here.
func (s *Server) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, loginID, personID int64, now time.Time, with jedenlogin.SessionStart) (*jedenlogin.Session, error) {
	id := randomToken()
	with.Session = jedenlogin.Session{
		IDHash:     hashID(id),
		LoginID:    loginID,
		PersonID:   personID,
		CSRFToken:  randomToken(),
		CreatedAt:  now,
		LastSeenAt: now,
		ExpiresAt:  now.Add(s.cfg.AbsoluteTimeout),
	}
	if old := s.sessionCookie(r); old != "" {
		with.ReplacesIDHash = hashID(old)
	}
	if err := s.st.StartSession(ctx, with); err != nil {
		return nil, fmt.Errorf("start session: %w", err)
	}
	s.setCookie(w, cookieSession, id, 0)
	return &with.Session, nil
}

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
		if a.pending() && flags&sessionRoute == 0 {
			return s.errf(jedenlogin.CodeConsolidationRequired, "consolidation.required")
		}
		if flags&(sessionRoute|passwordRoute) == 0 && s.passwordExpired(a.person, a.login) {
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
		if a.pending() && flags&sessionRoute == 0 {
			http.Redirect(w, r, "/potwierdz-login", http.StatusSeeOther)
			return nil
		}
		if flags&(sessionRoute|passwordRoute) == 0 && s.passwordExpired(a.person, a.login) {
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
