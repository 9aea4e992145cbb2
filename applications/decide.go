package applications

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"jedenlogin"
	"jedenlogin/consolidation"
	"jedenlogin/loginname"
)

// ErrNotApplicant: only the applicant may withdraw an application.
var ErrNotApplicant = &jedenlogin.Error{Code: jedenlogin.EFORBIDDEN, Text: jedenlogin.T("applications.not_applicant")}

// Actor says who does something and from where, for the audit log.
type Actor struct {
	Login   string // the actor's login name
	Address string // client address
}

// Subject returns the audit subject of an application: "application:ID".
func Subject(id int64) string { return "application:" + strconv.FormatInt(id, 10) }

// event builds an audit event; details are marshalled to JSON.
func event(action string, who Actor, subject string, now time.Time, details map[string]any) jedenlogin.AuditEvent {
	ev := jedenlogin.AuditEvent{At: now, Action: action, Actor: who.Login, Subject: subject, Address: who.Address, Outcome: "ok"}
	if len(details) > 0 {
		b, err := json.Marshal(details)
		if err == nil {
			ev.Details = string(b)
		}
	}
	return ev
}

// statusEvent is the audit event of a status change of app.
func statusEvent(app *jedenlogin.Application, who Actor, now time.Time, extra map[string]any) jedenlogin.AuditEvent {
	d := map[string]any{"status": string(app.Status), "entity_id": app.EntityID, "function": string(app.Function)}
	if app.ExtendsGrantID != nil {
		d["extends_grant_id"] = *app.ExtendsGrantID
	}
	for k, v := range extra {
		d[k] = v
	}
	return event(jedenlogin.AuditApplicationChanged, who, Subject(app.ID), now, d)
}

// Submitted returns the audit event of a new application (ID set).
func Submitted(app *jedenlogin.Application, who Actor, now time.Time) jedenlogin.AuditEvent {
	if who.Login == "" {
		who.Login = "public"
	}
	return statusEvent(app, who, now, map[string]any{"public": app.ApplicantPersonID == nil})
}

// Review marks app rozpatrywany (the approver takes it up). It returns an
// error wrapping jedenlogin.ErrInvalidStatus unless app is zlozony.
func Review(app *jedenlogin.Application, who Actor, now time.Time) ([]jedenlogin.AuditEvent, error) {
	if err := app.Transition(jedenlogin.ApplicationUnderReview, now); err != nil {
		return nil, err
	}
	app.ReviewedBy = who.Login
	return []jedenlogin.AuditEvent{statusEvent(app, who, now, nil)}, nil
}

// Reject marks app odrzucony with the reason. It returns an error wrapping
// jedenlogin.ErrInvalidStatus unless app is rozpatrywany, and EINVALID for
// an empty or overlong reason.
func Reject(app *jedenlogin.Application, reason string, who Actor, now time.Time) ([]jedenlogin.AuditEvent, error) {
	if _, ok := CheckReason(reason); !ok {
		return nil, jedenlogin.NewError(jedenlogin.EINVALID, "applications.reason_missing", maxReasonLen)
	}
	if err := app.Transition(jedenlogin.ApplicationRejected, now); err != nil {
		return nil, err
	}
	app.DecidedBy = who.Login
	app.Reason = reason
	return []jedenlogin.AuditEvent{statusEvent(app, who, now, map[string]any{"reason": reason})}, nil
}

// Withdraw marks app wycofany on behalf of the applicant, the person
// personID. It returns ErrNotApplicant when app is not theirs and an error
// wrapping jedenlogin.ErrInvalidStatus unless app is zlozony.
func Withdraw(app *jedenlogin.Application, personID int64, who Actor, now time.Time) ([]jedenlogin.AuditEvent, error) {
	if app.ApplicantPersonID == nil || *app.ApplicantPersonID != personID {
		return nil, ErrNotApplicant
	}
	if err := app.Transition(jedenlogin.ApplicationWithdrawn, now); err != nil {
		return nil, err
	}
	return []jedenlogin.AuditEvent{statusEvent(app, who, now, nil)}, nil
}

// Decision is an approver's acceptance of an application.
type Decision struct {
	Who Actor
	// IdentityConfirmed: the approver confirmed the applicant's identity
	// in person ("osobiste stawiennictwo").
	IdentityConfirmed bool
	Now               time.Time
}

// Accept decides an acceptance inside Store.AcceptApplication (SPEC §9):
//
//   - the identity must be confirmed (ErrIdentityNotConfirmed) and the
//     application rozpatrywany (jedenlogin.ErrInvalidStatus);
//   - an extension sets the extended grant's end of validity
//     (ErrGrantGone when it was revoked or is no longer the applicant's);
//   - a known person gets the grant on their one login: the unified
//     login once consolidated; while the transition is pending, the
//     active login the account data will come from, so that consolidation
//     moves it to the unified login with the others; a person without an
//     active login gets a generated login (NewLogin) that becomes their
//     one login, and is consolidated with it;
//   - an unknown applicant becomes a new person (key "pesel:…",
//     consolidated, account data from the application) with a generated
//     login (NewLogin, no password: an activation link sets it);
//   - a grant the holding login already has at the entity with the same
//     function is extended instead of duplicated;
//   - the head rule is checked against every active grant at the entity
//     (ErrHeadConflict).
//
// Application data never overwrite account data. Accept returns the audit
// events of the acceptance and of the grant change.
func Accept(a *jedenlogin.Acceptance, d Decision) ([]jedenlogin.AuditEvent, error) {
	app := a.Application
	now := d.Now
	if !d.IdentityConfirmed {
		return nil, ErrIdentityNotConfirmed
	}
	if err := app.Transition(jedenlogin.ApplicationAccepted, now); err != nil {
		return nil, err
	}
	app.DecidedBy = d.Who.Login
	app.IdentityConfirmed = true
	today := Day(now)
	grantDetails := map[string]any{"application_id": app.ID, "function": string(app.Function)}
	if app.ValidTo != nil {
		grantDetails["valid_to"] = app.ValidTo.Format(time.DateOnly)
	}

	if app.ExtendsGrantID != nil {
		g := grantOf(a.Person, *app.ExtendsGrantID)
		if g == nil || g.MergedInto != nil || (g.RevokedAt != nil && !g.RevokedAt.After(now)) {
			return nil, fmt.Errorf("application %d: grant %d: %w", app.ID, *app.ExtendsGrantID, ErrGrantGone)
		}
		if HeadConflict(a.EntityGrants, g.EntityID, g.Function, &today, app.ValidTo, now, g.ID) {
			return nil, fmt.Errorf("application %d: %w", app.ID, ErrHeadConflict)
		}
		if app.ValidTo != nil {
			g.Merge(&jedenlogin.Grant{ValidFrom: g.ValidFrom, ValidTo: app.ValidTo})
		}
		app.GrantID = &g.ID
		grantDetails["change"] = "extended"
		grantDetails["grant_id"] = g.ID
		return acceptEvents(app, d, grantDetails), nil
	}

	var holder *jedenlogin.Login
	if a.Person != nil {
		holder = holderLogin(a.Person)
	} else if !jedenlogin.ValidPESEL(app.Applicant.PESEL) {
		return nil, jedenlogin.NewError(jedenlogin.EINVALID, "applications.no_pesel")
	}

	// A grant the holder already has at the entity with the function is
	// extended rather than duplicated.
	if holder != nil {
		for i := range a.Person.Grants {
			g := &a.Person.Grants[i]
			if g.LoginID != holder.ID || g.EntityID != app.EntityID || g.Function != app.Function ||
				g.MergedInto != nil || (g.RevokedAt != nil && !g.RevokedAt.After(now)) {
				continue
			}
			if HeadConflict(a.EntityGrants, app.EntityID, app.Function, &today, app.ValidTo, now, g.ID) {
				return nil, fmt.Errorf("application %d: %w", app.ID, ErrHeadConflict)
			}
			g.Merge(&jedenlogin.Grant{Scopes: app.Scopes, ValidFrom: &today, ValidTo: app.ValidTo})
			app.GrantID = &g.ID
			grantDetails["change"] = "merged"
			grantDetails["grant_id"] = g.ID
			grantDetails["login"] = holder.Name
			return acceptEvents(app, d, grantDetails), nil
		}
	}
	if HeadConflict(a.EntityGrants, app.EntityID, app.Function, &today, app.ValidTo, now) {
		return nil, fmt.Errorf("application %d: %w", app.ID, ErrHeadConflict)
	}
	switch {
	case holder != nil:
	case a.Person != nil:
		// Known, but without an active login (only inactive legacy
		// logins): the generated login becomes their one login.
		p := &a.Person.Person
		p.Case, p.State, p.ConsolidatedAt = jedenlogin.CaseUnchanged, jedenlogin.StateDone, &now
		if p.Account == nil {
			p.Account = accountFrom(app.Applicant)
		}
		a.NewLogin = newLogin(app, now)
		a.LoginPrefix = prefixOf(p.Account)
	default:
		a.NewPerson = &jedenlogin.Person{
			Key: "pesel:" + app.Applicant.PESEL, Case: jedenlogin.CaseUnchanged, State: jedenlogin.StateDone,
			Account: accountFrom(app.Applicant), ConsolidatedAt: &now, CreatedAt: now,
		}
		a.NewLogin = newLogin(app, now)
		a.LoginPrefix = prefixOf(a.NewPerson.Account)
	}
	a.NewGrant = &jedenlogin.Grant{
		EntityID: app.EntityID, Function: app.Function, Scopes: slices.Clone(app.Scopes),
		ValidFrom: &today, ValidTo: cloneTime(app.ValidTo), CreatedAt: now,
	}
	grantDetails["change"] = "granted"
	if holder != nil {
		a.NewGrant.LoginID = holder.ID
		grantDetails["login"] = holder.Name
	} else {
		grantDetails["new_login"] = true
	}
	return acceptEvents(app, d, grantDetails), nil
}

// acceptEvents returns the acceptance's audit events: the status change
// and the grant change (PersonID left for the store: the applicant).
func acceptEvents(app *jedenlogin.Application, d Decision, grant map[string]any) []jedenlogin.AuditEvent {
	return []jedenlogin.AuditEvent{
		statusEvent(app, d.Who, d.Now, map[string]any{"identity_confirmed": true}),
		event(jedenlogin.AuditGrantChanged, d.Who, "entity:"+app.EntityID, d.Now, grant),
	}
}

// grantOf returns a pointer to the grant of rec with this id held by one
// of rec's logins, or nil (also for a nil rec).
func grantOf(rec *jedenlogin.PersonRecord, id int64) *jedenlogin.Grant {
	if rec == nil {
		return nil
	}
	for i := range rec.Grants {
		if g := &rec.Grants[i]; g.ID == id && rec.Login(g.LoginID) != nil {
			return g
		}
	}
	return nil
}

// holderLogin returns the login a new grant of the person goes to: the
// unified login of a consolidated person; for a pending one, the active
// login whose application data the account data will come from (any
// active login's grants move to the unified login at consolidation); nil
// when the person has no active login.
func holderLogin(rec *jedenlogin.PersonRecord) *jedenlogin.Login {
	if rec.Person.State == jedenlogin.StateDone && rec.Person.UnifiedLoginID != nil {
		if l := rec.Login(*rec.Person.UnifiedLoginID); l != nil && l.State == jedenlogin.LoginActive {
			return l
		}
		return nil
	}
	return consolidation.AccountSource(rec, 0)
}

// accountFrom returns account data made of the application data.
func accountFrom(a jedenlogin.Applicant) *jedenlogin.AccountData {
	return &jedenlogin.AccountData{FirstName: a.FirstName, SecondName: a.SecondName, LastName: a.LastName,
		PESEL: a.PESEL, Email: a.Email, Phone: a.Phone}
}

// newLogin returns the template of a generated login for the applicant:
// active, without a password (the activation link sets it), carrying the
// application data.
func newLogin(app *jedenlogin.Application, now time.Time) *jedenlogin.Login {
	a := app.Applicant
	return &jedenlogin.Login{
		State: jedenlogin.LoginActive, Origin: jedenlogin.OriginGenerated,
		FirstName: a.FirstName, SecondName: a.SecondName, LastName: a.LastName,
		PESEL: a.PESEL, Email: a.Email, Phone: a.Phone, AcceptedAt: &now, CreatedAt: now,
	}
}

// prefixOf is the generated-login prefix of the person's names (SPEC §3).
func prefixOf(acc *jedenlogin.AccountData) string {
	return loginname.Prefix(acc.FirstName, acc.LastName)
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := *t
	return &v
}
