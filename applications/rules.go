package applications

import (
	"slices"
	"time"

	"jedenlogin"
)

// ScopeApplications is the access scope whose holder at an entity approves
// the entity's employees' applications like its head does.
const ScopeApplications = "wnioski"

// Errors of the approval rules. They are *jedenlogin.Error values, wrapped
// with context: test with errors.Is.
var (
	// ErrNotApprover: the person may not decide this application or
	// manage this grant. The web layer answers 403 not_approver.
	ErrNotApprover = &jedenlogin.Error{Code: jedenlogin.CodeNotApprover, Text: jedenlogin.T("applications.not_approver")}
	// ErrHeadConflict: accepting would give the entity two active heads
	// (or two acting heads) with overlapping validity; the message is the
	// one of SPEC §9. The web layer answers 409 head_conflict.
	ErrHeadConflict = &jedenlogin.Error{Code: jedenlogin.CodeHeadConflict, Text: jedenlogin.T("applications.head_conflict")}
	// ErrIdentityNotConfirmed: an application is accepted only with the
	// applicant's identity confirmed in person. The web layer answers 422
	// identity_not_confirmed.
	ErrIdentityNotConfirmed = &jedenlogin.Error{Code: jedenlogin.CodeIdentityNotConfirmed, Text: jedenlogin.T("applications.identity_not_confirmed")}
	// ErrGrantGone: the grant an extension application extends was revoked
	// or no longer belongs to the applicant.
	ErrGrantGone = &jedenlogin.Error{Code: jedenlogin.ECONFLICT, Text: jedenlogin.T("applications.grant_gone")}
	// ErrGrantRevoked: the grant was already revoked.
	ErrGrantRevoked = &jedenlogin.Error{Code: jedenlogin.ECONFLICT, Text: jedenlogin.T("applications.grant_revoked")}
	// ErrNotExtendable: the grant may not be extended now (PRZEDŁUŻ is
	// offered from 3 months before the end of validity).
	ErrNotExtendable = &jedenlogin.Error{Code: jedenlogin.ECONFLICT, Text: jedenlogin.T("applications.not_extendable")}
	// ErrExtensionPending: an extension of the grant already waits for a decision.
	ErrExtensionPending = &jedenlogin.Error{Code: jedenlogin.ECONFLICT, Text: jedenlogin.T("applications.extension_pending")}
	// ErrDuplicate: the same person already has an open application for
	// the same function at the same entity.
	ErrDuplicate = &jedenlogin.Error{Code: jedenlogin.ECONFLICT, Text: jedenlogin.T("applications.duplicate")}
)

// isHead reports whether f is kierownik or po_kierownika: functions
// approved at the parent entity.
func isHead(f jedenlogin.Function) bool {
	return f == jedenlogin.FunctionHead || f == jedenlogin.FunctionActingHead
}

// activeGrants returns the grants of rec that count at now: held by one of
// the person's active logins (for a consolidated person, the unified
// login) and valid at now — not revoked, not merged, within their dates.
func activeGrants(rec *jedenlogin.PersonRecord, now time.Time) []jedenlogin.Grant {
	var out []jedenlogin.Grant
	for _, g := range rec.Grants {
		l := rec.Login(g.LoginID)
		if l == nil || l.State != jedenlogin.LoginActive || !g.ValidAt(now) {
			continue
		}
		out = append(out, g)
	}
	return out
}

// ApproverAt reports whether the person approves at the entity at now: a
// grant valid at now, held by one of their active logins, at the entity
// with function kierownik or po_kierownika, or with scope wnioski.
func ApproverAt(rec *jedenlogin.PersonRecord, entityID string, now time.Time) bool {
	for _, g := range activeGrants(rec, now) {
		if g.EntityID == entityID && (isHead(g.Function) || slices.Contains(g.Scopes, ScopeApplications)) {
			return true
		}
	}
	return false
}

// ApproverEntities returns the ids of the entities where the person
// approves at now (see ApproverAt), sorted. Applications for employees at
// them, and for heads at their children, are the person's to decide.
func ApproverEntities(rec *jedenlogin.PersonRecord, now time.Time) []string {
	var out []string
	for _, g := range activeGrants(rec, now) {
		if isHead(g.Function) || slices.Contains(g.Scopes, ScopeApplications) {
			out = append(out, g.EntityID)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// mayApprove is the rule of SPEC §9 for a function at entity e: an
// employee is approved at e itself, a head or acting head at e's parent,
// and for an entity without a parent by an operator.
func mayApprove(rec *jedenlogin.PersonRecord, f jedenlogin.Function, e jedenlogin.Entity, now time.Time) bool {
	if !isHead(f) {
		return ApproverAt(rec, e.ID, now)
	}
	if e.ParentID == "" {
		return rec.Person.Operator
	}
	return ApproverAt(rec, e.ParentID, now)
}

// samePerson reports whether the application was filed by (or for) the
// person: as the signed-in applicant, or with the person's PESEL.
func samePerson(rec *jedenlogin.PersonRecord, app *jedenlogin.Application) bool {
	if app.ApplicantPersonID != nil && *app.ApplicantPersonID == rec.Person.ID {
		return true
	}
	return app.Applicant.PESEL != "" && slices.Contains(personPESELs(rec), app.Applicant.PESEL)
}

// personPESELs returns the PESELs known of the person: from the account
// data, the person key and the logins' application data.
func personPESELs(rec *jedenlogin.PersonRecord) []string {
	var out []string
	if a := rec.Person.Account; a != nil && a.PESEL != "" {
		out = append(out, a.PESEL)
	}
	if rec.Person.Grouping() == jedenlogin.GroupedByPESEL {
		out = append(out, rec.Person.Key[len("pesel:"):])
	}
	for _, l := range rec.Logins {
		if l.PESEL != "" {
			out = append(out, l.PESEL)
		}
	}
	return out
}

// MayDecide reports whether approver may review, accept or reject app, an
// application at entity e (app.EntityID's entity), at now (SPEC §9):
//
//   - a pracownik application at e: an active kierownik or po_kierownika
//     of e, or a holder of scope wnioski at e;
//   - a kierownik or po_kierownika application at e: the same people at
//     e's parent;
//   - a head application at an entity without a parent: an operator.
//
// e.ParentID must name an entity that exists: load e with RuleEntity or
// RuleEntities, which clear a parent that is not in the database, whose
// heads an operator approves until it is imported.
//
// Only grants valid at now count (revoked, merged and expired ones do
// not), held by an active login of the approver. Nobody decides their own
// application.
func MayDecide(approver *jedenlogin.PersonRecord, app *jedenlogin.Application, e jedenlogin.Entity, now time.Time) bool {
	if approver == nil || app == nil || e.ID != app.EntityID || samePerson(approver, app) {
		return false
	}
	return mayApprove(approver, app.Function, e, now)
}

// MayManage reports whether approver may revoke g, a grant at entity e
// held by the person holderID, at now: the people who would decide an
// application for the grant's function at e (see MayDecide). Nobody
// revokes their own grant.
func MayManage(approver *jedenlogin.PersonRecord, g jedenlogin.Grant, holderID int64, e jedenlogin.Entity, now time.Time) bool {
	if approver == nil || holderID == approver.Person.ID || e.ID != g.EntityID {
		return false
	}
	return mayApprove(approver, g.Function, e, now)
}

// QueueFilter returns the filter of the open applications the approver
// may have to decide at now: at the entities where they approve and at
// those entities' children, and, for an operator, at entities without a
// parent. MayDecide picks the ones they really may decide. ok is false
// when the approver approves nowhere.
func QueueFilter(approver *jedenlogin.PersonRecord, now time.Time) (f jedenlogin.ApplicationFilter, ok bool) {
	ents := ApproverEntities(approver, now)
	f = jedenlogin.ApplicationFilter{
		Entities:   ents,
		ChildrenOf: ents,
		Parentless: approver.Person.Operator,
		Statuses:   []jedenlogin.ApplicationStatus{jedenlogin.ApplicationSubmitted, jedenlogin.ApplicationUnderReview},
	}
	return f, len(ents) > 0 || f.Parentless
}
