package service

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"jedenlogin"
)

// Mailed links: one-time tokens (jedenlogin.Token) whose secret travels
// only in the mail. A used, expired, unknown or malformed link gets the
// same answer, so a link reveals nothing about other links.

// errGone is returned from token updates for a token that may no longer be used.
var errGone = errors.New("token used or expired")

// validSecret reports whether v looks like a jedenlogin.NewTokenSecret
// (43 base64url characters), so that malformed links cost no lookup.
func validSecret(v string) bool {
	if len(v) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil
}

// linkExpired is the link_expired answer of a link of this kind.
func (s *Service) linkExpired(kind jedenlogin.TokenKind) *jedenlogin.Error {
	switch kind {
	case jedenlogin.TokenLoginRecovery:
		return s.errf(jedenlogin.CodeLinkExpired, "recovery.login_link_expired")
	case jedenlogin.TokenPasswordReset:
		return s.errf(jedenlogin.CodeLinkExpired, "recovery.reset_link_expired")
	case jedenlogin.TokenActivation:
		return s.errf(jedenlogin.CodeLinkExpired, "activation.link_expired")
	}
	return s.errf(jedenlogin.CodeLinkExpired, "contact.link_expired")
}

// usableToken returns the token behind a link's secret when it may still
// be used, and its person; otherwise link_expired (EINTERNAL when the
// store fails).
func (s *Service) usableToken(ctx context.Context, kind jedenlogin.TokenKind, secret string) (*jedenlogin.Token, *jedenlogin.PersonRecord, error) {
	if !validSecret(secret) {
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

// spendToken marks the token used at now, unless it was used or expired
// meanwhile (link_expired).
func (s *Service) spendToken(ctx context.Context, tok *jedenlogin.Token, now time.Time) error {
	err := s.st.UpdateToken(ctx, tok.Kind, tok.Hash, func(t *jedenlogin.Token) error {
		if !t.Usable(now) {
			return errGone
		}
		t.UsedAt = &now
		return nil
	})
	if errors.Is(err, errGone) || errors.Is(err, jedenlogin.ErrNotFound) {
		return s.linkExpired(tok.Kind)
	} else if err != nil {
		return s.internal(fmt.Errorf("use %s token: %w", tok.Kind, err))
	}
	return nil
}

// tokenEmail is the Data of recovery and activation tokens: the address
// the link went to.
type tokenEmail struct {
	Email string `json:"email"`
}

func encodeTokenEmail(email string) string {
	b, _ := json.Marshal(tokenEmail{Email: email}) // a string cannot fail
	return string(b)
}

func decodeTokenEmail(data string) string {
	var t tokenEmail
	_ = json.Unmarshal([]byte(data), &t) // a token without Data has no address
	return t.Email
}

// fieldError marks a form field with he's text: Fields for forms, and
// "field" in the JSON answer naming it.
func fieldError(he *jedenlogin.Error, field string) *jedenlogin.Error {
	c := he.WithField(field)
	c.Extra = map[string]any{"field": field}
	return c
}
