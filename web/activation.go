package web

import (
	"context"
	"errors"
	"fmt"

	"jedenlogin"
)

// activate is the activation of an account an accepted application
// created: the link's secret and the first password. It checks the policy
// (422 weak_password, the link stays usable), spends the link (410
// link_expired when used, expired, unknown, or the login has a password
// already), sets the password and audits it. It returns the login, which
// may then sign in.
func (s *Server) activate(ctx context.Context, secret, pw, addr string) (string, error) {
	const kind = jedenlogin.TokenActivation
	tok, rec, err := s.usableToken(ctx, kind, secret)
	if err != nil {
		return "", s.activationExpired(err)
	}
	l := rec.Login(tok.LoginID)
	if l == nil || l.State != jedenlogin.LoginActive || l.PasswordHash != "" {
		return "", s.activationExpired(s.linkExpired(kind))
	}
	if pw == "" {
		return "", s.invalidForm(fieldErrors{"new_password": s.msg("activation.password_required")})
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
		return "", s.activationExpired(s.linkExpired(kind))
	} else if err != nil {
		return "", s.internal(fmt.Errorf("use activation token: %w", err))
	}
	if err := s.setPassword(ctx, rec.Person.ID, l.ID, "", pw, l.Name, addr, "activation", now); err != nil {
		return "", err
	}
	pid := rec.Person.ID
	ev := jedenlogin.AuditEvent{At: now, Action: jedenlogin.AuditAccountActivated, Actor: l.Name, PersonID: &pid,
		Subject: l.Name, Address: addr, Outcome: "ok"}
	if err := s.st.AppendAudit(ctx, ev); err != nil {
		return "", s.internal(fmt.Errorf("audit activation: %w", err))
	}
	return l.Name, nil
}

// activationExpired gives a 410 link_expired answer the activation's own
// message; other errors pass unchanged.
func (s *Server) activationExpired(err error) error {
	var he *jedenlogin.Error
	if errors.As(err, &he) && he.Code == jedenlogin.CodeLinkExpired {
		return &jedenlogin.Error{Code: jedenlogin.CodeLinkExpired, Text: jedenlogin.T("activation.link_expired"), Err: he.Err}
	}
	return err
}
