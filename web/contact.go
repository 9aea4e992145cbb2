package web

import (
	"context"
	"errors"
	"fmt"
	"jedenlogin/service"
	"net/http"
	"time"

	"jedenlogin"
	"jedenlogin/account"
	"jedenlogin/mail"
)

// contactJSON is the answer of the contact endpoints: the account's
// e-mail and phone, and the address waiting for its code (null when none).
type contactJSON struct {
	Email        string  `json:"email"`
	Phone        string  `json:"phone"`
	EmailPending *string `json:"email_pending"`
}

// pendingEmail returns the address waiting for confirmation, "" when none.
func (s *Server) pendingEmail(ctx context.Context, personID int64) (string, error) {
	tok, err := s.st.LatestToken(ctx, personID, jedenlogin.TokenEmailVerify)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("pending e-mail: %w", err)
	}
	if !tok.Usable(s.now()) {
		return "", nil
	}
	ch, err := account.DecodeEmailChange(tok.Data)
	if err != nil {
		return "", err
	}
	return ch.Email, nil
}

func (s *Server) contactOf(ctx context.Context, rec *jedenlogin.PersonRecord) (contactJSON, error) {
	c := contactJSON{}
	if a := rec.Person.Account; a != nil {
		c.Email, c.Phone = a.Email, a.Phone
	}
	p, err := s.pendingEmail(ctx, rec.Person.ID)
	if err != nil {
		return c, err
	}
	if p != "" {
		c.EmailPending = &p
	}
	return c, nil
}

// contactChange is what "Zmiana danych kontaktowych" asks for; nil fields
// stay as they are.
type contactChange struct {
	Email *string // the new address; "" or nil: keep
	Phone *string // the new phone; "": none
}

// changeContact is "Zmiana danych kontaktowych" (SPEC §7): after the
// password (counted like a sign-in attempt) it changes the phone at once
// and, for a new e-mail address, retires earlier codes and mails a 6-digit
// code and a link to the new address, valid 1 hour; the address changes
// only when one of them is used. Each change is audited. Errors: 400
// bad_request for a malformed address or phone, see checkPassword, 500.
func (s *Server) changeContact(ctx context.Context, a *authState, ch contactChange, pw string) error {
	now := s.now()
	if err := s.checkCredentials(a.login.Name, pw); err != nil {
		return err
	}
	var email, phone string
	var err error
	if ch.Email != nil && *ch.Email != "" {
		if email, err = account.NormalizeEmail(*ch.Email); err != nil {
			return s.fieldError(err, "email")
		}
	}
	if ch.Phone != nil {
		if phone, err = account.NormalizePhone(*ch.Phone); err != nil {
			return s.fieldError(err, "phone")
		}
	}
	if err := s.checkPassword(ctx, a, pw, "contact_change", now); err != nil {
		return err
	}
	acc := a.rec.Person.Account
	if acc == nil {
		return s.internal(fmt.Errorf("contact change: person %d has no account data", a.rec.Person.ID))
	}
	if ch.Phone != nil && phone != acc.Phone {
		err := s.st.UpdatePerson(ctx, a.rec.Person.ID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
			if rec.Person.Account == nil {
				return nil, fmt.Errorf("person %d has no account data", rec.Person.ID)
			}
			rec.Person.Account.Phone = phone
			return []jedenlogin.AuditEvent{{
				At: now, Action: jedenlogin.AuditContactChanged, Actor: a.login.Name, Subject: a.login.Name,
				Address: a.addr, Outcome: "ok", Details: service.Details(map[string]any{"field": "phone"}),
			}}, nil
		})
		if err != nil {
			return s.internal(fmt.Errorf("contact change: phone: %w", err))
		}
		acc.Phone = phone
	}
	if email != "" && email != acc.Email {
		if err := s.startEmailChange(ctx, a, email, now); err != nil {
			return err
		}
	}
	return nil
}

// startEmailChange retires the person's earlier codes, stores a new
// e-mail verification token (link secret and the hash of a 6-digit code)
// and mails both to the new address.
func (s *Server) startEmailChange(ctx context.Context, a *authState, email string, now time.Time) error {
	pid := a.rec.Person.ID
	if _, err := s.st.ExpireTokens(ctx, pid, jedenlogin.TokenEmailVerify, now); err != nil {
		return s.internal(fmt.Errorf("e-mail change: %w", err))
	}
	secret, hash := jedenlogin.NewTokenSecret()
	code := account.NewCode()
	tok := &jedenlogin.Token{
		Kind: jedenlogin.TokenEmailVerify, Hash: hash, PersonID: pid, LoginID: a.login.ID,
		Data:      account.EmailChange{Email: email, CodeHash: account.CodeHash(hash, code)}.Encode(),
		CreatedAt: now, ExpiresAt: now.Add(account.EmailCodeValidity),
	}
	if err := s.st.CreateToken(ctx, tok); err != nil {
		return s.internal(fmt.Errorf("e-mail change: %w", err))
	}
	ev := jedenlogin.AuditEvent{
		At: now, Action: jedenlogin.AuditContactChanged, Actor: a.login.Name, PersonID: &pid, Subject: a.login.Name,
		Address: a.addr, Outcome: "pending", Details: service.Details(map[string]any{"field": "email", "new_email": account.MaskEmail(email)}),
	}
	if err := s.st.AppendAudit(ctx, ev); err != nil {
		return s.internal(fmt.Errorf("e-mail change: audit: %w", err))
	}
	s.svc.MailLater(ctx, mail.KindEmailVerify, email, mail.EmailVerifyData{
		Login: a.login.Name, NewEmail: email, Code: code, Link: s.svc.Link("/potwierdz-email/" + secret),
	})
	return nil
}

// verifyEmailCode confirms the pending e-mail change of the signed-in
// person with the mailed code. A wrong code answers 422 invalid_code and
// counts; the jedenlogin.MaxTokenFailures-th wrong code spends the change
// (410 code_expired, as for no pending change or an expired code).
func (s *Server) verifyEmailCode(ctx context.Context, a *authState, code string) error {
	now := s.now()
	pid := a.rec.Person.ID
	var email string
	remaining := 0
	err := s.st.UpdateLatestToken(ctx, pid, jedenlogin.TokenEmailVerify, func(t *jedenlogin.Token) error {
		if !t.Usable(now) {
			return errGone
		}
		ch, err := account.DecodeEmailChange(t.Data)
		if err != nil {
			return err
		}
		if !ch.CheckCode(t.Hash, code) {
			t.Failures++
			if t.Failures >= jedenlogin.MaxTokenFailures {
				t.UsedAt = &now
			}
			remaining = max(jedenlogin.MaxTokenFailures-t.Failures, 0)
			return errWrongCode
		}
		t.UsedAt = &now
		email = ch.Email
		return nil
	})
	switch {
	case errors.Is(err, errGone), errors.Is(err, jedenlogin.ErrNotFound):
		return s.errf(jedenlogin.CodeCodeExpired, "contact.code_expired")
	case errors.Is(err, errWrongCode):
		ev := jedenlogin.AuditEvent{
			At: now, Action: jedenlogin.AuditContactChanged, Actor: a.login.Name, PersonID: &pid, Subject: a.login.Name,
			Address: a.addr, Outcome: "failed", Details: service.Details(map[string]any{"field": "email", "reason": "wrong_code"}),
		}
		if err := s.st.AppendAudit(ctx, ev); err != nil {
			return s.internal(fmt.Errorf("e-mail code: audit: %w", err))
		}
		if remaining == 0 {
			return s.errf(jedenlogin.CodeCodeExpired, "contact.code_spent")
		}
		he := s.errf(jedenlogin.CodeInvalidCode, "contact.code_wrong")
		he.Notice = jedenlogin.T(pluralKey("contact.code_remaining", remaining), remaining)
		he.Extra = map[string]any{"remaining_attempts": remaining}
		return he
	case err != nil:
		return s.internal(fmt.Errorf("e-mail code: %w", err))
	}
	return s.applyEmail(ctx, pid, email, a.login.Name, a.addr, now)
}

var errWrongCode = errors.New("wrong code")

// fieldError is the answer for a malformed field: its message, and the
// field's name in "field".
func (s *Server) fieldError(err error, field string) *jedenlogin.Error {
	he := s.toHTTPError(err)
	he.Extra = map[string]any{"field": field}
	return he
}

// confirmEmailLink confirms a pending e-mail change through the mailed
// link (no session needed: the link proves the mailbox, the change was
// asked for with the password). 410 link_expired for a used, expired or
// unknown link.
func (s *Server) confirmEmailLink(ctx context.Context, secret, addr string) (string, error) {
	const kind = jedenlogin.TokenEmailVerify
	tok, rec, err := s.usableToken(ctx, kind, secret)
	if err != nil {
		return "", err
	}
	now := s.now()
	var email string
	err = s.st.UpdateToken(ctx, kind, tok.Hash, func(t *jedenlogin.Token) error {
		if !t.Usable(now) {
			return errGone
		}
		ch, err := account.DecodeEmailChange(t.Data)
		if err != nil {
			return err
		}
		t.UsedAt = &now
		email = ch.Email
		return nil
	})
	if errors.Is(err, errGone) || errors.Is(err, jedenlogin.ErrNotFound) {
		return "", s.linkExpired(kind)
	} else if err != nil {
		return "", s.internal(fmt.Errorf("e-mail link: %w", err))
	}
	actor := "anonymous"
	if l := rec.Login(tok.LoginID); l != nil {
		actor = l.Name
	}
	if err := s.applyEmail(ctx, rec.Person.ID, email, actor, addr, now); err != nil {
		return "", err
	}
	return email, nil
}

// applyEmail makes the confirmed address the account's e-mail, audits it
// and tells the old address (masking the new one).
func (s *Server) applyEmail(ctx context.Context, personID int64, email, actor, addr string, now time.Time) error {
	var old, login string
	err := s.st.UpdatePerson(ctx, personID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		if rec.Person.Account == nil {
			return nil, fmt.Errorf("person %d has no account data", personID)
		}
		old = rec.Person.Account.Email
		rec.Person.Account.Email = email
		if rec.Person.UnifiedLoginID != nil {
			if l := rec.Login(*rec.Person.UnifiedLoginID); l != nil {
				login = l.Name
			}
		}
		return []jedenlogin.AuditEvent{{
			At: now, Action: jedenlogin.AuditContactChanged, Actor: actor, Subject: login,
			Address: addr, Outcome: "ok", Details: service.Details(map[string]any{"field": "email", "new_email": account.MaskEmail(email)}),
		}}, nil
	})
	if err != nil {
		return s.internal(fmt.Errorf("e-mail change: %w", err))
	}
	if old != "" && old != email {
		s.svc.MailLater(ctx, mail.KindEmailChangedNotice, old, mail.EmailChangedNoticeData{
			Login: login, NewEmail: account.MaskEmail(email), When: now,
		})
	}
	return nil
}

// contactRequest is the body of PUT /api/v1/me/contact.
type contactRequest struct {
	Email    *string `json:"email"`
	Phone    *string `json:"phone"`
	Password *string `json:"password"`
}

// apiContact is GET /api/v1/me/contact: e-mail, phone, pending e-mail.
func (s *Server) apiContact(w http.ResponseWriter, r *http.Request, a *authState) error {
	c, err := s.contactOf(r.Context(), a.rec)
	if err != nil {
		return s.internal(err)
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// apiChangeContact is PUT /api/v1/me/contact {"email","phone","password"}:
// 200 with the contact data and "email_pending" (the new address until its
// code is used); a missing or empty "email" keeps the address, a missing
// "phone" keeps the phone and "" removes it.
func (s *Server) apiChangeContact(w http.ResponseWriter, r *http.Request, a *authState) error {
	var req contactRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.requireField("password", req.Password); err != nil {
		return err
	}
	if err := s.changeContact(r.Context(), a, contactChange{Email: req.Email, Phone: req.Phone}, *req.Password); err != nil {
		return err
	}
	return s.writeContact(w, r, a.rec.Person.ID)
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
	if err := s.verifyEmailCode(r.Context(), a, *req.Code); err != nil {
		return err
	}
	return s.writeContact(w, r, a.rec.Person.ID)
}

func (s *Server) writeContact(w http.ResponseWriter, r *http.Request, personID int64) error {
	rec, err := s.st.Person(r.Context(), personID)
	if err != nil {
		return s.internal(fmt.Errorf("contact: %w", err))
	}
	c, err := s.contactOf(r.Context(), rec)
	if err != nil {
		return s.internal(err)
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// decodeEmailChangeAddress returns the new address of an e-mail
// verification token's Data, "" when it cannot be read.
func decodeEmailChangeAddress(data string) string {
	ch, err := account.DecodeEmailChange(data)
	if err != nil {
		return ""
	}
	return ch.Email
}
