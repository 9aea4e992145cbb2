package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"jedenlogin/service"
	"time"

	"jedenlogin"
	"jedenlogin/account"
	"jedenlogin/mail"
)

// Recovery requests ("Odzyskaj login", "Nie pamiętasz hasła?") answer at
// once, alike whether or not anything matched: the request is checked for
// form, counted against the client address, and queued; the lookup, the
// token and the mail happen in the background (background.go), so neither
// the answer nor its timing depends on the data.
//
// Limits: recoveryAddrLimit requests per client address (IPv6: per /64)
// within recoveryWindow, then 429 for recoveryWindow; recoveryTargetLimit
// requests for one target (a PESEL, a login name) within recoveryWindow,
// after which further requests for it are answered alike but send nothing,
// so nobody can flood a person's mailbox.
const (
	recoveryWindow      = time.Hour
	recoveryAddrLimit   = 20
	recoveryTargetLimit = 3
)

// Throttle keys of the recovery forms.
func recoveryAddrKey(addr string) string { return "recovery-" + service.AddrKey(addr) }

// recoveryTargetKey names a target by a hash, so no PESEL is stored in the
// throttle table.
func recoveryTargetKey(kind jedenlogin.TokenKind, target string) string {
	return "recovery-target:" + string(kind) + ":" + jedenlogin.TokenHash(target)[:32]
}

// tokenEmail is the Data of recovery tokens: the address the link went to.
type tokenEmail struct {
	Email string `json:"email"`
}

func encodeTokenEmail(email string) string {
	b, _ := json.Marshal(tokenEmail{Email: email})
	return string(b)
}

func decodeTokenEmail(data string) string {
	var t tokenEmail
	_ = json.Unmarshal([]byte(data), &t) // a token without Data has no address
	return t.Email
}

// countRecovery counts one recovery request of the client address and
// answers 429 too_many_attempts when the address is over its limit.
func (s *Server) countRecovery(ctx context.Context, addr string, now time.Time) error {
	t, _, err := s.st.RecordFailure(ctx, recoveryAddrKey(addr), now, recoveryWindow, recoveryAddrLimit+1, recoveryWindow)
	if err != nil {
		return s.internal(fmt.Errorf("count recovery request: %w", err))
	}
	if service.BlockedAt(t, now) {
		he := s.errf(jedenlogin.CodeTooManyAttempts, "recovery.too_many")
		he.RetryAfter = t.BlockedUntil.Sub(now)
		return he
	}
	return nil
}

// queueRecovery queues the background part of a recovery request; 503
// unavailable when the queue is full.
func (s *Server) queueRecovery(ctx context.Context, name string, fn func(ctx context.Context) error) error {
	if err := s.svc.Enqueue(name, fn); err != nil {
		s.log.ErrorContext(ctx, "recovery request not queued", "kind", name, "err", err)
		return s.errf(jedenlogin.CodeUnavailable, "error.busy")
	}
	return nil
}

// overTargetLimit counts a request for target and reports whether the
// target had too many requests already.
func (s *Server) overTargetLimit(ctx context.Context, kind jedenlogin.TokenKind, target string, now time.Time) (bool, error) {
	t, _, err := s.st.RecordFailure(ctx, recoveryTargetKey(kind, target), now, recoveryWindow, recoveryTargetLimit+1, recoveryWindow)
	if err != nil {
		return false, fmt.Errorf("count recovery target: %w", err)
	}
	return service.BlockedAt(t, now), nil
}

// auditRecovery records how a recovery request ended: outcome "sent",
// "no_match", "throttled" or "mail_failed". The PESEL is never written.
func (s *Server) auditRecovery(ctx context.Context, kind jedenlogin.TokenKind, subject, addr, outcome string, personID *int64, now time.Time) error {
	ev := jedenlogin.AuditEvent{
		At: now, Action: jedenlogin.AuditRecoveryRequested, Actor: "anonymous", PersonID: personID,
		Subject: subject, Address: addr, Outcome: outcome, Details: service.Details(map[string]any{"kind": string(kind)}),
	}
	if err := s.st.AppendAudit(ctx, ev); err != nil {
		return fmt.Errorf("audit recovery request: %w", err)
	}
	return nil
}

// sendRecovery creates a token for the person (and login) and mails its
// link, built from path+secret, rendered by kind with data(link).
func (s *Server) sendRecovery(ctx context.Context, kind jedenlogin.TokenKind, personID, loginID int64, email, path string, validity time.Duration, now time.Time, mailKind string, data func(link string) any) error {
	secret, hash := jedenlogin.NewTokenSecret()
	tok := &jedenlogin.Token{
		Kind: kind, Hash: hash, PersonID: personID, LoginID: loginID, Data: encodeTokenEmail(email),
		CreatedAt: now, ExpiresAt: now.Add(validity),
	}
	if err := s.st.CreateToken(ctx, tok); err != nil {
		return fmt.Errorf("create %s token: %w", kind, err)
	}
	return s.svc.Deliver(ctx, mailKind, email, data(s.svc.Link(path+secret)))
}

// requestLoginRecovery is the background part of "Odzyskaj login".
func (s *Server) requestLoginRecovery(ctx context.Context, req account.LoginRecovery, addr string, now time.Time) error {
	const kind = jedenlogin.TokenLoginRecovery
	subject := "recovery:login"
	over, err := s.overTargetLimit(ctx, kind, req.PESEL, now)
	if err != nil {
		return err
	}
	if over {
		return s.auditRecovery(ctx, kind, subject, addr, "throttled", nil, now)
	}
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
	err = s.sendRecovery(ctx, kind, pid, 0, email, "/odzyskaj-login/", account.LoginRecoveryValidity, now,
		mail.KindLoginRecovery, func(link string) any { return mail.LoginRecoveryData{Link: link} })
	if err != nil {
		_ = s.auditRecovery(ctx, kind, subject, addr, "mail_failed", &pid, now)
		return fmt.Errorf("login recovery: %w", err)
	}
	return s.auditRecovery(ctx, kind, subject, addr, "sent", &pid, now)
}

// requestPasswordRecovery is the background part of "Nie pamiętasz
// hasła?". A new link retires the person's earlier reset links.
func (s *Server) requestPasswordRecovery(ctx context.Context, req account.PasswordRecovery, addr string, now time.Time) error {
	const kind = jedenlogin.TokenPasswordReset
	subject := req.Login
	over, err := s.overTargetLimit(ctx, kind, req.Login, now)
	if err != nil {
		return err
	}
	if over {
		return s.auditRecovery(ctx, kind, subject, addr, "throttled", nil, now)
	}
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

// errGone is returned from token updates for a token that may no longer be used.
var errGone = errors.New("token used or expired")

// linkExpired is the 410 answer of a recovery or confirmation link.
func (s *Server) linkExpired(kind jedenlogin.TokenKind) *jedenlogin.Error {
	switch kind {
	case jedenlogin.TokenLoginRecovery:
		return s.errf(jedenlogin.CodeLinkExpired, "recovery.login_link_expired")
	case jedenlogin.TokenPasswordReset:
		return s.errf(jedenlogin.CodeLinkExpired, "recovery.reset_link_expired")
	}
	return s.errf(jedenlogin.CodeLinkExpired, "contact.link_expired")
}

// usableToken returns the token behind a link's secret when it may still
// be used, and its person; otherwise the 410 answer. A malformed secret is
// answered like an expired one.
func (s *Server) usableToken(ctx context.Context, kind jedenlogin.TokenKind, secret string) (*jedenlogin.Token, *jedenlogin.PersonRecord, error) {
	if !validToken(secret) {
		return nil, nil, s.linkExpired(kind)
	}
	tok, err := s.st.Token(ctx, kind, jedenlogin.TokenHash(secret))
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return nil, nil, s.linkExpired(kind)
	} else if err != nil {
		return nil, nil, s.internal(fmt.Errorf("read %s token: %w", kind, err))
	}
	if !tok.Usable(s.now()) {
		return nil, nil, s.linkExpired(kind)
	}
	rec, err := s.st.Person(ctx, tok.PersonID)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return nil, nil, s.linkExpired(kind)
	} else if err != nil {
		return nil, nil, s.internal(fmt.Errorf("read person of %s token: %w", kind, err))
	}
	return tok, rec, nil
}

// recoveredLogin is the answer of a login recovery link.
type recoveredLogin struct {
	Login  string   `json:"login"`
	Logins []string `json:"logins"`
	// Pending: the person has not gone through the transition yet; any of
	// Logins leads to it.
	Pending bool `json:"consolidation_required"`
}

// showLogin is the second step of "Odzyskaj login": the PESEL entered
// again. A wrong PESEL answers 422 pesel_mismatch without revealing
// anything and without spending the link, unless it is the
// jedenlogin.MaxTokenFailures-th; the right one spends the link and returns
// the login(s). 410 link_expired for a used, expired or unknown link.
func (s *Server) showLogin(ctx context.Context, secret, pesel, addr string) (*recoveredLogin, error) {
	const kind = jedenlogin.TokenLoginRecovery
	tok, rec, err := s.usableToken(ctx, kind, secret)
	if err != nil {
		return nil, err
	}
	now := s.now()
	remaining := 0
	err = s.st.UpdateToken(ctx, kind, tok.Hash, func(t *jedenlogin.Token) error {
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
	switch {
	case errors.Is(err, errGone):
		return nil, s.linkExpired(kind)
	case errors.Is(err, errWrongPESEL):
		ev := jedenlogin.AuditEvent{At: now, Action: jedenlogin.AuditLoginRecovered, Actor: "anonymous", PersonID: &pid,
			Subject: "recovery:login", Address: addr, Outcome: "failed", Details: service.Details(map[string]any{"reason": "wrong_pesel"})}
		if err := s.st.AppendAudit(ctx, ev); err != nil {
			return nil, s.internal(fmt.Errorf("audit login recovery: %w", err))
		}
		if remaining == 0 {
			return nil, s.linkExpired(kind)
		}
		he := s.errf(jedenlogin.CodePESELMismatch, "recovery.pesel_mismatch")
		he.Notice = jedenlogin.T(pluralKey("recovery.pesel_remaining", remaining), remaining)
		he.Extra = map[string]any{"remaining_attempts": remaining}
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
	return &recoveredLogin{Login: logins[0], Logins: logins, Pending: rec.Person.State != jedenlogin.StateDone}, nil
}

var errWrongPESEL = errors.New("wrong PESEL")

// resetPassword is the second step of "Nie pamiętasz hasła?": it checks
// the policy (422 weak_password, the link stays usable), spends the link
// (410 link_expired when used, expired or unknown), sets the password,
// ends every session of the person, clears the login's failure counter and
// mails a notice.
func (s *Server) resetPassword(ctx context.Context, secret, pw, addr string) (string, error) {
	const kind = jedenlogin.TokenPasswordReset
	tok, rec, err := s.usableToken(ctx, kind, secret)
	if err != nil {
		return "", err
	}
	l := rec.Login(tok.LoginID)
	if l == nil || l.State != jedenlogin.LoginActive {
		return "", s.linkExpired(kind)
	}
	if len(pw) > maxPasswordLen {
		return "", s.errf(jedenlogin.EINVALID, "request.password_too_long")
	}
	if he := s.weakPassword(rec, l, pw, ""); he != nil {
		return "", he
	}
	now := s.now()
	err = s.st.UpdateToken(ctx, kind, tok.Hash, func(t *jedenlogin.Token) error {
		if !t.Usable(now) {
			return errGone
		}
		t.UsedAt = &now
		return nil
	})
	if errors.Is(err, errGone) || errors.Is(err, jedenlogin.ErrNotFound) {
		return "", s.linkExpired(kind)
	} else if err != nil {
		return "", s.internal(fmt.Errorf("use password reset token: %w", err))
	}
	if err := s.setPassword(ctx, rec.Person.ID, l.ID, "", pw, l.Name, addr, "reset", now); err != nil {
		return "", err
	}
	if _, err := s.st.DeleteSessionsOfPerson(ctx, rec.Person.ID, ""); err != nil {
		return "", s.internal(fmt.Errorf("password reset: end sessions: %w", err))
	}
	if err := s.st.ClearThrottle(ctx, service.LoginKey(l.Name)); err != nil {
		return "", s.internal(fmt.Errorf("password reset: clear failures: %w", err))
	}
	s.svc.MailLater(ctx, mail.KindPasswordChangedNotice, decodeTokenEmail(tok.Data), mail.PasswordChangedNoticeData{
		Login: l.Name, When: now, ResetLink: s.svc.Link("/nie-pamietam-hasla"),
	})
	return l.Name, nil
}
