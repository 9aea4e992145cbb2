package web

import (
	"jedenlogin"
	"net/http"
)

// contactJSON is the answer of the contact endpoints: the account's
// e-mail and phone, and the address waiting for its code (null when none).
type contactJSON struct {
	Email        string  `json:"email"`
	Phone        string  `json:"phone"`
	EmailPending *string `json:"email_pending"`
}

func contactJSONOf(c *jedenlogin.Contact) contactJSON {
	j := contactJSON{Email: c.Email, Phone: c.Phone}
	if c.EmailPending != "" {
		p := c.EmailPending
		j.EmailPending = &p
	}
	return j
}

// contactRequest is the body of PUT /api/v1/me/contact.
type contactRequest struct {
	Email    *string `json:"email"`
	Phone    *string `json:"phone"`
	Password *string `json:"password"`
}

// apiContact is GET /api/v1/me/contact: e-mail, phone, pending e-mail.
func (s *Server) apiContact(w http.ResponseWriter, r *http.Request, a *authState) error {
	c, err := s.accounts.Contact(r.Context(), a.caller())
	he := jedenlogin.AsError(err)
	if he != nil {
		return he
	}
	writeJSON(w, http.StatusOK, contactJSONOf(c))
	return nil
}

// apiChangeContact is PUT /api/v1/me/contact {"email","phone","password"}:
// 200 with the contact data and "email_pending" (the new address until its
// code is used); a missing or empty "email" keeps the address, a missing
// "phone" keeps the phone and "" removes it (service.ChangeContact).
func (s *Server) apiChangeContact(w http.ResponseWriter, r *http.Request, a *authState) error {
	var req contactRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.requireField("password", req.Password); err != nil {
		return err
	}
	c, err := s.accounts.ChangeContact(r.Context(), a.caller(), jedenlogin.ContactChange{Email: req.Email, Phone: req.Phone, Password: *req.Password})
	he := jedenlogin.AsError(err)
	if he != nil {
		return he
	}
	writeJSON(w, http.StatusOK, contactJSONOf(c))
	return nil
}

// apiVerifyContact is POST /api/v1/me/contact/verify {"code"}: 200 with the
// contact data; 422 invalid_code; 410 code_expired.
func (s *Server) apiVerifyContact(w http.ResponseWriter, r *http.Request, a *authState) error {
	var req struct {
		Code *string `json:"code"`
	}
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.requireField("code", req.Code); err != nil {
		return err
	}
	c, err := s.accounts.VerifyEmailCode(r.Context(), a.caller(), *req.Code)
	he := jedenlogin.AsError(err)
	if he != nil {
		return he
	}
	writeJSON(w, http.StatusOK, contactJSONOf(c))
	return nil
}
