package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"jedenlogin"
	"jedenlogin/account"
	"jedenlogin/locale"
	"jedenlogin/mail"
)

// Recovery requests ("Odzyskaj login", "Nie pamiętasz hasła?") are
// answered at once, alike whether or not anything matched: the request is
// checked for form, counted against the client address, and queued; the
// lookup, the token and the mail happen in the background, so neither the
// answer nor its timing depends on the data.
//
// Limits: RecoveryAddrLimit requests per client address (IPv6: per /64)
// within RecoveryWindow, then too_many_attempts for RecoveryWindow;
// RecoveryTargetLimit requests whose data matched for one target (a
// PESEL, a login name) within RecoveryWindow, after which further requests
// for it are answered alike but send nothing, so nobody can flood a
// person's mailbox. Requests whose data did not match count only against
// their address: otherwise anyone naming a PESEL or a login could use up
// its owner's quota, and the owner's real request would send nothing.
const (
	RecoveryWindow      = time.Hour
	RecoveryAddrLimit   = 20
	RecoveryTargetLimit = 3
)

// maxRecoveryField limits the names and addresses the recovery forms
// accept at all.
const maxRecoveryField = 254

// recoveryAddrKey is the throttle key of a client address's recovery requests.
func recoveryAddrKey(addr string) string { return "recovery-" + AddrKey(addr) }

// recoveryTargetKey names a target by a hash, so no PESEL is stored in the
// throttle table.
func recoveryTargetKey(kind jedenlogin.TokenKind, target string) string {
	return "recovery-target:" + string(kind) + ":" + jedenlogin.TokenHash(target)[:32]
}

// recoveryField is one field of a recovery form.
type recoveryField struct {
	name, value string
	required    bool
}

// recoveryFields checks the fields of a recovery form: the required ones
// given, sizes, a well-formed PESEL and e-mail address. Errors are
// EINVALID naming the field (Fields, Extra "field"); they depend only on
// the form, never on the data on record.
func (s *Service) recoveryFields(fields []recoveryField, pesel, email string) (string, string, error) {
	for _, f := range fields {
		if f.required && strings.TrimSpace(f.value) == "" {
			return "", "", fieldError(s.errf(jedenlogin.EINVALID, "request.missing_field", f.name), f.name)
		}
	}
	for _, f := range fields {
		if len(f.value) > maxRecoveryField {
			return "", "", fieldError(s.errf(jedenlogin.EINVALID, "recovery.field_too_long", f.name), f.name)
		}
	}
	pesel, err := account.NormalizePESEL(pesel)
	if err != nil {
		return "", "", fieldError(jedenlogin.AsError(err), "pesel")
	}
	email, err = account.NormalizeEmail(email)
	if err != nil {
		return "", "", fieldError(jedenlogin.AsError(err), "email")
	}
	return pesel, email, nil
}

// countRecovery counts one recovery request of the client address and
// answers too_many_attempts when the address is over its limit.
func (s *Service) countRecovery(ctx context.Context, addr string, now time.Time) error {
	t, _, err := s.st.RecordFailure(ctx, recoveryAddrKey(addr), now, RecoveryWindow, RecoveryAddrLimit+1, RecoveryWindow)
	if err != nil {
		return s.internal(fmt.Errorf("count recovery request: %w", err))
	}
	if BlockedAt(t, now) {
		he := s.errf(jedenlogin.CodeTooManyAttempts, "recovery.too_many")
		he.RetryAfter = t.BlockedUntil.Sub(now)
		return he
	}
	return nil
}

// queueRecovery queues the background part of a recovery request;
// unavailable when the queue is full.
func (s *Service) queueRecovery(ctx context.Context, name string, fn func(ctx context.Context) error) error {
	if err := s.Enqueue(name, fn); err != nil {
		s.log.ErrorContext(ctx, "recovery request not queued", "kind", name, "err", err)
		return s.errf(jedenlogin.CodeUnavailable, "error.busy")
	}
	return nil
}

// RequestLoginRecovery accepts "Odzyskaj login" from the client address
// addr: the answer is the same whatever the data match; the lookup and
// the mail of a link to the address on record follow in the background.
// Errors: EINVALID naming a missing or malformed field (Fields, Extra
// "field"); too_many_attempts (RetryAfter) over the address's limit;
// unavailable when the background queue is full; EINTERNAL.
func (s *Recovery) RequestLoginRecovery(ctx context.Context, req jedenlogin.LoginRecoveryRequest, addr string) error {
	pesel, email, he := s.recoveryFields([]recoveryField{
		{"first_name", req.FirstName, true}, {"second_name", req.SecondName, false}, {"last_name", req.LastName, true},
		{"pesel", req.PESEL, true}, {"email", req.Email, true},
	}, strings.TrimSpace(req.PESEL), strings.TrimSpace(req.Email))
	if he != nil {
		return he
	}
	now := s.now()
	if he := s.countRecovery(ctx, addr, now); he != nil {
		return he
	}
	lr := account.LoginRecovery{FirstName: strings.TrimSpace(req.FirstName), SecondName: strings.TrimSpace(req.SecondName),
		LastName: strings.TrimSpace(req.LastName), PESEL: pesel, Email: email}
	return s.queueRecovery(ctx, "login recovery", func(ctx context.Context) error {
		return s.lookUpLoginRecovery(ctx, lr, addr, now)
	})
}

// RequestPasswordRecovery accepts "Nie pamiętasz hasła?" from the client
// address addr, as RequestLoginRecovery; the link mailed sets a new
// password (ResetPassword). Errors: those of RequestLoginRecovery, and
// EINVALID for a login too long.
func (s *Recovery) RequestPasswordRecovery(ctx context.Context, req jedenlogin.PasswordRecoveryRequest, addr string) error {
	pesel, email, he := s.recoveryFields([]recoveryField{
		{"first_name", req.FirstName, true}, {"last_name", req.LastName, true}, {"pesel", req.PESEL, true},
		{"email", req.Email, true}, {"login", req.Login, true},
	}, strings.TrimSpace(req.PESEL), strings.TrimSpace(req.Email))
	if he != nil {
		return he
	}
	if len(req.Login) > MaxLoginLen {
		return s.errf(jedenlogin.EINVALID, "request.login_too_long")
	}
	now := s.now()
	if he := s.countRecovery(ctx, addr, now); he != nil {
		return he
	}
	pr := account.PasswordRecovery{Login: strings.TrimSpace(req.Login), FirstName: strings.TrimSpace(req.FirstName),
		LastName: strings.TrimSpace(req.LastName), PESEL: pesel, Email: email}
	return s.queueRecovery(ctx, "password recovery", func(ctx context.Context) error {
		return s.lookUpPasswordRecovery(ctx, pr, addr, now)
	})
}

// overTargetLimit counts a request for target and reports whether the
// target had too many requests already.
func (s *Service) overTargetLimit(ctx context.Context, kind jedenlogin.TokenKind, target string, now time.Time) (bool, error) {
	t, _, err := s.st.RecordFailure(ctx, recoveryTargetKey(kind, target), now, RecoveryWindow, RecoveryTargetLimit+1, RecoveryWindow)
	if err != nil {
		return false, fmt.Errorf("count recovery target: %w", err)
	}
	return BlockedAt(t, now), nil
}

// auditRecovery records how a recovery request ended: outcome "sent" (the
// link's token and mail written), "no_match", "throttled" or "mail_failed"
// (they could not be written). The PESEL is never written.
func (s *Service) auditRecovery(ctx context.Context, kind jedenlogin.TokenKind, subject, addr, outcome string, personID *int64, now time.Time) error {
	ev := jedenlogin.AuditEvent{
		At: now, Action: jedenlogin.AuditRecoveryRequested, Actor: "anonymous", PersonID: personID,
		Subject: subject, Address: addr, Outcome: outcome, Details: Details(map[string]any{"kind": string(kind)}),
	}
	if err := s.st.AppendAudit(ctx, ev); err != nil {
		return fmt.Errorf("audit recovery request: %w", err)
	}
	return nil
}

// sendRecovery creates a token for the person (and login) and queues the
// mail of its link, built from path+secret, rendered by kind with
// data(link), in the token's transaction.
func (s *Service) sendRecovery(ctx context.Context, kind jedenlogin.TokenKind, personID, loginID int64, email, path string, validity time.Duration, now time.Time, mailKind string, data func(link string) any) error {
	secret, hash := jedenlogin.NewTokenSecret()
	tok := &jedenlogin.Token{
		Kind: kind, Hash: hash, PersonID: personID, LoginID: loginID, Data: encodeTokenEmail(email),
		CreatedAt: now, ExpiresAt: now.Add(validity),
	}
	msgs := s.outboxMail(ctx, mailKind, email, data(s.Link(path+secret)), now)
	if err := s.st.CreateToken(ctx, tok, nil, msgs...); err != nil {
		return fmt.Errorf("create %s token: %w", kind, err)
	}
	s.mailQueued()
	return nil
}

// lookUpLoginRecovery is the background part of "Odzyskaj login".
func (s *Service) lookUpLoginRecovery(ctx context.Context, req account.LoginRecovery, addr string, now time.Time) error {
	const kind = jedenlogin.TokenLoginRecovery
	subject := "recovery:login"
	rec, err := s.st.PersonByKey(ctx, "pesel:"+req.PESEL)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return s.auditRecovery(ctx, kind, subject, addr, "no_match", nil, now)
	} else if err != nil {
		return fmt.Errorf("login recovery: %w", err)
	}
	pid := rec.Person.ID
	email, ok := account.MatchLogin(rec, req)
	if !ok {
		return s.auditRecovery(ctx, kind, subject, addr, "no_match", &pid, now)
	}
	if over, err := s.overTargetLimit(ctx, kind, req.PESEL, now); err != nil {
		return err
	} else if over {
		return s.auditRecovery(ctx, kind, subject, addr, "throttled", &pid, now)
	}
	err = s.sendRecovery(ctx, kind, pid, 0, email, "/odzyskaj-login/", account.LoginRecoveryValidity, now,
		mail.KindLoginRecovery, func(link string) any { return mail.LoginRecoveryData{Link: link} })
	if err != nil {
		_ = s.auditRecovery(ctx, kind, subject, addr, "mail_failed", &pid, now)
		return fmt.Errorf("login recovery: %w", err)
	}
	return s.auditRecovery(ctx, kind, subject, addr, "sent", &pid, now)
}

// lookUpPasswordRecovery is the background part of "Nie pamiętasz
// hasła?". A new link retires the person's earlier reset links.
func (s *Service) lookUpPasswordRecovery(ctx context.Context, req account.PasswordRecovery, addr string, now time.Time) error {
	const kind = jedenlogin.TokenPasswordReset
	subject := req.Login
	l, err := s.st.LoginByName(ctx, req.Login)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return s.auditRecovery(ctx, kind, subject, addr, "no_match", nil, now)
	} else if err != nil {
		return fmt.Errorf("password recovery: %w", err)
	}
	rec, err := s.st.Person(ctx, l.PersonID)
	if err != nil {
		return fmt.Errorf("password recovery: %w", err)
	}
	pid := rec.Person.ID
	email, ok := account.MatchPassword(rec, rec.Login(l.ID), req)
	if !ok {
		return s.auditRecovery(ctx, kind, subject, addr, "no_match", &pid, now)
	}
	if over, err := s.overTargetLimit(ctx, kind, req.Login, now); err != nil {
		return err
	} else if over {
		return s.auditRecovery(ctx, kind, subject, addr, "throttled", &pid, now)
	}
	if _, err := s.st.ExpireTokens(ctx, pid, kind, now); err != nil {
		return fmt.Errorf("password recovery: %w", err)
	}
	err = s.sendRecovery(ctx, kind, pid, l.ID, email, "/reset-hasla/", account.PasswordResetValidity, now,
		mail.KindPasswordReset, func(link string) any { return mail.PasswordResetData{Login: l.Name, Link: link} })
	if err != nil {
		_ = s.auditRecovery(ctx, kind, subject, addr, "mail_failed", &pid, now)
		return fmt.Errorf("password recovery: %w", err)
	}
	return s.auditRecovery(ctx, kind, subject, addr, "sent", &pid, now)
}

// LoginRecoveryLink checks a login recovery link before its page asks for
// the PESEL. Errors: link_expired for a used, expired, unknown or
// malformed link; EINTERNAL.
func (s *Recovery) LoginRecoveryLink(ctx context.Context, secret string) error {
	_, _, he := s.usableToken(ctx, jedenlogin.TokenLoginRecovery, secret)
	return he
}

var errWrongPESEL = errors.New("wrong PESEL")

// RecoverLogin is the second step of "Odzyskaj login": the PESEL entered
// again at the link, from the client address addr. The right PESEL spends
// the link and returns the login(s), audited (login_recovered); a wrong
// one reveals nothing and does not spend the link, unless it is the
// jedenlogin.MaxTokenFailures-th. Errors: pesel_mismatch with the
// remaining attempts in Notice and Extra and Fields["pesel"];
// link_expired for a used, expired, unknown or malformed link; EINTERNAL.
func (s *Recovery) RecoverLogin(ctx context.Context, secret, pesel, addr string) (*jedenlogin.RecoveredLogin, error) {
	const kind = jedenlogin.TokenLoginRecovery
	tok, rec, he := s.usableToken(ctx, kind, secret)
	if he != nil {
		return nil, he
	}
	now := s.now()
	remaining := 0
	err := s.st.UpdateToken(ctx, kind, tok.Hash, func(t *jedenlogin.Token) error {
		if !t.Usable(now) {
			return errGone
		}
		if "pesel:"+pesel != rec.Person.Key {
			t.Failures++
			if t.Failures >= jedenlogin.MaxTokenFailures {
				t.UsedAt = &now
			}
			remaining = max(jedenlogin.MaxTokenFailures-t.Failures, 0)
			return errWrongPESEL
		}
		t.UsedAt = &now
		return nil
	})
	pid := rec.Person.ID
	// UpdateToken takes no audit events: the events below are steps of
	// their own after the token's use or failure count was saved.
	switch {
	case errors.Is(err, errGone):
		return nil, s.linkExpired(kind)
	case errors.Is(err, errWrongPESEL):
		ev := jedenlogin.AuditEvent{At: now, Action: jedenlogin.AuditLoginRecovered, Actor: "anonymous", PersonID: &pid,
			Subject: "recovery:login", Address: addr, Outcome: "failed", Details: Details(map[string]any{"reason": "wrong_pesel"})}
		if err := s.st.AppendAudit(ctx, ev); err != nil {
			return nil, s.internal(fmt.Errorf("audit login recovery: %w", err))
		}
		if remaining == 0 {
			return nil, s.linkExpired(kind)
		}
		he := s.errf(jedenlogin.CodePESELMismatch, "recovery.pesel_mismatch")
		he.Notice = locale.Plural("recovery.pesel_remaining", remaining)
		he.Extra = map[string]any{"remaining_attempts": remaining}
		he.Fields = map[string]jedenlogin.Text{"pesel": he.Text}
		return nil, he
	case errors.Is(err, jedenlogin.ErrNotFound):
		return nil, s.linkExpired(kind)
	case err != nil:
		return nil, s.internal(fmt.Errorf("use login recovery token: %w", err))
	}
	logins := account.RecoveredLogins(rec)
	if len(logins) == 0 {
		return nil, s.linkExpired(kind)
	}
	ev := jedenlogin.AuditEvent{At: now, Action: jedenlogin.AuditLoginRecovered, Actor: "anonymous", PersonID: &pid,
		Subject: logins[0], Address: addr, Outcome: "ok"}
	if err := s.st.AppendAudit(ctx, ev); err != nil {
		return nil, s.internal(fmt.Errorf("audit login recovery: %w", err))
	}
	return &jedenlogin.RecoveredLogin{Login: logins[0], Logins: logins, Pending: rec.Person.State != jedenlogin.StateDone}, nil
}

// PasswordResetLink checks a password reset link before its page asks for
// the new password, and returns the form's data. Errors: link_expired for
// a used, expired, unknown or malformed link, or one whose login is gone;
// EINTERNAL.
func (s *Recovery) PasswordResetLink(ctx context.Context, secret string) (*jedenlogin.PasswordForm, error) {
	tok, rec, he := s.usableToken(ctx, jedenlogin.TokenPasswordReset, secret)
	if he != nil {
		return nil, he
	}
	l := rec.Login(tok.LoginID)
	if l == nil {
		return nil, s.linkExpired(jedenlogin.TokenPasswordReset)
	}
	f := s.PasswordForm(rec, l)
	return &f, nil
}

// ResetPassword is the second step of "Nie pamiętasz hasła?", from the
// client address addr: it checks the policy (the link stays usable),
// spends the link, sets the password (audited in the same transaction),
// ends every session of the person, clears the login's failure counter
// and mails a notice to the address the link went to. It returns the
// login. Errors: EINVALID for a password too long; weak_password with
// Extra["reasons"]; link_expired for a used, expired, unknown or
// malformed link or an inactive login; EINTERNAL.
func (s *Recovery) ResetPassword(ctx context.Context, secret, pw, addr string) (string, error) {
	const kind = jedenlogin.TokenPasswordReset
	tok, rec, he := s.usableToken(ctx, kind, secret)
	if he != nil {
		return "", he
	}
	l := rec.Login(tok.LoginID)
	if l == nil || l.State != jedenlogin.LoginActive {
		return "", s.linkExpired(kind)
	}
	if len(pw) > MaxPasswordLen {
		return "", s.errf(jedenlogin.EINVALID, "request.password_too_long")
	}
	if he := s.weakPassword(rec, l, pw, ""); he != nil {
		return "", he
	}
	now := s.now()
	// The token is spent in a transaction of its own (UpdateToken takes no
	// person changes), before the password is set.
	if he := s.spendToken(ctx, tok, now); he != nil {
		return "", he
	}
	notice := s.outboxMail(ctx, mail.KindPasswordChangedNotice, decodeTokenEmail(tok.Data), mail.PasswordChangedNoticeData{
		Login: l.Name, When: now, ResetLink: s.Link("/nie-pamietam-hasla"),
	}, now)
	if he := s.setPassword(ctx, rec.Person.ID, l.ID, "", pw, l.Name, addr, "reset", now, notice); he != nil {
		return "", he
	}
	if _, err := s.st.DeleteSessionsOfPerson(ctx, rec.Person.ID, ""); err != nil {
		return "", s.internal(fmt.Errorf("password reset: end sessions: %w", err))
	}
	if err := s.st.ClearThrottle(ctx, LoginKey(l.Name)); err != nil {
		return "", s.internal(fmt.Errorf("password reset: clear failures: %w", err))
	}
	return l.Name, nil
}
