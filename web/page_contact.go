package web

import (
	"net/http"

	"jedenlogin"
)

// contactPage is the data of "Zmiana danych kontaktowych".
type contactPage struct {
	Contact contactJSON
	// Form values kept after an error.
	NewEmail, Phone string
	// CodeSent: a code was just mailed to Contact.EmailPending.
	CodeSent bool
}

func (s *Server) contactPageData(r *http.Request, a *authState) (*pageData, *contactPage, error) {
	c, err := s.accounts.Contact(r.Context(), a.caller())
	he := jedenlogin.AsError(err)
	if he != nil {
		return nil, nil, he
	}
	p := &contactPage{Contact: contactJSONOf(c), Phone: c.Phone}
	d := &pageData{Title: s.msg("contact.title"), User: s.user(r, a, "profile"), CSRF: a.sess.CSRFToken, Data: p, Fields: map[string]string{}}
	return d, p, nil
}

// pageContact is GET /profil/kontakt.
func (s *Server) pageContact(w http.ResponseWriter, r *http.Request, a *authState) error {
	d, p, err := s.contactPageData(r, a)
	if err != nil {
		return err
	}
	if r.URL.Query().Has("wyslano") && p.Contact.EmailPending != nil {
		p.CodeSent = true
		d.Info = s.msg("contact.code_sent", *p.Contact.EmailPending)
	}
	s.render(w, r, http.StatusOK, "contact", d)
	return nil
}

// pageContactPost is POST /profil/kontakt: changes the phone, starts an
// e-mail change (service.ChangeContact); on failure shows the form again.
func (s *Server) pageContactPost(w http.ResponseWriter, r *http.Request, a *authState) error {
	d, p, err := s.contactPageData(r, a)
	if err != nil {
		return err
	}
	email, phone, pw := r.PostFormValue("email"), r.PostFormValue("phone"), r.PostFormValue("password")
	p.NewEmail, p.Phone = email, phone
	if pw == "" {
		d.Fields["password"] = s.msg("contact.password_required")
		d.Error = s.msg("form.has_errors")
		s.render(w, r, http.StatusBadRequest, "contact", d)
		return nil
	}
	c, err := s.accounts.ChangeContact(r.Context(), a.caller(), jedenlogin.ContactChange{Email: &email, Phone: &phone, Password: pw})
	he := jedenlogin.AsError(err)
	if he != nil {
		if he.Code == jedenlogin.EINTERNAL {
			return he
		}
		s.formError(d, he)
		setRetryAfter(w, he.RetryAfter)
		s.render(w, r, statusOfError(he), "contact", d)
		return nil
	}
	target := "/profil?kontakt"
	if c.EmailPending != "" && email != "" {
		target = "/profil/kontakt?wyslano"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// pageContactCode is POST /profil/kontakt/kod: confirms the new e-mail
// with the mailed code (service.VerifyEmailCode).
func (s *Server) pageContactCode(w http.ResponseWriter, r *http.Request, a *authState) error {
	if _, err := s.accounts.VerifyEmailCode(r.Context(), a.caller(), r.PostFormValue("code")); err != nil {
		he := jedenlogin.AsError(err)
		if he.Code == jedenlogin.EINTERNAL {
			return he
		}
		d, _, err := s.contactPageData(r, a)
		if err != nil {
			return err
		}
		s.formError(d, he)
		s.render(w, r, statusOfError(he), "contact", d)
		return nil
	}
	http.Redirect(w, r, "/profil?email", http.StatusSeeOther)
	return nil
}
