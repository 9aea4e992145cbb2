package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"jedenlogin"
)

// cookieOIDC holds the id of the OpenID Connect authorization request the
// browser is signing in for, so that the sign-in, the transition and the
// choice of entity lead back to it.
const cookieOIDC = "jedenlogin-oidc"

// oidcCookieMaxAge: an authorization request lives half an hour.
const oidcCookieMaxAge = 30 * time.Minute

// pageOIDC is GET /logowanie?oidc=ID, where the provider's authorize
// endpoint sends the browser: it shows the sign-in form, or sends the
// person to the transition or to PODMIOTY, or back to the module
// (service.ContinueAuthorization decides).
func (s *Server) pageOIDC(w http.ResponseWriter, r *http.Request) error {
	id := r.URL.Query().Get("oidc")
	a, _, err := s.loadSession(w, r, true)
	if err != nil {
		return s.internal(err)
	}
	var c *jedenlogin.Caller
	if a != nil {
		c = a.caller()
	}
	next, err := s.oidc.ContinueAuthorization(r.Context(), id, c, r.URL.Query().Has("wybrano"))
	if err != nil {
		s.setCookie(w, cookieOIDC, "", -1)
		return err
	}
	s.oidcStep(w, r, id, next)
	return nil
}

// oidcStep answers next, the step ContinueAuthorization chose for
// authorization request id.
func (s *Server) oidcStep(w http.ResponseWriter, r *http.Request, id string, next *jedenlogin.OIDCContinuation) {
	// The page's CSP needs the request's redirect URI: this read.
	r = r.WithContext(context.WithValue(r.Context(), oidcRequestKey{}, next.Request))
	switch next.Step {
	case jedenlogin.OIDCSignIn:
		s.setCookie(w, cookieOIDC, id, oidcCookieMaxAge)
		s.render(w, r, http.StatusOK, "signin", &pageData{
			Title: s.msg("signin.title"), CSRF: s.preSessionToken(w, r),
			Info: s.msg("oidc.sign_in_for", next.ClientName), Data: signInPage{},
		})
	case jedenlogin.OIDCConsolidate:
		s.setCookie(w, cookieOIDC, id, oidcCookieMaxAge)
		http.Redirect(w, r, "/potwierdz-login", http.StatusSeeOther)
	case jedenlogin.OIDCSecondFactor:
		s.setCookie(w, cookieOIDC, id, oidcCookieMaxAge)
		http.Redirect(w, r, pathMFACode, http.StatusSeeOther)
	case jedenlogin.OIDCEnrol:
		s.setCookie(w, cookieOIDC, id, oidcCookieMaxAge)
		http.Redirect(w, r, pathMFAProfile, http.StatusSeeOther)
	case jedenlogin.OIDCChooseEntity:
		s.setCookie(w, cookieOIDC, id, oidcCookieMaxAge)
		http.Redirect(w, r, "/podmioty", http.StatusSeeOther)
	case jedenlogin.OIDCNoEntity:
		s.setCookie(w, cookieOIDC, "", -1)
		s.render(w, r, http.StatusForbidden, "done", &pageData{
			Title: s.msg("oidc.no_entity_title"),
			Data: donePage{
				Lines: []string{s.msg("oidc.no_entity", next.ClientName)},
				Links: []link{
					{Href: oidcCallback(id), Text: s.msg("oidc.back_to_client", next.ClientName)},
					{Href: "/wniosek", Text: s.msg("oidc.apply")},
				},
			},
		})
	default:
		s.setCookie(w, cookieOIDC, "", -1)
		http.Redirect(w, r, oidcCallback(id), http.StatusSeeOther)
	}
}

// continueOIDCAfterSignIn goes on with the authorization request the
// browser signed in for, with the session the sign-in has just started
// (what GET /logowanie?oidc=ID would load again): back to the module, or
// the page that says there is no entity. It reports false, having
// answered nothing, for any other step (the caller redirects to the page
// that shows it) or when there is no request.
func (s *Server) continueOIDCAfterSignIn(w http.ResponseWriter, r *http.Request, res *jedenlogin.SignedIn) (bool, error) {
	c, err := r.Cookie(s.cookieName(cookieOIDC))
	if err != nil || !validToken(c.Value) || res.Login == nil || res.Record == nil {
		return false, nil
	}
	id := c.Value
	caller := &jedenlogin.Caller{Session: res.Session, Record: res.Record, Login: res.Login, Person: &res.Record.Person, Addr: s.clientAddr(r)}
	next, err := s.oidc.ContinueAuthorization(r.Context(), id, caller, false)
	if err != nil {
		s.setCookie(w, cookieOIDC, "", -1)
		return true, err
	}
	if next.Step != jedenlogin.OIDCFinish && next.Step != jedenlogin.OIDCNoEntity {
		return false, nil
	}
	s.oidcStep(w, r, id, next)
	return true, nil
}

// oidcRequestKey holds the *jedenlogin.OIDCAuthRequest a page of the
// authorization has read (oidcStep), for oidcFormAction.
type oidcRequestKey struct{}

func oidcCallback(id string) string {
	return jedenlogin.OIDCCallbackPath + "?id=" + url.QueryEscape(id)
}

// oidcNext returns where a page goes on when the browser signs in for an
// authorization request (sign-in, transition, choice of entity): back to
// pageOIDC, chosen marking the choice of entity. "" when there is none.
func (s *Server) oidcNext(r *http.Request, chosen bool) string {
	c, err := r.Cookie(s.cookieName(cookieOIDC))
	if err != nil || !validToken(c.Value) {
		return ""
	}
	next := "/logowanie?oidc=" + url.QueryEscape(c.Value)
	if chosen {
		next += "&wybrano"
	}
	return next
}

// EndSession ends the browser's session, if any, and clears its cookie:
// OpenID Connect RP-initiated logout (package oidc calls it).
func (s *Server) EndSession(w http.ResponseWriter, r *http.Request) error {
	if id := s.sessionCookie(r); id != "" {
		if err := s.sessions.SignOut(r.Context(), hashID(id), s.clientAddr(r)); err != nil {
			return err
		}
	}
	s.setCookie(w, cookieSession, "", -1)
	s.setCookie(w, cookieOIDC, "", -1)
	return nil
}

// EndClientSessionsOfEndedGrants ends the module sessions acting for an
// entity whose grant was revoked or expired (back-channel logout): serve's
// periodic cleanup calls it. See service.EndClientSessionsOfEndedGrants.
func (s *Server) EndClientSessionsOfEndedGrants(ctx context.Context) (int, error) {
	return s.oidc.EndClientSessionsOfEndedGrants(ctx)
}

// oidcFormAction lets the forms of a page shown during an OpenID Connect
// authorization (sign-in, transition, PODMIOTY) lead to the module:
// browsers apply CSP form-action to every redirect after a form is sent,
// and the redirects after the last form of an authorization end at the
// client's redirect URI. Its origin — registered, and where the provider
// sends the browser anyway — joins 'self'.
func (s *Server) oidcFormAction(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("oidc")
	if id == "" {
		if c, err := r.Cookie(s.cookieName(cookieOIDC)); err == nil {
			id = c.Value
		}
	}
	if !validToken(id) {
		return
	}
	req, _ := r.Context().Value(oidcRequestKey{}).(*jedenlogin.OIDCAuthRequest)
	if req == nil || req.ID != id {
		var err error
		if req, err = s.st.OIDCAuthRequest(r.Context(), id); err != nil {
			return
		}
	}
	allowFormAction(w, req.RedirectURI)
}

// allowFormAction adds the origin of uri to the page's CSP form-action.
func allowFormAction(w http.ResponseWriter, uri string) {
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || !cspHost.MatchString(u.Host) {
		return
	}
	w.Header().Set("Content-Security-Policy", strings.Replace(contentSecurityPolicy, "form-action 'self'", "form-action 'self' "+u.Scheme+"://"+u.Host, 1))
}

// cspHost is a host[:port] that cannot break out of a CSP source.
var cspHost = regexp.MustCompile(`^[A-Za-z0-9.\-]+(:[0-9]+)?$|^\[[0-9A-Fa-f:.]+\](:[0-9]+)?$`)

// Wrap gives the OpenID Connect provider's endpoints what web's own pages
// have: the security headers and the request metrics (with recovery from
// panics). Not the cross-origin protection: modules post to the token
// endpoint, and browsers to end_session, from other origins by design.
func (s *Server) Wrap(h http.Handler) http.Handler {
	return s.observe(securityHeaders(h))
}
