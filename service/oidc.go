package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"jedenlogin"
)

// OIDCStep is what the person's side of an OpenID Connect authorization
// request needs next.
type OIDCStep int

const (
	// OIDCSignIn: show the sign-in form — no session, or the client asks
	// for a sign-in newer than the session's (prompt=login, max_age).
	OIDCSignIn OIDCStep = iota
	// OIDCConsolidate: the person must first go through the transition.
	OIDCConsolidate
	// OIDCChooseEntity: the person picks the entity on PODMIOTY.
	OIDCChooseEntity
	// OIDCNoEntity: the person holds no valid grant; the request is over
	// with access_denied and the page says why.
	OIDCNoEntity
	// OIDCFinish: the request is over (done or with an error for the
	// client); send the browser to jedenlogin.OIDCCallbackPath.
	OIDCFinish
	// OIDCSecondFactor: the session owes its second factor (the code page).
	OIDCSecondFactor
	// OIDCEnrol: the person must enrol a second factor first (the policy
	// requires one, or the client asks for it with acr_values).
	OIDCEnrol
)

// OIDCContinuation is the next step of an authorization request.
type OIDCContinuation struct {
	Step    OIDCStep
	Request *jedenlogin.OIDCAuthRequest
	// ClientName names the module the person signs in to.
	ClientName string
}

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
func (s *Service) ContinueAuthorization(ctx context.Context, id string, c *Caller, chosen bool) (*OIDCContinuation, error) {
	req, err := s.st.OIDCAuthRequest(ctx, id)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return nil, errOIDCRequest
	} else if err != nil {
		return nil, s.internal(fmt.Errorf("authorization %s: %w", "request", err))
	}
	now := s.now()
	if !now.Before(req.ExpiresAt) || req.CodeHash != "" {
		return nil, errOIDCRequest
	}
	next := &OIDCContinuation{Request: req}
	if cl, err := s.st.OIDCClient(ctx, req.ClientID); err == nil {
		next.ClientName = cl.Name
	} else if !errors.Is(err, jedenlogin.ErrNotFound) {
		return nil, s.internal(fmt.Errorf("authorization: client: %w", err))
	} else {
		return nil, errOIDCRequest
	}
	if req.Done || req.Error != "" {
		next.Step = OIDCFinish
		return next, nil
	}
	none := slices.Contains(req.Prompt, "none")
	deny := func(code string, step OIDCStep) (*OIDCContinuation, error) {
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
			return deny("login_required", OIDCFinish)
		}
		next.Step = OIDCSignIn
		return next, nil
	}
	if c.Session.MFA == jedenlogin.MFAPending {
		if none {
			return deny("interaction_required", OIDCFinish)
		}
		next.Step = OIDCSecondFactor
		return next, nil
	}
	if c.Pending() {
		if none {
			return deny("interaction_required", OIDCFinish)
		}
		next.Step = OIDCConsolidate
		return next, nil
	}
	if c.Session.MFA == jedenlogin.MFAEnrol {
		if none {
			return deny("interaction_required", OIDCFinish)
		}
		next.Step = OIDCEnrol
		return next, nil
	}
	if slices.Contains(req.ACRValues, jedenlogin.ACRSecondFactor) && !jedenlogin.SecondFactor(c.Session.AMR) {
		// The client requires a second factor this session did not give:
		// a person who has one signs in again (and gives it), one who has
		// none enrols (which proves it).
		if none {
			return deny("interaction_required", OIDCFinish)
		}
		f, err := s.st.MFAFactors(ctx, c.Person.ID)
		if err != nil {
			return nil, s.internal(fmt.Errorf("authorization: second factors: %w", err))
		}
		next.Step = OIDCEnrol
		if f.Any() {
			next.Step = OIDCSignIn
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
				return deny("access_denied", OIDCFinish)
			}
			return deny("access_denied", OIDCNoEntity)
		case len(valid) == 1:
			entity = valid[0]
		case slices.Contains(valid, c.Session.EntityID) && (chosen || !selectAccount):
			entity = c.Session.EntityID
		case none:
			return deny("interaction_required", OIDCFinish)
		default:
			next.Step = OIDCChooseEntity
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
	next.Step = OIDCFinish
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
