package web

import (
	"net/http"

	"jedenlogin"
)

// oidcLogoutPage is the confirmation of an RP-initiated logout without
// id_token_hint.
type oidcLogoutPage struct {
	Question string
	// Params are the logout request's parameters carried to the POST.
	Params map[string]string
}

// oidcLogoutParams are the end_session parameters the confirmation keeps.
var oidcLogoutParams = []string{"client_id", "post_logout_redirect_uri", "state", "ui_locales"}

// pageOIDCLogout is GET /wyloguj-z-aplikacji, where the provider's
// end_session endpoint sends a logout that came without id_token_hint:
// anyone could have sent the browser there, so the person confirms
// (OpenID Connect RP-Initiated Logout 1.0 §2). Without a session there is
// nothing to confirm: the browser goes on at once.
func (s *Server) pageOIDCLogout(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.loadSession(w, r, false)
	if err != nil {
		return s.internal(err)
	}
	q := r.URL.Query()
	target, clientName, err := s.oidc.LogoutTarget(r.Context(), q.Get("client_id"), q.Get("post_logout_redirect_uri"), q.Get("state"))
	if err != nil {
		return err
	}
	if a == nil {
		s.redirectAfterLogout(w, r, target)
		return nil
	}
	p := oidcLogoutPage{Question: s.msg("oidc.logout_question"), Params: map[string]string{}}
	if clientName != "" {
		p.Question = s.msg("oidc.logout_question_client", clientName)
	}
	for _, k := range oidcLogoutParams {
		if v := q.Get(k); v != "" {
			p.Params[k] = v
		}
	}
	if target != "" {
		allowFormAction(w, target) // the POST's redirect leads there
	}
	s.render(w, r, http.StatusOK, "oidc_logout", &pageData{
		Title: s.msg("oidc.logout_title"), User: s.user(r, a, ""), CSRF: a.sess.CSRFToken, Data: p,
	})
	return nil
}

// pageOIDCLogoutPost is POST /wyloguj-z-aplikacji: the person confirmed;
// the jedenlogin session ends (with back-channel logouts to every module
// holding it) and the browser goes to the module's registered
// post_logout_redirect_uri, or to the sign-in page.
func (s *Server) pageOIDCLogoutPost(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.loadSession(w, r, false)
	if err != nil {
		return s.internal(err)
	}
	if a != nil && !sameToken(r.PostFormValue("csrf"), a.sess.CSRFToken) {
		return s.errf(jedenlogin.EFORBIDDEN, "error.csrf")
	}
	target, _, err := s.oidc.LogoutTarget(r.Context(), r.PostFormValue("client_id"), r.PostFormValue("post_logout_redirect_uri"), r.PostFormValue("state"))
	if err != nil {
		return err
	}
	if a != nil {
		if err := s.oidc.AuditClientLogout(r.Context(), a.caller(), r.PostFormValue("client_id")); err != nil {
			return err
		}
	}
	if err := s.EndSession(w, r); err != nil {
		return err
	}
	s.redirectAfterLogout(w, r, target)
	return nil
}

func (s *Server) redirectAfterLogout(w http.ResponseWriter, r *http.Request, target string) {
	if target == "" {
		target = "/logowanie?wylogowano"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
