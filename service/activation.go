package service

import (
	"context"

	"jedenlogin"
)

// activatable returns the login an activation token activates: an active
// login still without a password; nil otherwise.
func activatable(tok *jedenlogin.Token, rec *jedenlogin.PersonRecord) *jedenlogin.Login {
	l := rec.Login(tok.LoginID)
	if l == nil || l.State != jedenlogin.LoginActive || l.PasswordHash != "" {
		return nil
	}
	return l
}

// ActivationLink checks the activation link of an account an accepted
// application created, before its page asks for the first password, and
// returns the form's data. Errors: link_expired for a used, expired,
// unknown or malformed link or a login that has a password already;
// EINTERNAL.
func (s *Accounts) ActivationLink(ctx context.Context, secret string) (*jedenlogin.PasswordForm, error) {
	tok, rec, he := s.usableToken(ctx, jedenlogin.TokenActivation, secret)
	if he != nil {
		return nil, he
	}
	l := activatable(tok, rec)
	if l == nil {
		return nil, s.linkExpired(jedenlogin.TokenActivation)
	}
	f := s.PasswordForm(rec, l)
	return &f, nil
}

// Activate activates an account an accepted application created: the
// link's secret and the first password, from the client address addr. It
// checks the policy (the link stays usable), spends the link, sets the
// password and audits it — password_changed and account_activated in the
// password's transaction. It returns the login, which may then sign in.
// Errors: EINVALID with Fields["new_password"] for an empty password, or
// for one too long; weak_password with Extra["reasons"]; link_expired for
// a used, expired, unknown or malformed link or a login that has a
// password already; EINTERNAL.
func (s *Accounts) Activate(ctx context.Context, secret, pw, addr string) (string, error) {
	const kind = jedenlogin.TokenActivation
	tok, rec, he := s.usableToken(ctx, kind, secret)
	if he != nil {
		return "", he
	}
	l := activatable(tok, rec)
	if l == nil {
		return "", s.linkExpired(kind)
	}
	if pw == "" {
		he := s.errf(jedenlogin.EINVALID, "form.has_errors")
		he.Fields = map[string]jedenlogin.Text{"new_password": jedenlogin.T("activation.password_required")}
		return "", he
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
	pid := rec.Person.ID
	activated := jedenlogin.AuditEvent{At: now, Action: jedenlogin.AuditAccountActivated, Actor: l.Name, PersonID: &pid,
		Subject: l.Name, Address: addr, Outcome: "ok"}
	if he := s.setPassword(ctx, pid, l.ID, "", pw, l.Name, addr, "activation", now, nil, activated); he != nil {
		return "", he
	}
	return l.Name, nil
}
