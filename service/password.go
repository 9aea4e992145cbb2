package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"jedenlogin"
	"jedenlogin/account"
	"jedenlogin/mail"
	"jedenlogin/password"
)

// Limits of credentials accepted at all: no legitimate login is longer
// than 64 characters, and argon2 need not hash megabytes.
const (
	MaxLoginLen    = 256
	MaxPasswordLen = 1024
)

// CheckCredentialSizes returns EINVALID when the login or the password is
// longer than accepted at all, nil otherwise.
func CheckCredentialSizes(login, pw string) error {
	if len(login) > MaxLoginLen {
		return jedenlogin.NewError(jedenlogin.EINVALID, "request.login_too_long")
	}
	if len(pw) > MaxPasswordLen {
		return jedenlogin.NewError(jedenlogin.EINVALID, "request.password_too_long")
	}
	return nil
}

// PasswordExpired reports whether the login's password reached
// Config.PasswordMaxAge (see account.PasswordExpired); a person still
// pending consolidation is never asked, the transition comes first.
func (s *Accounts) PasswordExpired(p *jedenlogin.Person, l *jedenlogin.Login) bool {
	return p.State == jedenlogin.StateDone && account.PasswordExpired(l, s.cfg.PasswordMaxAge, s.now())
}

// PasswordForm returns the form data for login l of rec.
func (s *Service) PasswordForm(rec *jedenlogin.PersonRecord, l *jedenlogin.Login) jedenlogin.PasswordForm {
	f := jedenlogin.PasswordForm{Login: l.Name}
	if s.policy.NoPersonalData {
		pc := account.PolicyContext(rec, l)
		f.PersonalWords = []string{pc.FirstName, pc.LastName}
	}
	return f
}

// ReasonSameAsCurrent is the reason code of a new password equal to the
// one it replaces.
const ReasonSameAsCurrent = "same_as_current"

// weakPassword checks a new password for login l of rec against the
// policy (and, when current is not "", against the current password). It
// returns nil, or weak_password whose Extra "reasons" lists every broken
// rule as password.Reason.
func (s *Service) weakPassword(rec *jedenlogin.PersonRecord, l *jedenlogin.Login, pw, current string) error {
	reasons := s.policy.Check(pw, account.PolicyContext(rec, l))
	if current != "" && pw == current {
		reasons = append(reasons, password.Reason{Code: ReasonSameAsCurrent, Key: "password.same_as_current"})
	}
	if len(reasons) == 0 {
		return nil
	}
	for i := range reasons {
		reasons[i].Message = s.msg(reasons[i].Key, reasons[i].Args...)
	}
	he := s.errf(jedenlogin.CodeWeakPassword, "password.weak")
	he.Extra = map[string]any{"reasons": reasons}
	return he
}

// confirmPassword verifies the caller's password before a change of their
// account, counted like a sign-in attempt (SPEC §8): invalid_credentials
// with the remaining attempts (Notice, Extra) and Fields[field] for a
// wrong one, too_many_attempts when the name or address is blocked,
// EINTERNAL.
func (s *Service) confirmPassword(ctx context.Context, c *jedenlogin.Caller, pw, during, field string, now time.Time) error {
	pid := &c.Record.Person.ID
	att, err := s.BeginAttempt(ctx, c.Login.Name, c.Addr, now)
	if err != nil {
		return jedenlogin.AsError(s.RefuseBlocked(ctx, c.Login.Name, c.Addr, pid, during, jedenlogin.AsError(err), now))
	}
	ok, err := s.VerifyPassword(ctx, c.Login.PasswordHash, pw, nil)
	if errors.Is(err, ErrHashingWait) {
		return s.internal(fmt.Errorf("check password: %w", err))
	} else if err != nil {
		s.log.ErrorContext(ctx, "unusable password hash", "login_id", c.Login.ID, "err", err)
		ok = false
	}
	if !ok {
		he := s.FailAttempt(ctx, att, pid, "wrong_password", during, now)
		if he.Code == jedenlogin.CodeInvalidCredentials {
			he.Fields = map[string]jedenlogin.Text{field: jedenlogin.T("password.current_wrong")}
		}
		return he
	}
	if err := s.SucceedAttempt(ctx, att, now); err != nil {
		return s.internal(err)
	}
	return nil
}

// needRecord refuses a caller loaded without the person's whole record
// (a face's bug, not the user's).
func needRecord(c *jedenlogin.Caller, what string) error {
	if c.Record == nil {
		return jedenlogin.Internal(fmt.Errorf("%s: the caller has no person record", what))
	}
	return nil
}

// ChangePassword is "Aktualizuj hasło" for the caller's login: it checks
// the current password (counted like a sign-in attempt) and the policy,
// stores the new hash only if the hash is still the one the current
// password was checked against, with its audit event (password_changed)
// in the same transaction, ends the person's other sessions and mails a
// notice to the account's address. Errors: EINVALID for a password too
// long; invalid_credentials with the remaining attempts in Notice and
// Extra and Fields["current"]; too_many_attempts (RetryAfter) when
// blocked; weak_password with Extra["reasons"]; ECONFLICT when the
// password changed meanwhile; EINTERNAL.
func (s *Accounts) ChangePassword(ctx context.Context, c *jedenlogin.Caller, in jedenlogin.PasswordChange) error {
	if he := needRecord(c, "password change"); he != nil {
		return he
	}
	now := s.now()
	if he := CheckCredentialSizes(c.Login.Name, in.Current); he != nil {
		return he
	}
	if he := CheckCredentialSizes(c.Login.Name, in.New); he != nil {
		return he
	}
	if he := s.confirmPassword(ctx, c, in.Current, "password_change", "current", now); he != nil {
		return he
	}
	if he := s.weakPassword(c.Record, c.Login, in.New, in.Current); he != nil {
		return he
	}
	pid := c.Record.Person.ID
	var notice []jedenlogin.OutboxMessage
	if acc := c.Record.Person.Account; acc != nil {
		notice = s.outboxMail(ctx, mail.KindPasswordChangedNotice, acc.Email, mail.PasswordChangedNoticeData{
			Login: c.Login.Name, When: now, ResetLink: s.Link("/nie-pamietam-hasla"),
		}, now)
	}
	if he := s.setPassword(ctx, pid, c.Login.ID, c.Login.PasswordHash, in.New, c.Login.Name, c.Addr, "change", now, notice); he != nil {
		return he
	}
	if _, err := s.st.DeleteSessionsOfPerson(ctx, pid, c.Session.IDHash); err != nil {
		return s.internal(fmt.Errorf("password change: end other sessions: %w", err))
	}
	return nil
}

// errPasswordChanged: the hash changed between the check and the write.
var errPasswordChanged = errors.New("password changed meanwhile")

// setPassword hashes pw and stores it as the password of login loginID of
// person personID, with PasswordChangedAt now, and audits it
// (password_changed, Details {"via": via}) together with more, and queues
// notice in the outbox, in the same transaction. A non-empty oldHash must
// still be the login's hash (ECONFLICT otherwise); "" replaces any hash.
// The login must be active. Then it ends every password reset and login
// recovery link of the person (a link mailed before the change must not
// outlive it) — a step of its own: UpdatePerson writes no tokens.
func (s *Service) setPassword(ctx context.Context, personID, loginID int64, oldHash, pw, actor, addr, via string, now time.Time, notice []jedenlogin.OutboxMessage, more ...jedenlogin.AuditEvent) error {
	hash, err := s.HashPassword(ctx, pw)
	if err != nil {
		return s.internal(fmt.Errorf("hash new password: %w", err))
	}
	err = s.st.UpdatePersonMail(ctx, personID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, []jedenlogin.OutboxMessage, error) {
		l := rec.Login(loginID)
		if l == nil || l.State != jedenlogin.LoginActive {
			return nil, nil, fmt.Errorf("login %d of person %d is not active: %w", loginID, personID, errPasswordChanged)
		}
		if oldHash != "" && l.PasswordHash != oldHash {
			return nil, nil, errPasswordChanged
		}
		l.PasswordHash = hash
		t := now
		l.PasswordChangedAt = &t
		return append([]jedenlogin.AuditEvent{{
			At: now, Action: jedenlogin.AuditPasswordChanged, Actor: actor, Subject: l.Name,
			Address: addr, Outcome: "ok", Details: Details(map[string]any{"via": via}),
		}}, more...), notice, nil
	})
	if errors.Is(err, errPasswordChanged) {
		return s.errf(jedenlogin.ECONFLICT, "password.changed_meanwhile")
	} else if err != nil {
		return s.internal(fmt.Errorf("store new password: %w", err))
	}
	if len(notice) > 0 {
		s.mailQueued()
	}
	for _, kind := range []jedenlogin.TokenKind{jedenlogin.TokenPasswordReset, jedenlogin.TokenLoginRecovery} {
		if _, err := s.st.ExpireTokens(ctx, personID, kind, now); err != nil {
			return s.internal(fmt.Errorf("password set: end %s links: %w", kind, err))
		}
	}
	return nil
}
