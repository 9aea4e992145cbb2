package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"jedenlogin"
	"jedenlogin/account"
	"jedenlogin/locale"
	"jedenlogin/mail"
)

// PendingEmail returns the new address of the person's e-mail change
// waiting for its code, "" when none. Errors: EINTERNAL.
func (s *Service) PendingEmail(ctx context.Context, personID int64) (string, error) {
	tok, err := s.st.LatestToken(ctx, personID, jedenlogin.TokenEmailVerify)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", s.internal(fmt.Errorf("pending e-mail: %w", err))
	}
	if !tok.Usable(s.now()) {
		return "", nil
	}
	ch, err := account.DecodeEmailChange(tok.Data)
	if err != nil {
		return "", s.internal(fmt.Errorf("pending e-mail: %w", err))
	}
	return ch.Email, nil
}

// contactOf returns the contact data of rec.
func (s *Service) contactOf(ctx context.Context, rec *jedenlogin.PersonRecord) (*jedenlogin.Contact, error) {
	c := &jedenlogin.Contact{}
	if a := rec.Person.Account; a != nil {
		c.Email, c.Phone = a.Email, a.Phone
	}
	p, he := s.PendingEmail(ctx, rec.Person.ID)
	if he != nil {
		return nil, he
	}
	c.EmailPending = p
	return c, nil
}

// Contact returns the caller's contact data, from the record the caller
// was loaded with. Errors: EINTERNAL.
func (s *Accounts) Contact(ctx context.Context, c *jedenlogin.Caller) (*jedenlogin.Contact, error) {
	if he := needRecord(c, "contact"); he != nil {
		return nil, he
	}
	return s.contactOf(ctx, c.Record)
}

// freshContact reads the person again and returns their contact data.
func (s *Service) freshContact(ctx context.Context, personID int64) (*jedenlogin.Contact, error) {
	rec, err := s.st.Person(ctx, personID)
	if err != nil {
		return nil, s.internal(fmt.Errorf("contact: %w", err))
	}
	return s.contactOf(ctx, rec)
}

// ChangeContact is "Zmiana danych kontaktowych" (SPEC §7): after the
// caller's password (counted like a sign-in attempt) it changes the phone
// at once, audited in the same transaction, and for a new e-mail address
// retires earlier codes and mails a 6-digit code and a link to the new
// address, valid 1 hour; the address changes only when one of them is used
// (VerifyEmailCode, ConfirmEmailChange). It returns the contact data as
// stored now. Errors: EINVALID for a password too long, or for a
// malformed address or phone (Fields and Extra "field" name it);
// invalid_credentials with the remaining attempts in Notice and Extra and
// Fields["password"]; too_many_attempts (RetryAfter) when blocked;
// EINTERNAL.
func (s *Accounts) ChangeContact(ctx context.Context, c *jedenlogin.Caller, ch jedenlogin.ContactChange) (*jedenlogin.Contact, error) {
	if he := needRecord(c, "contact change"); he != nil {
		return nil, he
	}
	now := s.now()
	if he := CheckCredentialSizes(c.Login.Name, ch.Password); he != nil {
		return nil, he
	}
	var email, phone string
	var err error
	if ch.Email != nil && *ch.Email != "" {
		if email, err = account.NormalizeEmail(*ch.Email); err != nil {
			return nil, fieldError(jedenlogin.AsError(err), "email")
		}
	}
	if ch.Phone != nil {
		if phone, err = account.NormalizePhone(*ch.Phone); err != nil {
			return nil, fieldError(jedenlogin.AsError(err), "phone")
		}
	}
	if he := s.confirmPassword(ctx, c, ch.Password, "contact_change", "password", now); he != nil {
		return nil, he
	}
	pid := c.Record.Person.ID
	acc := c.Record.Person.Account
	if acc == nil {
		return nil, s.internal(fmt.Errorf("contact change: person %d has no account data", pid))
	}
	if ch.Phone != nil && phone != acc.Phone {
		err := s.st.UpdatePerson(ctx, pid, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
			if rec.Person.Account == nil {
				return nil, fmt.Errorf("person %d has no account data", rec.Person.ID)
			}
			rec.Person.Account.Phone = phone
			return []jedenlogin.AuditEvent{{
				At: now, Action: jedenlogin.AuditContactChanged, Actor: c.Login.Name, Subject: c.Login.Name,
				Address: c.Addr, Outcome: "ok", Details: Details(map[string]any{"field": "phone"}),
			}}, nil
		})
		if err != nil {
			return nil, s.internal(fmt.Errorf("contact change: phone: %w", err))
		}
		acc.Phone = phone
	}
	if email != "" && email != acc.Email {
		if he := s.startEmailChange(ctx, c, email, now); he != nil {
			return nil, he
		}
	}
	return s.freshContact(ctx, pid)
}

// startEmailChange retires the person's earlier codes, stores a new
// e-mail verification token (link secret and the hash of a 6-digit code)
// with the mail of both to the new address queued in the token's
// transaction, and audits the pending change.
func (s *Service) startEmailChange(ctx context.Context, c *jedenlogin.Caller, email string, now time.Time) error {
	pid := c.Record.Person.ID
	if _, err := s.st.ExpireTokens(ctx, pid, jedenlogin.TokenEmailVerify, now); err != nil {
		return s.internal(fmt.Errorf("e-mail change: %w", err))
	}
	secret, hash := jedenlogin.NewTokenSecret()
	code := account.NewCode()
	tok := &jedenlogin.Token{
		Kind: jedenlogin.TokenEmailVerify, Hash: hash, PersonID: pid, LoginID: c.Login.ID,
		Data:      account.EmailChange{Email: email, CodeHash: account.CodeHash(hash, code)}.Encode(),
		CreatedAt: now, ExpiresAt: now.Add(account.EmailCodeValidity),
	}
	ev := jedenlogin.AuditEvent{
		At: now, Action: jedenlogin.AuditContactChanged, Actor: c.Login.Name, PersonID: &pid, Subject: c.Login.Name,
		Address: c.Addr, Outcome: "pending", Details: Details(map[string]any{"field": "email", "new_email": account.MaskEmail(email)}),
	}
	msgs := s.outboxMail(ctx, mail.KindEmailVerify, email, mail.EmailVerifyData{
		Login: c.Login.Name, NewEmail: email, Code: code, Link: s.Link("/potwierdz-email/" + secret),
	}, now)
	if err := s.st.CreateToken(ctx, tok, []jedenlogin.AuditEvent{ev}, msgs...); err != nil {
		return s.internal(fmt.Errorf("e-mail change: %w", err))
	}
	s.mailQueued()
	return nil
}

var errWrongCode = errors.New("wrong code")

// VerifyEmailCode confirms the caller's pending e-mail change with the
// mailed code and returns the contact data as stored now. A wrong code
// counts against the change; the jedenlogin.MaxTokenFailures-th spends it.
// Errors: invalid_code with the remaining attempts in Notice and Extra and
// Fields["code"]; code_expired for no pending change, an expired code or
// one spent by wrong codes; EINTERNAL.
func (s *Accounts) VerifyEmailCode(ctx context.Context, c *jedenlogin.Caller, code string) (*jedenlogin.Contact, error) {
	if he := needRecord(c, "e-mail code"); he != nil {
		return nil, he
	}
	now := s.now()
	pid := c.Record.Person.ID
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
		return nil, s.errf(jedenlogin.CodeCodeExpired, "contact.code_expired")
	case errors.Is(err, errWrongCode):
		// The token's failure count is saved by UpdateLatestToken, which
		// takes no audit events: the event is a step of its own.
		ev := jedenlogin.AuditEvent{
			At: now, Action: jedenlogin.AuditContactChanged, Actor: c.Login.Name, PersonID: &pid, Subject: c.Login.Name,
			Address: c.Addr, Outcome: "failed", Details: Details(map[string]any{"field": "email", "reason": "wrong_code"}),
		}
		if err := s.st.AppendAudit(ctx, ev); err != nil {
			return nil, s.internal(fmt.Errorf("e-mail code: audit: %w", err))
		}
		if remaining == 0 {
			return nil, s.errf(jedenlogin.CodeCodeExpired, "contact.code_spent")
		}
		he := s.errf(jedenlogin.CodeInvalidCode, "contact.code_wrong")
		he.Notice = locale.Plural("contact.code_remaining", remaining)
		he.Extra = map[string]any{"remaining_attempts": remaining}
		he.Fields = map[string]jedenlogin.Text{"code": he.Text}
		return nil, he
	case err != nil:
		return nil, s.internal(fmt.Errorf("e-mail code: %w", err))
	}
	if he := s.applyEmail(ctx, pid, email, c.Login.Name, c.Addr, now); he != nil {
		return nil, he
	}
	return s.freshContact(ctx, pid)
}

// EmailChangeLink returns the new address behind the link of an e-mail
// change while the link may still be used ("" when its data cannot be
// read). Errors: link_expired for a used, expired, unknown or malformed
// link; EINTERNAL.
func (s *Accounts) EmailChangeLink(ctx context.Context, secret string) (string, error) {
	tok, _, he := s.usableToken(ctx, jedenlogin.TokenEmailVerify, secret)
	if he != nil {
		return "", he
	}
	ch, err := account.DecodeEmailChange(tok.Data)
	if err != nil {
		return "", nil
	}
	return ch.Email, nil
}

// ConfirmEmailChange confirms a pending e-mail change through the mailed
// link (no session needed: the link proves the mailbox, the change was
// asked for with the password), and returns the new address; addr is the
// client's. Errors: link_expired for a used, expired, unknown or
// malformed link; EINTERNAL.
func (s *Accounts) ConfirmEmailChange(ctx context.Context, secret, addr string) (string, error) {
	const kind = jedenlogin.TokenEmailVerify
	tok, rec, he := s.usableToken(ctx, kind, secret)
	if he != nil {
		return "", he
	}
	now := s.now()
	var email string
	err := s.st.UpdateToken(ctx, kind, tok.Hash, func(t *jedenlogin.Token) error {
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
	if he := s.applyEmail(ctx, rec.Person.ID, email, actor, addr, now); he != nil {
		return "", he
	}
	return email, nil
}

// applyEmail makes the confirmed address the account's e-mail, audits it
// and queues the notice to the old address (masking the new one), in one
// transaction.
func (s *Service) applyEmail(ctx context.Context, personID int64, email, actor, addr string, now time.Time) error {
	var old, login string
	err := s.st.UpdatePersonMail(ctx, personID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, []jedenlogin.OutboxMessage, error) {
		if rec.Person.Account == nil {
			return nil, nil, fmt.Errorf("person %d has no account data", personID)
		}
		old = rec.Person.Account.Email
		rec.Person.Account.Email = email
		if rec.Person.UnifiedLoginID != nil {
			if l := rec.Login(*rec.Person.UnifiedLoginID); l != nil {
				login = l.Name
			}
		}
		var notice []jedenlogin.OutboxMessage
		if old != "" && old != email {
			notice = s.outboxMail(ctx, mail.KindEmailChangedNotice, old, mail.EmailChangedNoticeData{
				Login: login, NewEmail: account.MaskEmail(email), When: now,
			}, now)
		}
		return []jedenlogin.AuditEvent{{
			At: now, Action: jedenlogin.AuditContactChanged, Actor: actor, Subject: login,
			Address: addr, Outcome: "ok", Details: Details(map[string]any{"field": "email", "new_email": account.MaskEmail(email)}),
		}}, notice, nil
	})
	if err != nil {
		return s.internal(fmt.Errorf("e-mail change: %w", err))
	}
	// The person proved the address by the link: modules may trust it
	// (email_verified). A failure here leaves it unverified, the safe side.
	if err := s.st.MarkEmailVerified(ctx, personID, email, now); err != nil {
		s.log.ErrorContext(ctx, "e-mail change: mark verified", "err", err)
	}
	s.mailQueued()
	return nil
}
