package service

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"jedenlogin"
	"jedenlogin/applications"
	"jedenlogin/locale"
)

// Grants (upoważnienia): an approver revokes them ("Cofnij
// upoważnienie"), their holder asks for an extension (PRZEDŁUŻ, an
// extension application decided like any other).

// ManagedGrants returns the grants at the entities where c approves, and
// at their children, that applications.MayManage lets c revoke, by entity
// name and holder; revoked ones included. Errors are internal.
func (s *Grants) ManagedGrants(ctx context.Context, c *jedenlogin.Caller) ([]jedenlogin.ManagedGrant, error) {
	now := s.now()
	ents := applications.ApproverEntities(c.Record, now)
	if len(ents) == 0 {
		return []jedenlogin.ManagedGrant{}, nil
	}
	held, err := s.st.GrantsAt(ctx, ents, ents)
	if err != nil {
		return nil, s.internal(fmt.Errorf("managed grants: %w", err))
	}
	var ids []string
	for _, h := range held {
		ids = append(ids, h.Grant.EntityID)
	}
	slices.Sort(ids)
	entities, err := applications.RuleEntities(ctx, s.st, slices.Compact(ids))
	if err != nil {
		return nil, s.internal(fmt.Errorf("managed grants: %w", err))
	}
	byID := map[string]jedenlogin.Entity{}
	for _, e := range entities {
		byID[e.ID] = e
	}
	out := []jedenlogin.ManagedGrant{}
	for _, h := range held {
		e := byID[h.Grant.EntityID]
		if !applications.MayManage(c.Record, h.Grant, h.PersonID, e, now) {
			continue
		}
		out = append(out, managed(h, e, now))
	}
	slices.SortStableFunc(out, func(x, y jedenlogin.ManagedGrant) int {
		return cmp.Or(cmp.Compare(x.Entity.Name, y.Entity.Name), cmp.Compare(x.Held.HolderName, y.Held.HolderName))
	})
	return out, nil
}

func managed(h jedenlogin.HeldGrant, e jedenlogin.Entity, now time.Time) jedenlogin.ManagedGrant {
	revoked := h.Grant.RevokedAt != nil && !h.Grant.RevokedAt.After(now)
	retired := h.LoginState != jedenlogin.LoginActive
	ended := h.Grant.ValidTo != nil && !now.Before(h.Grant.ValidTo.AddDate(0, 0, 1))
	return jedenlogin.ManagedGrant{
		Held: h, Entity: e, Valid: h.Grant.ValidAt(now) && !retired, Revoked: revoked,
		Retired: retired, Merged: h.LoginState == jedenlogin.LoginMerged, Ended: ended,
		Revocable: h.Grant.RevokedAt == nil && !retired && !ended,
	}
}

// ManageableGrant returns grant id with its holder and entity when c may
// revoke it (applications.MayManage). Errors: ENOTFOUND for a missing or
// merged grant, CodeNotApprover; internal otherwise.
func (s *Grants) ManageableGrant(ctx context.Context, c *jedenlogin.Caller, id int64) (*jedenlogin.ManagedGrant, error) {
	h, err := s.st.HeldGrant(ctx, id)
	if errors.Is(err, jedenlogin.ErrNotFound) || (err == nil && h.Grant.MergedInto != nil) {
		return nil, s.errf(jedenlogin.ENOTFOUND, "grants.not_found")
	} else if err != nil {
		return nil, s.internal(fmt.Errorf("grant %d: %w", id, err))
	}
	e, err := applications.RuleEntity(ctx, s.st, h.Grant.EntityID)
	if err != nil {
		return nil, s.internal(fmt.Errorf("entity of grant %d: %w", id, err))
	}
	now := s.now()
	if !applications.MayManage(c.Record, h.Grant, h.PersonID, *e, now) {
		return nil, applications.ErrNotApprover
	}
	m := managed(*h, *e, now)
	return &m, nil
}

// RevocableGrant is ManageableGrant for the revocation form: a grant
// revoked already (also with a future revocation date) gives
// applications.ErrGrantRevoked (ECONFLICT).
func (s *Grants) RevocableGrant(ctx context.Context, c *jedenlogin.Caller, id int64) (*jedenlogin.ManagedGrant, error) {
	m, err := s.ManageableGrant(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if m.Held.Grant.RevokedAt != nil {
		return nil, applications.ErrGrantRevoked
	}
	if !m.Revocable {
		return nil, s.errf(jedenlogin.ECONFLICT, "grants.already_ended")
	}
	return m, nil
}

// RevokeGrant revokes grant id for c, who may manage it, with the reason:
// the grant stops opening its entity at once (the holder's sessions acting
// for it stop at their next request). The revocation and its audit event
// (grant_changed) are one transaction. Errors: EINVALID with Fields
// ("reason" not on the list, "rozumiem" not confirmed; checked first),
// ENOTFOUND, CodeNotApprover, ECONFLICT (applications.ErrGrantRevoked)
// when revoked already, ECONFLICT grants.already_ended when it opens
// nothing anyway (expired, or its login retired); internal otherwise.
func (s *Grants) RevokeGrant(ctx context.Context, c *jedenlogin.Caller, id int64, in jedenlogin.RevokeInput) (*jedenlogin.ManagedGrant, error) {
	fields := map[string]jedenlogin.Text{}
	if in.Confirmed != nil && !*in.Confirmed {
		fields["rozumiem"] = jedenlogin.T("revoke.understood_required")
	}
	reason, ok := applications.LookupRevokeReason(in.Reason, locale.Polish.Text)
	if !ok {
		fields["reason"] = jedenlogin.T("grants.reason_required")
	}
	if len(fields) > 0 {
		return nil, formError(fields)
	}
	m, err := s.ManageableGrant(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if m.Held.Grant.RevokedAt == nil && !m.Revocable {
		return nil, s.errf(jedenlogin.ECONFLICT, "grants.already_ended")
	}
	now := s.now()
	err = s.st.UpdatePerson(ctx, m.Held.PersonID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		return applications.Revoke(rec, id, reason.Code, actor(c), now)
	})
	if err != nil {
		return nil, appErr(err)
	}
	m.Held.Grant.RevokedAt, m.Held.Grant.RevokeReason = &now, reason.Code
	m.Valid, m.Revoked = false, true
	// Modules acting for the entity in the holder's name learn it now (a
	// failure here is caught by the periodic EndClientSessionsOfEndedGrants).
	// The revocation's own audit event says why; each delivery is audited.
	pid := m.Held.PersonID
	if !s.holdsValidGrant(ctx, pid, m.Held.Grant.LoginID, m.Held.Grant.EntityID, now) {
		if err := s.endClientSessions(ctx, jedenlogin.OIDCSessionEnd{PersonID: pid, EntityID: m.Held.Grant.EntityID, Reason: jedenlogin.OIDCEndGrantEnded, At: now}); err != nil {
			s.log.ErrorContext(ctx, "revoke grant: end client sessions", "err", err)
		}
	}
	return m, nil
}

// ownGrant returns c's login's grant id (not merged); ENOTFOUND when the
// login holds no such grant.
func (s *Service) ownGrant(c *jedenlogin.Caller, id int64) (*jedenlogin.Grant, error) {
	for i := range c.Record.Grants {
		if g := &c.Record.Grants[i]; g.ID == id && g.LoginID == c.Login.ID && g.MergedInto == nil {
			return g, nil
		}
	}
	return nil, s.errf(jedenlogin.ENOTFOUND, "grants.not_found")
}

// Extension returns what PRZEDŁUŻ offers for c's grant ref. Errors:
// ENOTFOUND when c's login holds no such grant; internal otherwise (an
// entity missing from the database shows its id as its name).
func (s *Grants) Extension(ctx context.Context, c *jedenlogin.Caller, ref jedenlogin.GrantRef) (*jedenlogin.Extension, error) {
	now := s.now()
	var g *jedenlogin.Grant
	if ref.GrantID != 0 {
		var err error
		if g, err = s.ownGrant(c, ref.GrantID); err != nil {
			return nil, err
		}
	} else {
		for i := range c.Record.Grants {
			h := &c.Record.Grants[i]
			if h.LoginID != c.Login.ID || h.EntityID != ref.EntityID || h.MergedInto != nil {
				continue
			}
			if g == nil || applications.Extendable(h, now) && !applications.Extendable(g, now) {
				g = h
			}
		}
		if g == nil {
			return nil, s.errf(jedenlogin.ENOTFOUND, "grants.not_found")
		}
	}
	e, err := s.st.Entity(ctx, g.EntityID)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		e = &jedenlogin.Entity{ID: g.EntityID, Name: g.EntityID}
	} else if err != nil {
		return nil, s.internal(err)
	}
	min := applications.Day(now)
	if g.ValidTo != nil && g.ValidTo.After(min) {
		min = *g.ValidTo
	}
	return &jedenlogin.Extension{Grant: *g, Entity: *e, Extendable: applications.Extendable(g, now),
		ValidTo: applications.ExtensionValidTo(g, now), MinDate: min.AddDate(0, 0, 1), MaxDate: applications.MaxValidTo(now)}, nil
}

// ExtendGrant is PRZEDŁUŻ: c, the holder of grant id, files an extension
// application asking for validTo (YYYY-MM-DD; "" the default), audited in
// the same transaction, and is mailed. Errors: ENOTFOUND when c's login
// holds no such grant; EINVALID with Fields["valid_to"] for a date that is
// not one or out of range; ECONFLICT outside the extension window
// (applications.ErrNotExtendable) or with an extension pending; internal
// otherwise.
func (s *Grants) ExtendGrant(ctx context.Context, c *jedenlogin.Caller, id int64, validTo string) (*jedenlogin.ApplicationRow, error) {
	now := s.now()
	g, err := s.ownGrant(c, id)
	if err != nil {
		return nil, err
	}
	to, ok := parseDate(validTo)
	if !ok {
		return nil, formError(map[string]jedenlogin.Text{"valid_to": jedenlogin.T("apply.valid_to_invalid")})
	}
	app, problems, err := applications.NewExtension(g, c.Person.ID, c.Login.ID, applications.ApplicantFromAccount(c.Record, c.Login), to, now)
	if err != nil {
		return nil, jedenlogin.AsError(err)
	}
	if len(problems) > 0 {
		fields := map[string]jedenlogin.Text{}
		for _, p := range problems {
			fields[p.Field] = problemText(p)
		}
		return nil, formError(fields)
	}
	if err := s.refuseDuplicate(ctx, app); err != nil {
		return nil, err
	}
	e, err := s.st.Entity(ctx, app.EntityID)
	if err != nil {
		return nil, s.internal(fmt.Errorf("extend grant %d: %w", id, err))
	}
	who := actor(c)
	if err := s.st.CreateApplication(ctx, app, func(app *jedenlogin.Application) []jedenlogin.AuditEvent {
		return []jedenlogin.AuditEvent{applications.Submitted(app, who, now)}
	}); err != nil {
		return nil, appErr(err)
	}
	s.statusMail(ctx, app, e.Name)
	return &jedenlogin.ApplicationRow{App: *app, Entity: *e}, nil
}
