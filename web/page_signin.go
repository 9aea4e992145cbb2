package web

import (
	"errors"
	"net/http"

	"jedenlogin"
)

// signInPage is the data of the sign-in page.
type signInPage struct {
	Login string
}

// pageSignIn is GET /logowanie: the sign-in form ("Logowanie"). A signed-in
// user goes on to the home page.
func (s *Server) pageSignIn(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Has("oidc") {
		return s.pageOIDC(w, r) // signing in for a module (page_oidc.go)
	}
	a, _, err := s.loadSession(w, r, false)
	if err != nil {
		return s.internal(err)
	}
	if a != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	d := &pageData{Title: s.msg("signin.title"), CSRF: s.preSessionToken(w, r), Data: signInPage{}}
	switch {
	case r.URL.Query().Get("sesja") == "wygasla":
		d.Notice = s.msg("session.expired")
	case r.URL.Query().Get("sesja") == "zastapiona":
		d.Notice = s.msg("session.replaced")
	case r.URL.Query().Has("wylogowano"):
		d.Info = s.msg("signout.done")
	}
	s.render(w, r, http.StatusOK, "signin", d)
	return nil
}

// pageSignInPost is POST /logowanie: signs in and goes on to the
// transition screen or the entity list; on failure shows the form again
// with the same answer the API gives.
func (s *Server) pageSignInPost(w http.ResponseWriter, r *http.Request) error {
	login, pw := r.PostFormValue("login"), r.PostFormValue("password")
	d := &pageData{Title: s.msg("signin.title"), Data: signInPage{Login: login}, Fields: map[string]string{}}
	if !s.checkPreSessionToken(r) {
		d.CSRF = s.preSessionToken(w, r)
		d.Error = s.msg("error.form_expired")
		s.render(w, r, http.StatusForbidden, "signin", d)
		return nil
	}
	d.CSRF = s.preSessionToken(w, r)
	if login == "" {
		d.Fields["login"] = s.msg("signin.login_required")
	}
	if pw == "" {
		d.Fields["password"] = s.msg("signin.password_required")
	}
	if err := s.checkCredentials(login, pw); err != nil {
		d.Fields["login"] = s.text(s.toHTTPError(err).Text)
	}
	if len(d.Fields) > 0 {
		d.Error = s.msg("form.has_errors")
		s.render(w, r, http.StatusBadRequest, "signin", d)
		return nil
	}
	res, err := s.signIn(w, r, login, pw)
	if err != nil {
		var he *jedenlogin.Error
		if !errors.As(err, &he) || he.Code == jedenlogin.EINTERNAL {
			return err
		}
		d.Error, d.Notice = s.text(he.Text), s.text(he.Notice)
		setRetryAfter(w, he.RetryAfter)
		s.render(w, r, statusOfError(he), "signin", d)
		return nil
	}
	next := s.nextAfterSignIn(r, res.Session, &res.Record.Person, res.Login)
	if next != "" && next == s.oidcNext(r, false) {
		// Signed in for a module: go on here rather than through one
		// more redirect that would load the new session again.
		if done, err := s.continueOIDCAfterSignIn(w, r, res); done || err != nil {
			return err
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}
