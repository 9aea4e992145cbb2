package web

import (
	"fmt"
	"jedenlogin"
	"net/http"
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
	c, err := s.contactOf(r.Context(), a.rec)
	if err != nil {
		return nil, nil, s.internal(fmt.Errorf("contact page: %w", err))
	}
	p := &contactPage{Contact: c, Phone: c.Phone}
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
// e-mail change; on failure shows the form again.
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
	err = s.changeContact(r.Context(), a, contactChange{Email: &email, Phone: &phone}, pw)
	if err != nil {
		he := s.toHTTPError(err)
		if he.Code == jedenlogin.EINTERNAL {
			return he
		}
		d.Error, d.Notice = s.text(he.Text), s.text(he.Notice)
		if he.Code == jedenlogin.CodeInvalidCredentials {
			d.Fields["password"] = s.msg("password.current_wrong")
		} else if f, ok := he.Extra["field"].(string); ok {
			d.Fields[f] = s.text(he.Text)
		}
		setRetryAfter(w, he.RetryAfter)
		s.render(w, r, statusOfError(he), "contact", d)
		return nil
	}
	target := "/profil?kontakt"
	if pending, err := s.pendingEmail(r.Context(), a.rec.Person.ID); err == nil && pending != "" && email != "" {
		target = "/profil/kontakt?wyslano"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// pageContactCode is POST /profil/kontakt/kod: confirms the new e-mail
// with the mailed code.
func (s *Server) pageContactCode(w http.ResponseWriter, r *http.Request, a *authState) error {
	code := r.PostFormValue("code")
	if err := s.verifyEmailCode(r.Context(), a, code); err != nil {
		he := s.toHTTPError(err)
		if he.Code == jedenlogin.EINTERNAL {
			return he
		}
		d, _, err := s.contactPageData(r, a)
		if err != nil {
			return err
		}
		d.Error, d.Notice = s.text(he.Text), s.text(he.Notice)
		if he.Code == jedenlogin.CodeInvalidCode {
			d.Fields["code"] = s.text(he.Text)
		}
		s.render(w, r, statusOfError(he), "contact", d)
		return nil
	}
	http.Redirect(w, r, "/profil?email", http.StatusSeeOther)
	return nil
}
