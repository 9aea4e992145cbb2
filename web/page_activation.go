package web

import (
	"errors"
	"net/http"
	"strings"

	"jedenlogin"
	"jedenlogin/account"
)

// activationPage is the data of "Aktywacja konta": the login being
// activated and the password rules (static/password.js ticks them off).
type activationPage struct {
	Token string
	Login string
	Rules []passwordRule
	Names string
}

// activationData is the form's data for the token's account, or the
// answer of an expired link.
func (s *Server) activationData(r *http.Request, secret string) (*pageData, error) {
	tok, rec, err := s.usableToken(r.Context(), jedenlogin.TokenActivation, secret)
	if err != nil {
		return nil, s.activationExpired(err)
	}
	l := rec.Login(tok.LoginID)
	if l == nil || l.State != jedenlogin.LoginActive || l.PasswordHash != "" {
		return nil, s.activationExpired(s.linkExpired(jedenlogin.TokenActivation))
	}
	p := activationPage{Token: secret, Login: l.Name, Rules: s.passwordRules()}
	if s.policy.NoPersonalData {
		pc := account.PolicyContext(rec, l)
		p.Names = strings.Join([]string{pc.FirstName, pc.LastName}, " ")
	}
	return &pageData{Title: s.msg("activation.title"), Data: p, Fields: map[string]string{}}, nil
}

// pageActivation is GET and POST /aktywuj/{token}: the activation link of
// an account created from an accepted application. GET shows the form
// (the new login, the new password twice); POST sets the password and
// answers "OPERACJA ZAKOŃCZONA POMYŚLNIE" with the login. A used or
// expired link says that it expired.
func (s *Server) pageActivation(w http.ResponseWriter, r *http.Request) error {
	secret := r.PathValue("token")
	d, err := s.activationData(r, secret)
	if err != nil {
		return err
	}
	if r.Method == http.MethodGet {
		d.CSRF = s.preSessionToken(w, r)
		s.render(w, r, http.StatusOK, "activation", d)
		return nil
	}
	valid := s.checkPreSessionToken(r)
	d.CSRF = s.preSessionToken(w, r)
	if !valid {
		d.Error = s.msg("error.form_expired")
		s.render(w, r, http.StatusForbidden, "activation", d)
		return nil
	}
	pw := r.PostFormValue("new")
	s.checkNewFields(d, pw, r.PostFormValue("repeat"))
	if len(d.Fields) > 0 {
		d.Error = s.msg("form.has_errors")
		s.render(w, r, http.StatusBadRequest, "activation", d)
		return nil
	}
	login, err := s.activate(r.Context(), secret, pw, s.clientAddr(r))
	if err != nil {
		var he *jedenlogin.Error
		if !errors.As(err, &he) || he.Code == jedenlogin.EINTERNAL || he.Code == jedenlogin.CodeLinkExpired {
			return err
		}
		s.formError(d, he, "")
		s.render(w, r, statusOfError(he), "activation", d)
		return nil
	}
	s.render(w, r, http.StatusOK, "done", &pageData{
		Title: s.msg("done.title"),
		Data: donePage{
			Lines: []string{s.msg("activation.done")},
			Login: login,
			Links: []link{{Href: "/logowanie", Text: s.msg("done.to_sign_in")}},
		},
	})
	return nil
}
