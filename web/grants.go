package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"jedenlogin"
	"jedenlogin/applications"
	"jedenlogin/service"
)

// managedGrant is a grant the signed-in approver may revoke, with its
// entity and holder, for the "Wnioski" page.
type managedGrant struct {
	Held   jedenlogin.HeldGrant
	Entity jedenlogin.Entity
	// Valid: opens its entity now; Revoked: revoked (no button).
	Valid, Revoked bool
}

// managedGrants returns the grants at the entities where the signed-in
// person approves, and at their children, that applications.MayManage
// lets them revoke, by entity name and holder.
func (s *Server) managedGrants(ctx context.Context, a *authState, now time.Time) ([]managedGrant, error) {
	ents := applications.ApproverEntities(a.rec, now)
	if len(ents) == 0 {
		return []managedGrant{}, nil
	}
	held, err := s.st.GrantsAt(ctx, ents, ents)
	if err != nil {
		return nil, fmt.Errorf("managed grants: %w", err)
	}
	var ids []string
	for _, h := range held {
		ids = append(ids, h.Grant.EntityID)
	}
	slices.Sort(ids)
	entities, err := s.ruleEntities(ctx, slices.Compact(ids))
	if err != nil {
		return nil, fmt.Errorf("managed grants: %w", err)
	}
	byID := map[string]jedenlogin.Entity{}
	for _, e := range entities {
		byID[e.ID] = e
	}
	out := []managedGrant{}
	for _, h := range held {
		e := byID[h.Grant.EntityID]
		if !applications.MayManage(a.rec, h.Grant, h.PersonID, e, now) {
			continue
		}
		revoked := h.Grant.RevokedAt != nil && !h.Grant.RevokedAt.After(now)
		out = append(out, managedGrant{Held: h, Entity: e, Valid: h.Grant.ValidAt(now), Revoked: revoked})
	}
	slices.SortStableFunc(out, func(x, y managedGrant) int {
		return cmp.Or(cmp.Compare(x.Entity.Name, y.Entity.Name), cmp.Compare(x.Held.HolderName, y.Held.HolderName))
	})
	return out, nil
}

// manageableGrant loads grant id with its holder and entity and checks
// that the signed-in person may revoke it: 404 not_found for a missing
// grant, 403 not_approver otherwise.
func (s *Server) manageableGrant(ctx context.Context, a *authState, id int64, now time.Time) (*jedenlogin.HeldGrant, *jedenlogin.Entity, error) {
	h, err := s.st.HeldGrant(ctx, id)
	if errors.Is(err, jedenlogin.ErrNotFound) || (err == nil && h.Grant.MergedInto != nil) {
		return nil, nil, s.errf(jedenlogin.ENOTFOUND, "grants.not_found")
	} else if err != nil {
		return nil, nil, s.internal(fmt.Errorf("grant %d: %w", id, err))
	}
	e, err := s.ruleEntity(ctx, h.Grant.EntityID)
	if err != nil {
		return nil, nil, s.internal(fmt.Errorf("entity of grant %d: %w", id, err))
	}
	if !applications.MayManage(a.rec, h.Grant, h.PersonID, *e, now) {
		return nil, nil, s.applicationError(applications.ErrNotApprover)
	}
	return h, e, nil
}

// revokeGrant is "Cofnij upoważnienie": the approver revokes grant id with
// a reason from applications.RevokeReasons. It ends at once: the holder's
// sessions acting for the entity stop acting for it at their next
// request. Errors: 404, 403 not_approver, 400 bad_request for another
// reason, 409 conflict when revoked already.
func (s *Server) revokeGrant(ctx context.Context, a *authState, id int64, reason string) (*jedenlogin.HeldGrant, *jedenlogin.Entity, error) {
	now := s.now()
	if !slices.Contains(applications.RevokeReasons, reason) {
		return nil, nil, s.invalidForm(fieldErrors{"reason": s.msg("grants.reason_required")})
	}
	h, e, err := s.manageableGrant(ctx, a, id, now)
	if err != nil {
		return nil, nil, err
	}
	err = s.st.UpdatePerson(ctx, h.PersonID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		return applications.Revoke(rec, id, reason, actor(a), now)
	})
	if err != nil {
		return nil, nil, s.applicationError(err)
	}
	h.Grant.RevokedAt, h.Grant.RevokeReason = &now, reason
	return h, e, nil
}

// ownGrant returns the signed-in login's grant id; 404 not_found when the
// login holds no such grant.
func (s *Server) ownGrant(a *authState, id int64) (*jedenlogin.Grant, error) {
	for i := range a.rec.Grants {
		if g := &a.rec.Grants[i]; g.ID == id && g.LoginID == a.login.ID && g.MergedInto == nil {
			return g, nil
		}
	}
	return nil, s.errf(jedenlogin.ENOTFOUND, "grants.not_found")
}

// extendGrant is "Przedłuż": the holder files an extension application
// for their grant id, asking for validTo (nil: the default). Errors: 404,
// 409 conflict outside the extension window or with an extension pending,
// 400 bad_request for a date out of range.
func (s *Server) extendGrant(ctx context.Context, a *authState, id int64, validTo string) (*jedenlogin.Application, *jedenlogin.Entity, fieldErrors, error) {
	now := s.now()
	g, err := s.ownGrant(a, id)
	if err != nil {
		return nil, nil, nil, err
	}
	to, ok := parseDate(validTo)
	if !ok {
		f := fieldErrors{"valid_to": s.msg("apply.valid_to_invalid")}
		return nil, nil, f, s.invalidForm(f)
	}
	app, problems, err := applications.NewExtension(g, a.rec.Person.ID, a.login.ID, applications.ApplicantFromAccount(a.rec, a.login), to, now)
	if err != nil {
		return nil, nil, nil, s.toHTTPError(err)
	}
	if len(problems) > 0 {
		f := fieldErrors{}
		for _, p := range problems {
			f[p.Field] = s.problemMessage(p)
		}
		return nil, nil, f, s.invalidForm(f)
	}
	if err := s.refuseDuplicate(ctx, app); err != nil {
		return nil, nil, nil, err
	}
	e, err := s.st.Entity(ctx, app.EntityID)
	if err != nil {
		return nil, nil, nil, s.internal(fmt.Errorf("extend grant %d: %w", id, err))
	}
	who := actor(a)
	if err := s.st.CreateApplication(ctx, app, func(app *jedenlogin.Application) []jedenlogin.AuditEvent {
		return []jedenlogin.AuditEvent{applications.Submitted(app, who, now)}
	}); err != nil {
		return nil, nil, nil, s.applicationError(err)
	}
	s.statusMail(ctx, app, e.Name)
	return app, e, nil, nil
}

// stillActsFor: see service.StillActsFor.
func stillActsFor(rec *jedenlogin.PersonRecord, loginID int64, entityID string, now time.Time) bool {
	return service.StillActsFor(rec, loginID, entityID, now)
}
