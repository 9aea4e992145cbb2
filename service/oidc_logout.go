package service

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"jedenlogin"
)

// endClientSessions ends the client sessions (OpenID Connect) that end
// selects: their tokens are revoked at once and a back-channel logout is
// queued for every client that asked for them (package oidc delivers the
// queue). Errors are internal.
func (s *Service) endClientSessions(ctx context.Context, end jedenlogin.OIDCSessionEnd, audit ...jedenlogin.AuditEvent) error {
	if _, err := s.st.EndOIDCSessions(ctx, end, audit...); err != nil {
		return s.internal(fmt.Errorf("end client sessions (%s): %w", end.Reason, err))
	}
	return nil
}

// EndClientSessionsOfEndedGrants finds the client sessions acting for an
// entity whose grant has been revoked or has expired meanwhile and ends
// them (back-channel logout, tokens revoked), auditing each as
// oidc_logout. serve runs it with its periodic cleanup on every instance;
// ending twice is harmless. It returns how many (person, entity) pairs it
// ended. Errors are internal.
func (s *OIDC) EndClientSessionsOfEndedGrants(ctx context.Context) (int, error) {
	links, err := s.st.OIDCLinksWithEntity(ctx)
	if err != nil {
		return 0, s.internal(fmt.Errorf("ended grants: %w", err))
	}
	now := s.now()
	type pair struct {
		person, login int64
		entity        string
	}
	seen := map[pair]bool{}
	records := map[int64]*jedenlogin.PersonRecord{}
	ended := 0
	for _, l := range links {
		p := pair{l.PersonID, l.LoginID, l.EntityID}
		if seen[p] {
			continue
		}
		seen[p] = true
		rec, ok := records[l.PersonID]
		if !ok {
			rec, err = s.st.Person(ctx, l.PersonID)
			if err != nil && !errors.Is(err, jedenlogin.ErrNotFound) {
				return ended, s.internal(fmt.Errorf("ended grants: person %d: %w", l.PersonID, err))
			}
			records[l.PersonID] = rec
		}
		if rec != nil && StillActsFor(rec, l.LoginID, l.EntityID, now) {
			continue
		}
		pid := l.PersonID
		ev := jedenlogin.AuditEvent{At: now, Action: jedenlogin.AuditOIDCLogout, Actor: "system", PersonID: &pid,
			Subject: "entity:" + l.EntityID, Outcome: jedenlogin.OIDCEndGrantEnded}
		if err := s.endClientSessions(ctx, jedenlogin.OIDCSessionEnd{PersonID: pid, EntityID: l.EntityID, Reason: jedenlogin.OIDCEndGrantEnded, At: now}, ev); err != nil {
			return ended, err
		}
		ended++
	}
	return ended, nil
}

// holdsValidGrant reports whether the login still holds another valid
// grant at the entity (a person may hold two, e.g. two functions); on a
// read error it says no, and the sessions end.
func (s *Service) holdsValidGrant(ctx context.Context, personID, loginID int64, entityID string, now time.Time) bool {
	rec, err := s.st.Person(ctx, personID)
	return err == nil && StillActsFor(rec, loginID, entityID, now)
}

// LogoutTarget checks an RP-initiated logout's post_logout_redirect_uri:
// it must be one the client registered, exactly. It returns the URI with
// state appended ("" when none was asked for) and the client's name ("" for
// no client_id). EINVALID (oidc.logout_invalid) for an unknown client, or a
// URI without a client or not registered: never a redirect elsewhere.
func (s *OIDC) LogoutTarget(ctx context.Context, clientID, uri, state string) (target, clientName string, err error) {
	if clientID == "" {
		if uri != "" {
			return "", "", s.errf(jedenlogin.EINVALID, "oidc.logout_invalid")
		}
		return "", "", nil
	}
	c, err := s.st.OIDCClient(ctx, clientID)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return "", "", s.errf(jedenlogin.EINVALID, "oidc.logout_invalid")
	} else if err != nil {
		return "", "", s.internal(fmt.Errorf("logout: client: %w", err))
	}
	if uri == "" {
		return "", c.Name, nil
	}
	if !slices.Contains(c.PostLogoutRedirectURIs, uri) {
		return "", "", s.errf(jedenlogin.EINVALID, "oidc.logout_invalid")
	}
	u, err := url.Parse(uri)
	if err != nil {
		return "", "", s.errf(jedenlogin.EINVALID, "oidc.logout_invalid")
	}
	if state != "" {
		q := u.Query()
		q.Set("state", state)
		u.RawQuery = q.Encode()
	}
	return u.String(), c.Name, nil
}

// AuditClientLogout records an RP-initiated logout the person confirmed
// (oidc_logout), before the session ends. Errors are internal.
func (s *OIDC) AuditClientLogout(ctx context.Context, c *jedenlogin.Caller, clientID string) error {
	subject := "client:" + clientID
	if clientID == "" {
		subject = c.Login.Name
	}
	ev := jedenlogin.AuditEvent{At: s.now(), Action: jedenlogin.AuditOIDCLogout, Actor: c.Login.Name, PersonID: &c.Person.ID,
		Subject: subject, Address: c.Addr, Outcome: "confirmed"}
	if err := s.st.AppendAudit(ctx, ev); err != nil {
		return s.internal(fmt.Errorf("logout: audit: %w", err))
	}
	return nil
}
