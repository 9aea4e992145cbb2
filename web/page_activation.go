package web

import (
	"net/http"
	"strings"

	"jedenlogin"
)

// activationPage is the data of "Aktywacja konta": the login being
// activated and the password rules (static/password.js ticks them off).
type activationPage struct {
	Token string
	Login string
	Rules []passwordRule
	Names string
}

// activationData is the form's data for the token's account
// (service.ActivationLink), or the answer of an expired link.
func (s *Server) activationData(r *http.Request, secret string) (*pageData, error) {
	f, err := s.accounts.ActivationLink(r.Context(), secret)
	he := jedenlogin.AsError(err)
	if he != nil {
		return nil, he
	}
	p := activationPage{Token: secret, Login: f.Login, Rules: s.passwordRules()}
	if f.PersonalWords != nil {
		p.Names = strings.Join(f.PersonalWords, " ")
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
	login, err := s.accounts.Activate(r.Context(), secret, pw, s.clientAddr(r))
	he := jedenlogin.AsError(err)
	if he != nil {
		if he.Code == jedenlogin.EINTERNAL || he.Code == jedenlogin.CodeLinkExpired {
			return he
		}
		s.formError(d, he)
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
