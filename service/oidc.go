package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"jedenlogin"
)

// errOIDCRequest: the authorization request is unknown, expired or over.
var errOIDCRequest = &jedenlogin.Error{Code: jedenlogin.EINVALID, Text: jedenlogin.T("oidc.request_unknown")}

// ContinueAuthorization decides the next step of the authorization request
// id for the browser's session c (nil when there is none). chosen says the
// person has just picked the entity on PODMIOTY (the session's entity is
// the choice). When the person's side is over it records the outcome on
// the request (the person, login, session, entity and sign-in time, or
// the error for the client) with its audit event. A pending person gets no
// code: the transition comes first. It returns an EINVALID error for an
// unknown, expired or already answered request.
func (s *OIDC) ContinueAuthorization(ctx context.Context, id string, c *jedenlogin.Caller, chosen bool) (*jedenlogin.OIDCContinuation, error) {
	req, cl, err := s.st.OIDCAuthRequestWithClient(ctx, id)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return nil, errOIDCRequest
	} else if err != nil {
		return nil, s.internal(fmt.Errorf("authorization %s: %w", "request", err))
	}
	now := s.now()
	if cl == nil || !now.Before(req.ExpiresAt) || req.CodeHash != "" {
		return nil, errOIDCRequest // the client is gone, or the request over
	}
	next := &jedenlogin.OIDCContinuation{Request: req, ClientName: cl.Name}
	if req.Done || req.Error != "" {
		next.Step = jedenlogin.OIDCFinish
		return next, nil
	}
	none := slices.Contains(req.Prompt, "none")
	deny := func(code string, step jedenlogin.OIDCStep) (*jedenlogin.OIDCContinuation, error) {
		req.Error = code
		ev := jedenlogin.AuditEvent{At: now, Action: jedenlogin.AuditOIDCDenied, Actor: "system", Subject: "client:" + req.ClientID,
			Outcome: code}
		if c != nil {
			ev.Actor, ev.PersonID, ev.Address = c.Login.Name, &c.Person.ID, c.Addr
		}
		if err := s.st.FinishOIDCAuthRequest(ctx, req, ev); err != nil {
			return nil, s.internal(fmt.Errorf("authorization: %w", err))
		}
		next.Step = step
		return next, nil
	}

	if c == nil || s.signInTooOld(req, c.Session, now) {
		if none {
			return deny("login_required", jedenlogin.OIDCFinish)
		}
		next.Step = jedenlogin.OIDCSignIn
		return next, nil
	}
	if c.Session.MFA == jedenlogin.MFAPending {
		if none {
			return deny("interaction_required", jedenlogin.OIDCFinish)
		}
		next.Step = jedenlogin.OIDCSecondFactor
		return next, nil
	}
	if c.Pending() {
		if none {
			return deny("interaction_required", jedenlogin.OIDCFinish)
		}
		next.Step = jedenlogin.OIDCConsolidate
		return next, nil
	}
	if c.Session.MFA == jedenlogin.MFAEnrol {
		if none {
			return deny("interaction_required", jedenlogin.OIDCFinish)
		}
		next.Step = jedenlogin.OIDCEnrol
		return next, nil
	}
	if slices.Contains(req.ACRValues, jedenlogin.ACRSecondFactor) && !jedenlogin.SecondFactor(c.Session.AMR) {
		// The client requires a second factor this session did not give:
		// a person who has one signs in again (and gives it), one who has
		// none enrols (which proves it).
		if none {
			return deny("interaction_required", jedenlogin.OIDCFinish)
		}
		f, err := s.st.MFAFactors(ctx, c.Person.ID)
		if err != nil {
			return nil, s.internal(fmt.Errorf("authorization: second factors: %w", err))
		}
		next.Step = jedenlogin.OIDCEnrol
		if f.Any() {
			next.Step = jedenlogin.OIDCSignIn
		}
		return next, nil
	}
	entity := ""
	if slices.Contains(req.Scopes, "entity") {
		var valid []string
		for _, g := range c.Record.Grants {
			if g.LoginID == c.Login.ID && g.ValidAt(now) && !slices.Contains(valid, g.EntityID) {
				valid = append(valid, g.EntityID)
			}
		}
		selectAccount := slices.Contains(req.Prompt, "select_account")
		switch {
		case len(valid) == 0:
			if none {
				return deny("access_denied", jedenlogin.OIDCFinish)
			}
			return deny("access_denied", jedenlogin.OIDCNoEntity)
		case len(valid) == 1:
			entity = valid[0]
		case slices.Contains(valid, c.Session.EntityID) && (chosen || !selectAccount):
			entity = c.Session.EntityID
		case none:
			return deny("interaction_required", jedenlogin.OIDCFinish)
		default:
			next.Step = jedenlogin.OIDCChooseEntity
			return next, nil
		}
		if entity != c.Session.EntityID {
			// The one valid grant: the session acts for it, as after a
			// choice on PODMIOTY.
			if err := s.st.TouchSession(ctx, c.Session.IDHash, c.Session.LastSeenAt, &entity); err != nil {
				return nil, s.internal(fmt.Errorf("authorization: %w", err))
			}
			c.Session.EntityID = entity
		}
	}
	req.Done, req.PersonID, req.LoginID, req.SessionIDHash = true, c.Person.ID, c.Login.ID, c.Session.IDHash
	req.EntityID, req.AuthTime, req.AMR = entity, c.Session.CreatedAt, c.Session.AMR
	if len(req.AMR) == 0 {
		req.AMR = []string{jedenlogin.AMRPassword}
	}
	if err := s.st.FinishOIDCAuthRequest(ctx, req); err != nil {
		return nil, s.internal(fmt.Errorf("authorization: %w", err))
	}
	next.Step = jedenlogin.OIDCFinish
	return next, nil
}

// signInTooOld reports whether the client wants a sign-in newer than the
// session's: max_age (prompt=login is max_age=0) passed since the session
// began, and the session began before the request (a sign-in made for
// this request is always recent enough).
func (s *Service) signInTooOld(req *jedenlogin.OIDCAuthRequest, sess *jedenlogin.Session, now time.Time) bool {
	if req.MaxAge == nil || !sess.CreatedAt.Before(req.CreatedAt) {
		return false
	}
	return now.Sub(sess.CreatedAt) > time.Duration(*req.MaxAge)*time.Second || *req.MaxAge == 0
}
