package service

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"jedenlogin"
)

// Operator tokens (issue 12): a script calls the console's JSON API with
// "Authorization: Bearer <token>" instead of an operator's session. The
// token is created at the command line, shown once, stored as its SHA-256
// (HashID) and looked up by that hash: a token has 256 random bits, so the
// lookup leaks nothing an attacker can use, and the found hash is compared
// once more in constant time. What a token does is audited as
// "token:<name>".

// AdminTokenPrefix starts every operator token, so that people and secret
// scanners can tell one in a script or a log.
const AdminTokenPrefix = "jlop_"

// AdminTokenTouchInterval is how stale a token's LastUsedAt may get: a
// script's requests write it at most once per interval.
const AdminTokenTouchInterval = time.Minute

// NewAdminToken returns a new operator token and the hash the store keeps.
func NewAdminToken() (token, hash string) {
	token = AdminTokenPrefix + NewToken()
	return token, HashID(token)
}

// validAdminToken reports whether v looks like a NewAdminToken.
func validAdminToken(v string) bool {
	rest, ok := strings.CutPrefix(v, AdminTokenPrefix)
	return ok && ValidToken(rest)
}

// TokenActor is how the audit log names what a token did.
func TokenActor(name string) string { return "token:" + name }

// AdminTokenAudit is the audit event of a token's creation or revocation
// (outcome "created" or "revoked") by actor ("cli").
func AdminTokenAudit(at time.Time, actor, name, outcome string, details map[string]any) jedenlogin.AuditEvent {
	ev := jedenlogin.AuditEvent{At: at, Action: jedenlogin.AuditAdminToken, Actor: actor, Subject: TokenActor(name), Outcome: outcome}
	if details != nil {
		ev.Details = Details(details)
	}
	return ev
}

// TokenCaller returns the caller a request with the bearer token acts as:
// an operator named by the token (Caller.Token), with no session, login or
// person. A token that is malformed or unknown, expired or revoked is 401:
// EUNAUTHORIZED with the key admin_token.invalid, admin_token.expired or
// admin_token.revoked; each refusal is audited (with the token's name when
// it is known) and counted as a failure of the client address like a wrong
// password, so an address that keeps guessing is blocked (429
// too_many_attempts). Other errors are EINTERNAL.
func (s *Service) TokenCaller(ctx context.Context, token, addr string) (*jedenlogin.Caller, error) {
	now := s.now()
	var t *jedenlogin.AdminToken
	hash := ""
	if validAdminToken(token) {
		hash = HashID(token)
		var err error
		t, err = s.st.AdminTokenByHash(ctx, hash)
		if errors.Is(err, jedenlogin.ErrNotFound) {
			t = nil
		} else if err != nil {
			return nil, s.internal(fmt.Errorf("operator token: %w", err))
		}
	}
	// Literal keys (the catalogue test finds them): why the token is refused.
	he, reason, subject := s.errf(jedenlogin.EUNAUTHORIZED, "admin_token.invalid"), "invalid", "token"
	switch {
	case t == nil || subtle.ConstantTimeCompare([]byte(t.Hash), []byte(hash)) != 1:
	case t.RevokedAt != nil:
		he, reason, subject = s.errf(jedenlogin.EUNAUTHORIZED, "admin_token.revoked"), "revoked", TokenActor(t.Name)
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		he, reason, subject = s.errf(jedenlogin.EUNAUTHORIZED, "admin_token.expired"), "expired", TokenActor(t.Name)
	default:
		if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= AdminTokenTouchInterval {
			if err := s.st.TouchAdminToken(ctx, t.Hash, now); err != nil {
				return nil, s.internal(fmt.Errorf("operator token %s: %w", t.Name, err))
			}
		}
		return &jedenlogin.Caller{Token: t, Addr: addr}, nil
	}
	ev := jedenlogin.AuditEvent{At: now, Action: jedenlogin.AuditAdminToken, Actor: subject, Subject: subject, Address: addr,
		Outcome: "refused", Details: Details(map[string]any{"reason": reason})}
	if err := s.st.AppendAudit(ctx, ev); err != nil {
		return nil, s.internal(fmt.Errorf("audit a refused operator token: %w", err))
	}
	th, blocked, err := s.st.RecordFailure(ctx, AddrKey(addr), now, s.cfg.AddressFailureWindow, s.addrLimit(), s.cfg.AddressFailureWindow)
	if err != nil {
		return nil, s.internal(fmt.Errorf("count a refused operator token: %w", err))
	}
	if (blocked || BlockedAt(th, now)) && th.BlockedUntil != nil {
		return nil, s.AddrBlocked(*th.BlockedUntil, now)
	}
	return nil, he
}
