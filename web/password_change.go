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
	"jedenlogin/password"
)

// passwordExpired reports whether the login's password reached
// Config.PasswordMaxAge (see account.PasswordExpired); a person still
// pending consolidation is never asked, the transition comes first.
func (s *Server) passwordExpired(p *jedenlogin.Person, l *jedenlogin.Login) bool {
	return p.State == jedenlogin.StateDone && account.PasswordExpired(l, s.cfg.PasswordMaxAge, s.now())
}

// reasonSameAsCurrent: the new password equals the one it replaces.
const reasonSameAsCurrent = "same_as_current"

// weakPassword checks a new password for login l of rec against the
// policy (and, when current is not "", against the current password). It
// returns nil, or the 422 weak_password answer whose "reasons" list every
// broken rule as {"code","message"}.
func (s *Server) weakPassword(rec *jedenlogin.PersonRecord, l *jedenlogin.Login, pw, current string) *jedenlogin.Error {
	reasons := s.policy.Check(pw, account.PolicyContext(rec, l))
	if current != "" && pw == current {
		reasons = append(reasons, password.Reason{Code: reasonSameAsCurrent, Message: s.msg("password.same_as_current")})
	}
	if len(reasons) == 0 {
		return nil
	}
	he := s.errf(jedenlogin.CodeWeakPassword, "password.weak")
	he.Extra = map[string]any{"reasons": reasons}
	return he
}

// checkPassword verifies the signed-in user's password for a change of
// their account, counted like a sign-in attempt (SPEC §8): 401
// invalid_credentials with the remaining attempts for a wrong one, 429 when
// the name or address is blocked, 500 internal.
func (s *Server) checkPassword(ctx context.Context, a *authState, pw, during string, now time.Time) error {
	att, err := s.svc.BeginAttempt(ctx, a.login.Name, a.addr, now)
	if err != nil {
		var he *jedenlogin.Error
		if errors.As(err, &he) {
			return s.svc.RefuseBlocked(ctx, a.login.Name, a.addr, &a.rec.Person.ID, during, he, now)
		}
		return err
	}
	ok, err := s.svc.VerifyPassword(ctx, a.login.PasswordHash, pw, nil)
	if errors.Is(err, service.ErrHashingWait) {
		return s.internal(fmt.Errorf("check password: %w", err))
	} else if err != nil {
		s.log.ErrorContext(ctx, "unusable password hash", "login_id", a.login.ID, "err", err)
		ok = false
	}
	if !ok {
		return s.svc.FailAttempt(ctx, att, &a.rec.Person.ID, "wrong_password", during, now)
	}
	if err := s.svc.SucceedAttempt(ctx, att); err != nil {
		return s.internal(err)
	}
	return nil
}

// changePassword is "Aktualizuj hasło": it checks the current password
// and the policy, stores the new hash (only if the hash is still the one
// the current password was checked against), ends the person's other
// sessions, audits the change and mails a notice. Errors: see
// checkPassword, 422 weak_password, 409 conflict when the password
// changed meanwhile, 500 internal.
func (s *Server) changePassword(ctx context.Context, a *authState, current, next string) error {
	now := s.now()
	if err := s.checkCredentials(a.login.Name, current); err != nil {
		return err
	}
	if err := s.checkCredentials(a.login.Name, next); err != nil {
		return err
	}
	if err := s.checkPassword(ctx, a, current, "password_change", now); err != nil {
		return err
	}
	if he := s.weakPassword(a.rec, a.login, next, current); he != nil {
		return he
	}
	if err := s.setPassword(ctx, a.rec.Person.ID, a.login.ID, a.login.PasswordHash, next, a.login.Name, a.addr, "change", now); err != nil {
		return err
	}
	if _, err := s.st.DeleteSessionsOfPerson(ctx, a.rec.Person.ID, a.sess.IDHash); err != nil {
		return s.internal(fmt.Errorf("password change: end other sessions: %w", err))
	}
	if acc := a.rec.Person.Account; acc != nil {
		s.svc.MailLater(ctx, mail.KindPasswordChangedNotice, acc.Email, mail.PasswordChangedNoticeData{
			Login: a.login.Name, When: now, ResetLink: s.svc.Link("/nie-pamietam-hasla"),
		})
	}
	return nil
}

// errPasswordChanged: the hash changed between the check and the write.
var errPasswordChanged = errors.New("password changed meanwhile")

// setPassword hashes pw and stores it as the password of login loginID of
// person personID, with PasswordChangedAt now, and audits it
// (password_changed, service.Details {"via": via}) in the same transaction. A
// non-empty oldHash must still be the login's hash (409 conflict
// otherwise); "" replaces any hash. The login must be active.
func (s *Server) setPassword(ctx context.Context, personID, loginID int64, oldHash, pw, actor, addr, via string, now time.Time) error {
	hash, err := s.svc.HashPassword(ctx, pw)
	if err != nil {
		return s.internal(fmt.Errorf("hash new password: %w", err))
	}
	err = s.st.UpdatePerson(ctx, personID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		l := rec.Login(loginID)
		if l == nil || l.State != jedenlogin.LoginActive {
			return nil, fmt.Errorf("login %d of person %d is not active: %w", loginID, personID, errPasswordChanged)
		}
		if oldHash != "" && l.PasswordHash != oldHash {
			return nil, errPasswordChanged
		}
		l.PasswordHash = hash
		t := now
		l.PasswordChangedAt = &t
		return []jedenlogin.AuditEvent{{
			At: now, Action: jedenlogin.AuditPasswordChanged, Actor: actor, Subject: l.Name,
			Address: addr, Outcome: "ok", Details: service.Details(map[string]any{"via": via}),
		}}, nil
	})
	if errors.Is(err, errPasswordChanged) {
		return s.errf(jedenlogin.ECONFLICT, "password.changed_meanwhile")
	} else if err != nil {
		return s.internal(fmt.Errorf("store new password: %w", err))
	}
	return nil
}

// passwordRequest is the body of PUT /api/v1/me/password.
type passwordRequest struct {
	Current *string `json:"current"`
	New     *string `json:"new"`
}

// apiChangePassword is PUT /api/v1/me/password {"current","new"}: 204, or
// 422 weak_password with "reasons", 401 invalid_credentials for a wrong
// current password, 429 when blocked.
func (s *Server) apiChangePassword(w http.ResponseWriter, r *http.Request, a *authState) error {
	var req passwordRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.requireField("current", req.Current); err != nil {
		return err
	}
	if err := s.requireField("new", req.New); err != nil {
		return err
	}
	if err := s.changePassword(r.Context(), a, *req.Current, *req.New); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
