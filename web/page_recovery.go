package web

import (
	"net/http"
	"net/url"
	"strings"

	"jedenlogin"
)

// recoveryPage is the data of "Odzyskaj login" and "Nie pamiętasz hasła?".
type recoveryPage struct {
	Form url.Values // the values typed, kept after an error
	Sent bool       // the request was accepted
}

// Get returns a form value for the template.
func (p recoveryPage) Get(name string) string { return p.Form.Get(name) }

// linkExpiredPage is the data of the page shown for a used or expired link.
type linkExpiredPage struct {
	Again     string // where to start again
	AgainText string // the link's text
}

// renderLinkExpired shows the 410 page of an expired link with the way to
// start again.
func (s *Server) renderLinkExpired(w http.ResponseWriter, r *http.Request, he *jedenlogin.Error, again, againText string) {
	s.render(w, r, statusOfError(he), "link_expired", &pageData{
		Title: s.msg("recovery.link_expired_title"), Error: s.text(he.Text),
		Data: linkExpiredPage{Again: again, AgainText: againText},
	})
}

// recoveryForm renders a recovery form page; fields are required, and the
// accepted request shows the one answer.
func (s *Server) recoveryForm(w http.ResponseWriter, r *http.Request, view, title string, required []requiredField, accept func() error, sent string) error {
	d := &pageData{Title: title, Fields: map[string]string{}}
	if r.Method == http.MethodGet {
		d.CSRF = s.preSessionToken(w, r)
		// A link may name the login ("Ustaw nowe hasło loginu X" on the
		// transition screen).
		form := url.Values{}
		if l := strings.TrimSpace(r.URL.Query().Get("login")); l != "" && len(l) <= 64 {
			form.Set("login", l)
		}
		d.Data = recoveryPage{Form: form}
		s.render(w, r, http.StatusOK, view, d)
		return nil
	}
	_ = r.ParseForm()
	p := recoveryPage{Form: r.PostForm}
	d.Data = p
	if !s.checkPreSessionToken(r) {
		d.CSRF = s.preSessionToken(w, r)
		d.Error = s.msg("error.form_expired")
		s.render(w, r, http.StatusForbidden, view, d)
		return nil
	}
	d.CSRF = s.preSessionToken(w, r)
	for _, f := range required {
		if strings.TrimSpace(r.PostFormValue(f.name)) == "" {
			d.Fields[f.name] = f.message
		}
	}
	if len(d.Fields) > 0 {
		d.Error = s.msg("form.has_errors")
		s.render(w, r, http.StatusBadRequest, view, d)
		return nil
	}
	if err := accept(); err != nil {
		he := jedenlogin.AsError(err)
		if he.Code == jedenlogin.EINTERNAL {
			return he
		}
		s.formError(d, he)
		setRetryAfter(w, he.RetryAfter)
		s.render(w, r, statusOfError(he), view, d)
		return nil
	}
	d.Data = recoveryPage{Form: url.Values{}, Sent: true}
	d.Info = sent
	s.render(w, r, http.StatusOK, view, d)
	return nil
}

// requiredField is a form field that must not be empty, with its message.
type requiredField struct{ name, message string }

// recoveryRequired are the fields both recovery forms require.
func (s *Server) recoveryRequired() []requiredField {
	return []requiredField{
		{"first_name", s.msg("recovery.required_first_name")},
		{"last_name", s.msg("recovery.required_last_name")},
		{"pesel", s.msg("recovery.required_pesel")},
		{"email", s.msg("recovery.required_email")},
	}
}

// pageRecoverLogin is GET and POST /odzyskaj-login ("ODZYSKAJ LOGIN").
func (s *Server) pageRecoverLogin(w http.ResponseWriter, r *http.Request) error {
	return s.recoveryForm(w, r, "recovery_login", s.msg("recovery.login_title"), s.recoveryRequired(),
		func() error {
			return s.recovery.RequestLoginRecovery(r.Context(), jedenlogin.LoginRecoveryRequest{
				FirstName: r.PostFormValue("first_name"), SecondName: r.PostFormValue("second_name"), LastName: r.PostFormValue("last_name"),
				PESEL: r.PostFormValue("pesel"), Email: r.PostFormValue("email"),
			}, s.clientAddr(r))
		}, s.msg("recovery.login_sent"))
}

// pageRecoverPassword is GET and POST /nie-pamietam-hasla ("Nie pamiętasz hasła?").
func (s *Server) pageRecoverPassword(w http.ResponseWriter, r *http.Request) error {
	required := append([]requiredField{{"login", s.msg("recovery.required_login")}}, s.recoveryRequired()...)
	return s.recoveryForm(w, r, "recovery_password", s.msg("recovery.password_title"), required,
		func() error {
			return s.recovery.RequestPasswordRecovery(r.Context(), jedenlogin.PasswordRecoveryRequest{
				Login: r.PostFormValue("login"), FirstName: r.PostFormValue("first_name"), LastName: r.PostFormValue("last_name"),
				PESEL: r.PostFormValue("pesel"), Email: r.PostFormValue("email"),
			}, s.clientAddr(r))
		}, s.msg("recovery.password_sent"))
}

// recoveredLoginPage is the data of the login recovery link's page.
type recoveredLoginPage struct {
	Action string
	Result *jedenlogin.RecoveredLogin // set once the right PESEL was entered
}

// pageRecoveredLogin is GET and POST /odzyskaj-login/{token}: asks for the
// PESEL again and shows the login; "Link do odzyskania loginu wygasł." for
// a used or expired link.
func (s *Server) pageRecoveredLogin(w http.ResponseWriter, r *http.Request) error {
	secret := r.PathValue("token")
	p := &recoveredLoginPage{Action: "/odzyskaj-login/" + secret}
	d := &pageData{Title: s.msg("recovery.login_title"), Data: p, Fields: map[string]string{}}
	var he *jedenlogin.Error
	if r.Method == http.MethodGet {
		err := s.recovery.LoginRecoveryLink(r.Context(), secret)
		he = jedenlogin.AsError(err)
	} else if !s.checkPreSessionToken(r) {
		d.CSRF = s.preSessionToken(w, r)
		d.Error = s.msg("error.form_expired")
		s.render(w, r, http.StatusForbidden, "recovered_login", d)
		return nil
	} else if pesel := strings.TrimSpace(r.PostFormValue("pesel")); pesel == "" {
		d.Fields["pesel"] = s.msg("recovery.required_pesel")
		d.Error = s.msg("form.has_errors")
		d.CSRF = s.preSessionToken(w, r)
		s.render(w, r, http.StatusBadRequest, "recovered_login", d)
		return nil
	} else {
		var err error
		p.Result, err = s.recovery.RecoverLogin(r.Context(), secret, pesel, s.clientAddr(r))
		he = jedenlogin.AsError(err)
	}
	if he != nil {
		switch he.Code {
		case jedenlogin.CodeLinkExpired:
			s.renderLinkExpired(w, r, he, "/odzyskaj-login", s.msg("recovery.login_again"))
			return nil
		case jedenlogin.CodePESELMismatch:
			s.formError(d, he)
			d.CSRF = s.preSessionToken(w, r)
			s.render(w, r, statusOfError(he), "recovered_login", d)
			return nil
		}
		return he
	}
	d.CSRF = s.preSessionToken(w, r)
	s.render(w, r, http.StatusOK, "recovered_login", d)
	return nil
}

// pageResetPassword is GET and POST /reset-hasla/{token}: sets a new
// password once ("Hasło zostało zmienione.").
func (s *Server) pageResetPassword(w http.ResponseWriter, r *http.Request) error {
	secret := r.PathValue("token")
	f, err := s.recovery.PasswordResetLink(r.Context(), secret)
	he := jedenlogin.AsError(err)
	if he != nil && he.Code == jedenlogin.CodeLinkExpired {
		s.renderLinkExpired(w, r, he, "/nie-pamietam-hasla", s.msg("recovery.password_again"))
		return nil
	} else if he != nil {
		return he
	}
	p := s.passwordData(*f)
	p.Reset, p.Action = true, "/reset-hasla/"+secret
	d := &pageData{Title: s.msg("recovery.reset_title"), Data: p, Fields: map[string]string{}}
	if r.Method == http.MethodGet {
		d.CSRF = s.preSessionToken(w, r)
		s.render(w, r, http.StatusOK, "password", d)
		return nil
	}
	if !s.checkPreSessionToken(r) {
		d.CSRF = s.preSessionToken(w, r)
		d.Error = s.msg("error.form_expired")
		s.render(w, r, http.StatusForbidden, "password", d)
		return nil
	}
	d.CSRF = s.preSessionToken(w, r)
	next, repeat := r.PostFormValue("new"), r.PostFormValue("repeat")
	s.checkNewFields(d, next, repeat)
	if len(d.Fields) > 0 {
		d.Error = s.msg("form.has_errors")
		s.render(w, r, http.StatusBadRequest, "password", d)
		return nil
	}
	if _, err := s.recovery.ResetPassword(r.Context(), secret, next, s.clientAddr(r)); err != nil {
		he := jedenlogin.AsError(err)
		if he.Code == jedenlogin.CodeLinkExpired {
			s.renderLinkExpired(w, r, he, "/nie-pamietam-hasla", s.msg("recovery.password_again"))
			return nil
		} else if he.Code == jedenlogin.EINTERNAL {
			return he
		}
		s.formError(d, he)
		s.render(w, r, statusOfError(he), "password", d)
		return nil
	}
	p.Done = true
	d.Info = s.msg("password.changed")
	s.render(w, r, http.StatusOK, "password", d)
	return nil
}

// emailConfirmPage is the data of the e-mail confirmation link's page.
type emailConfirmPage struct {
	Action string
	Email  string // the new address
	Done   bool
}

// pageConfirmEmail is GET and POST /potwierdz-email/{token}: the mailed
// link of an e-mail change; GET asks for the click, POST confirms (no
// state change on GET).
func (s *Server) pageConfirmEmail(w http.ResponseWriter, r *http.Request) error {
	secret := r.PathValue("token")
	expired := func(he *jedenlogin.Error) error {
		if he.Code == jedenlogin.CodeLinkExpired {
			s.renderLinkExpired(w, r, he, "/profil/kontakt", s.msg("contact.again"))
			return nil
		}
		return he
	}
	p := &emailConfirmPage{Action: "/potwierdz-email/" + secret}
	d := &pageData{Title: s.msg("contact.confirm_title"), Data: p}
	if r.Method == http.MethodGet {
		email, err := s.accounts.EmailChangeLink(r.Context(), secret)
		he := jedenlogin.AsError(err)
		if he != nil {
			return expired(he)
		}
		p.Email = email
		d.CSRF = s.preSessionToken(w, r)
		s.render(w, r, http.StatusOK, "email_confirm", d)
		return nil
	}
	if !s.checkPreSessionToken(r) {
		d.CSRF = s.preSessionToken(w, r)
		d.Error = s.msg("error.form_expired")
		s.render(w, r, http.StatusForbidden, "email_confirm", d)
		return nil
	}
	email, err := s.accounts.ConfirmEmailChange(r.Context(), secret, s.clientAddr(r))
	he := jedenlogin.AsError(err)
	if he != nil {
		return expired(he)
	}
	p.Email, p.Done = email, true
	d.CSRF = s.preSessionToken(w, r)
	d.Info = s.msg("contact.email_changed", email)
	s.render(w, r, http.StatusOK, "email_confirm", d)
	return nil
}
