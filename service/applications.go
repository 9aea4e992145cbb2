package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"jedenlogin"
	"jedenlogin/applications"
	"jedenlogin/mail"
)

// Access applications (wnioski o dostęp, SPEC §9): filing (signed in or
// through the public form), the approver's review, acceptance and
// rejection, the applicant's withdrawal, and the lists. The rules — who
// may decide, the head rule, what accepting does — are package
// applications'; these methods load what the rules need, run them inside
// the store's transaction together with the audit events, and mail the
// applicant every status change.

// Limits of the public application form: how many applications one client
// address (an IPv6 /64, see ThrottleKey) may file per window.
const (
	applyAddrLimit = 20
	applyWindow    = time.Hour
)

// PublicPendingLimit is how many applications filed without signing in may
// await a decision (zlozony or rozpatrywany) at one entity; beyond it the
// public form refuses (409 apply.entity_full) until the entity's approvers
// decide some. A flood of public applications from many addresses thus
// stays bounded per entity, while applications of signed-in people are
// never refused by it. Two public applications filed at the same instant
// may both pass the check, so the bound holds up to those in flight.
const PublicPendingLimit = 50

// activationValidity is how long an activation link works (issue 6: 72 h).
const activationValidity = 72 * time.Hour

// ApplyForm returns what the application form offers c (nil: the public
// form). It does not fail.
func (s *Applications) ApplyForm(c *jedenlogin.Caller) jedenlogin.ApplyForm {
	now := s.now()
	f := jedenlogin.ApplyForm{ValidTo: applications.DefaultValidTo(now), MinDate: applications.Day(now), MaxDate: applications.MaxValidTo(now)}
	if c != nil {
		f.Account = applications.ApplicantFromAccount(c.Record, c.Login)
	}
	return f
}

// problemText is the catalogue text of a problem with a form field.
func problemText(p applications.Problem) jedenlogin.Text {
	switch p.Field + "/" + string(p.Code) {
	case "entity_id/required":
		return jedenlogin.T("apply.entity_required")
	case "entity_id/not_found":
		return jedenlogin.T("apply.entity_not_found")
	case "function/required", "function/invalid":
		return jedenlogin.T("apply.function_required")
	case "scopes/required":
		return jedenlogin.T("apply.scopes_required")
	case "scopes/invalid", "scopes/too_long":
		return jedenlogin.T("apply.scopes_invalid")
	case "valid_to/past":
		return jedenlogin.T("apply.valid_to_past")
	case "valid_to/too_far":
		return jedenlogin.T("apply.valid_to_too_far")
	case "valid_to/too_early":
		return jedenlogin.T("apply.valid_to_too_early")
	case "valid_to/invalid":
		return jedenlogin.T("apply.valid_to_invalid")
	case "first_name/required":
		return jedenlogin.T("apply.first_name_required")
	case "last_name/required":
		return jedenlogin.T("apply.last_name_required")
	case "pesel/required":
		return jedenlogin.T("apply.pesel_required")
	case "pesel/pesel":
		return jedenlogin.T("apply.pesel_invalid")
	case "email/required":
		return jedenlogin.T("apply.email_required")
	case "email/email":
		return jedenlogin.T("apply.email_invalid")
	case "phone/invalid":
		return jedenlogin.T("apply.phone_invalid")
	}
	if p.Code == applications.ProblemTooLong {
		return jedenlogin.T("apply.too_long")
	}
	return jedenlogin.T("apply.invalid")
}

// formError is the EINVALID answer of a form with field errors: the text
// "form.has_errors" and a message per field.
func formError(fields map[string]jedenlogin.Text) *jedenlogin.Error {
	e := jedenlogin.NewError(jedenlogin.EINVALID, "form.has_errors")
	e.Fields = fields
	return e
}

// appErr returns err as an *jedenlogin.Error, a missing application as
// ENOTFOUND "applications.not_found"; the rules' errors carry their codes.
func appErr(err error) *jedenlogin.Error {
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return &jedenlogin.Error{Code: jedenlogin.ENOTFOUND, Text: jedenlogin.T("applications.not_found"), Err: err}
	}
	return jedenlogin.AsError(err)
}

// parseDate parses a YYYY-MM-DD date ("" is nil); ok is false for anything else.
func parseDate(v string) (*time.Time, bool) {
	if v == "" {
		return nil, true
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return nil, false
	}
	return &t, true
}

// actor is who acts, for the audit log.
func actor(c *jedenlogin.Caller) applications.Actor {
	return applications.Actor{Login: c.Login.Name, Address: c.Addr}
}

// SubmitApplication checks and stores a new application, audited in the
// same transaction, and mails the applicant. Filed by the signed-in c,
// the application carries c's account data; with c nil it is the public
// form, whose Applicant fields are required and which is counted per
// client address addr (at most 20 an hour per address or IPv6 /64).
// Errors: EINVALID with Fields (by form field: entity_id, function,
// scopes, valid_to, first_name, last_name, pesel, email, phone; an
// unknown entity is a field error); CodeTooManyAttempts with RetryAfter
// for too many public applications; ECONFLICT when c already has an open
// application for the function at the entity; internal otherwise.
func (s *Applications) SubmitApplication(ctx context.Context, c *jedenlogin.Caller, addr string, in jedenlogin.ApplyInput) (*jedenlogin.ApplicationRow, error) {
	now := s.now()
	app := &jedenlogin.Application{
		Status: jedenlogin.ApplicationSubmitted, EntityID: in.EntityID, Function: jedenlogin.Function(in.Function),
		Scopes: slices.Clone(in.Scopes), CreatedAt: now, UpdatedAt: now,
	}
	public := c == nil
	who := applications.Actor{Address: addr}
	if public {
		app.Applicant = in.Applicant
	} else {
		pid, lid := c.Person.ID, c.Login.ID
		app.ApplicantPersonID, app.ApplicantLoginID = &pid, &lid
		app.Applicant = applications.ApplicantFromAccount(c.Record, c.Login)
		who = actor(c)
	}
	fields := map[string]jedenlogin.Text{}
	to, ok := parseDate(strings.TrimSpace(in.ValidTo))
	if !ok {
		fields["valid_to"] = problemText(applications.Problem{Field: "valid_to", Code: applications.ProblemInvalid})
	}
	app.ValidTo = to
	applications.Normalize(app)
	for _, p := range applications.Check(app, public, now) {
		if _, seen := fields[p.Field]; !seen {
			fields[p.Field] = problemText(p)
		}
	}
	var entity *jedenlogin.Entity
	if _, bad := fields["entity_id"]; !bad {
		e, err := s.st.Entity(ctx, app.EntityID)
		if errors.Is(err, jedenlogin.ErrNotFound) {
			fields["entity_id"] = problemText(applications.Problem{Field: "entity_id", Code: "not_found"})
		} else if err != nil {
			return nil, s.internal(fmt.Errorf("apply: %w", err))
		}
		entity = e
	}
	if len(fields) > 0 {
		return nil, formError(fields)
	}
	if app.ValidTo == nil {
		d := applications.DefaultValidTo(now)
		app.ValidTo = &d
	}
	if public {
		if err := s.refuseEntityFull(ctx, app.EntityID); err != nil {
			return nil, err
		}
		if err := s.countApplication(ctx, addr, now); err != nil {
			return nil, err
		}
	} else if err := s.refuseDuplicate(ctx, app); err != nil {
		return nil, err
	}
	if err := s.st.CreateApplication(ctx, app, func(app *jedenlogin.Application) []jedenlogin.AuditEvent {
		return []jedenlogin.AuditEvent{applications.Submitted(app, who, now)}
	}); err != nil {
		return nil, appErr(err)
	}
	s.statusMail(ctx, app, entity.Name)
	return &jedenlogin.ApplicationRow{App: *app, Entity: *entity}, nil
}

// refuseEntityFull answers ECONFLICT (apply.entity_full, on the entity
// field) when PublicPendingLimit public applications await a decision at
// the entity.
func (s *Service) refuseEntityFull(ctx context.Context, entityID string) error {
	pending, err := s.st.Applications(ctx, jedenlogin.ApplicationFilter{Entities: []string{entityID}, Public: true,
		Statuses: []jedenlogin.ApplicationStatus{jedenlogin.ApplicationSubmitted, jedenlogin.ApplicationUnderReview},
		Limit:    PublicPendingLimit})
	if err != nil {
		return s.internal(fmt.Errorf("count pending public applications: %w", err))
	}
	if len(pending) >= PublicPendingLimit {
		return s.errf(jedenlogin.ECONFLICT, "apply.entity_full").WithField("entity_id")
	}
	return nil
}

// countApplication counts one public application from the client address
// and answers CodeTooManyAttempts when the address filed too many.
func (s *Service) countApplication(ctx context.Context, addr string, now time.Time) error {
	t, _, err := s.st.RecordFailure(ctx, ThrottleKey("apply", addr), now, applyWindow, applyAddrLimit+1, applyWindow)
	if err != nil {
		return s.internal(fmt.Errorf("count application: %w", err))
	}
	if BlockedAt(t, now) {
		he := s.errf(jedenlogin.CodeTooManyAttempts, "apply.too_many")
		he.RetryAfter = t.BlockedUntil.Sub(now)
		return he
	}
	return nil
}

// refuseDuplicate answers ECONFLICT when the applicant already has an open
// application for the same function at the entity (or an open extension
// of the same grant).
func (s *Service) refuseDuplicate(ctx context.Context, app *jedenlogin.Application) error {
	f := jedenlogin.ApplicationFilter{ApplicantPersonID: app.ApplicantPersonID, Entities: []string{app.EntityID},
		Statuses: []jedenlogin.ApplicationStatus{jedenlogin.ApplicationSubmitted, jedenlogin.ApplicationUnderReview}}
	open, err := s.st.Applications(ctx, f)
	if err != nil {
		return s.internal(fmt.Errorf("apply: open applications: %w", err))
	}
	for _, o := range open {
		switch {
		case app.ExtendsGrantID != nil && o.ExtendsGrantID != nil && *o.ExtendsGrantID == *app.ExtendsGrantID:
			return applications.ErrExtensionPending
		case app.ExtendsGrantID == nil && o.ExtendsGrantID == nil && o.Function == app.Function:
			return applications.ErrDuplicate
		}
	}
	return nil
}

// withEntities joins applications with their entities as the approval
// rules see them (applications.RuleEntities).
func (s *Service) withEntities(ctx context.Context, apps []jedenlogin.Application) ([]jedenlogin.ApplicationRow, error) {
	var ids []string
	for _, a := range apps {
		ids = append(ids, a.EntityID)
	}
	slices.Sort(ids)
	byID := map[string]jedenlogin.Entity{}
	if len(ids) > 0 {
		ents, err := applications.RuleEntities(ctx, s.st, slices.Compact(ids))
		if err != nil {
			return nil, fmt.Errorf("load entities of applications: %w", err)
		}
		for _, e := range ents {
			byID[e.ID] = e
		}
	}
	rows := make([]jedenlogin.ApplicationRow, 0, len(apps))
	for _, a := range apps {
		e, ok := byID[a.EntityID]
		if !ok {
			e = jedenlogin.Entity{ID: a.EntityID, Name: a.EntityID}
		}
		rows = append(rows, jedenlogin.ApplicationRow{App: a, Entity: e})
	}
	return rows, nil
}

// MyApplications returns c's applications, newest first. Errors are
// internal.
func (s *Applications) MyApplications(ctx context.Context, c *jedenlogin.Caller) ([]jedenlogin.ApplicationRow, error) {
	pid := c.Person.ID
	apps, err := s.st.Applications(ctx, jedenlogin.ApplicationFilter{ApplicantPersonID: &pid})
	if err != nil {
		return nil, s.internal(fmt.Errorf("my applications: %w", err))
	}
	rows, err := s.withEntities(ctx, apps)
	if err != nil {
		return nil, s.internal(err)
	}
	return rows, nil
}

// Application returns application id for its applicant and for those who
// may decide it. Errors: ENOTFOUND for anybody else too (ids reveal
// nothing); internal otherwise.
func (s *Applications) Application(ctx context.Context, c *jedenlogin.Caller, id int64) (*jedenlogin.ApplicationView, error) {
	app, err := s.st.Application(ctx, id)
	if err != nil {
		return nil, appErr(err)
	}
	e, err := applications.RuleEntity(ctx, s.st, app.EntityID)
	if err != nil {
		return nil, s.internal(fmt.Errorf("entity of application %d: %w", id, err))
	}
	v := &jedenlogin.ApplicationView{ApplicationRow: jedenlogin.ApplicationRow{App: *app, Entity: *e}}
	v.Mine = app.ApplicantPersonID != nil && *app.ApplicantPersonID == c.Person.ID
	v.Decider = applications.MayDecide(c.Record, app, *e, s.now())
	if !v.Mine && !v.Decider {
		return nil, s.errf(jedenlogin.ENOTFOUND, "applications.not_found")
	}
	v.ReviewerName = s.personNameOf(ctx, app.ReviewedBy)
	v.DeciderName = s.personNameOf(ctx, app.DecidedBy)
	return v, nil
}

// ReviewApplication marks application id rozpatrywany: c, who may decide
// it, takes it up. The change and its audit event are one transaction; the
// applicant is mailed. Errors: ENOTFOUND, CodeNotApprover,
// CodeInvalidStatus unless it is zlozony; internal otherwise.
func (s *Applications) ReviewApplication(ctx context.Context, c *jedenlogin.Caller, id int64) (*jedenlogin.ApplicationRow, error) {
	return s.decide(ctx, c, id, func(app *jedenlogin.Application, now time.Time) ([]jedenlogin.AuditEvent, error) {
		return applications.Review(app, actor(c), now)
	})
}

// RejectApplication marks application id odrzucony with the reason (c
// may decide it). The change and its audit event are one transaction; the
// applicant is mailed. Errors: EINVALID with Fields["reason"] for an empty
// or overlong reason (checked first), ENOTFOUND, CodeNotApprover,
// CodeInvalidStatus unless it is rozpatrywany; internal otherwise.
func (s *Applications) RejectApplication(ctx context.Context, c *jedenlogin.Caller, id int64, reason string) (*jedenlogin.ApplicationRow, error) {
	reason = strings.TrimSpace(reason)
	if code, ok := applications.CheckReason(reason); !ok {
		msg := jedenlogin.T("applications.reason_required")
		if code == applications.ProblemTooLong {
			msg = jedenlogin.T("applications.reason_too_long")
		}
		return nil, formError(map[string]jedenlogin.Text{"reason": msg})
	}
	return s.decide(ctx, c, id, func(app *jedenlogin.Application, now time.Time) ([]jedenlogin.AuditEvent, error) {
		return applications.Reject(app, reason, actor(c), now)
	})
}

// WithdrawApplication marks c's own application id wycofany, audited in
// the same transaction, and mails the applicant. Errors: ENOTFOUND (also
// when it is not c's), CodeInvalidStatus unless it is zlozony; internal
// otherwise.
func (s *Applications) WithdrawApplication(ctx context.Context, c *jedenlogin.Caller, id int64) (*jedenlogin.ApplicationRow, error) {
	now := s.now()
	app, err := s.st.Application(ctx, id)
	if err != nil {
		return nil, appErr(err)
	}
	return s.changeApplication(ctx, id, app.EntityID, now, func(app *jedenlogin.Application) ([]jedenlogin.AuditEvent, error) {
		evs, err := applications.Withdraw(app, c.Person.ID, actor(c), now)
		if errors.Is(err, applications.ErrNotApplicant) {
			return nil, jedenlogin.ErrNotFound
		}
		return evs, err
	})
}

// decisionEntity loads application id and its entity as the approval
// rules see it. Errors: ENOTFOUND; internal.
func (s *Service) decisionEntity(ctx context.Context, id int64) (*jedenlogin.Entity, error) {
	app, err := s.st.Application(ctx, id)
	if err != nil {
		return nil, appErr(err)
	}
	e, err := applications.RuleEntity(ctx, s.st, app.EntityID)
	if err != nil {
		return nil, s.internal(fmt.Errorf("entity of application %d: %w", id, err))
	}
	return e, nil
}

// decide runs an approver's status change fn on application id inside the
// store's transaction, after checking there, on the locked application,
// that c may decide it; then it mails the applicant.
func (s *Service) decide(ctx context.Context, c *jedenlogin.Caller, id int64, fn func(app *jedenlogin.Application, now time.Time) ([]jedenlogin.AuditEvent, error)) (*jedenlogin.ApplicationRow, error) {
	now := s.now()
	e, err := s.decisionEntity(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.changeApplication(ctx, id, e.ID, now, func(app *jedenlogin.Application) ([]jedenlogin.AuditEvent, error) {
		if !applications.MayDecide(c.Record, app, *e, now) {
			return nil, applications.ErrNotApprover
		}
		return fn(app, now)
	})
}

// changeApplication runs the status change fn on application id, at entity
// entityID, and queues the mail telling the applicant the new status in
// the change's transaction; it returns the application with its entity.
func (s *Service) changeApplication(ctx context.Context, id int64, entityID string, now time.Time, fn func(app *jedenlogin.Application) ([]jedenlogin.AuditEvent, error)) (*jedenlogin.ApplicationRow, error) {
	e, err := s.st.Entity(ctx, entityID)
	if err != nil {
		return nil, s.internal(fmt.Errorf("entity of application %d: %w", id, err))
	}
	app, err := s.st.UpdateApplicationMail(ctx, id, func(app *jedenlogin.Application) ([]jedenlogin.AuditEvent, []jedenlogin.OutboxMessage, error) {
		evs, err := fn(app)
		if err != nil {
			return nil, nil, err
		}
		if app.EntityID != entityID {
			return nil, nil, fmt.Errorf("application %d moved to entity %s: %w", id, app.EntityID, jedenlogin.ErrConflict)
		}
		return evs, s.outboxMail(ctx, mail.KindApplicationStatus, app.Applicant.Email, s.statusMailData(app, e.Name), now), nil
	})
	if err != nil {
		return nil, appErr(err)
	}
	s.mailQueued()
	return &jedenlogin.ApplicationRow{App: *app, Entity: *e}, nil
}

// AcceptApplication accepts application id (SPEC §9, applications.Accept)
// with the applicant's identity confirmed in person: the grant lands on
// the applicant's one login, or a person and a generated login are
// created. Whether c may decide it is checked inside the acceptance's
// transaction, which also writes the status change's and the grant's
// audit events. A generated login gets an activation link (72 h), mailed
// after the status change; its token and its account_created event are
// written after the transaction (see sendActivation). Errors:
// CodeIdentityNotConfirmed (checked first), ENOTFOUND, CodeNotApprover,
// CodeInvalidStatus unless it is rozpatrywany, CodeHeadConflict, ECONFLICT
// when an extended grant is gone; internal otherwise.
func (s *Applications) AcceptApplication(ctx context.Context, c *jedenlogin.Caller, id int64, identityConfirmed bool) (*jedenlogin.ApplicationRow, error) {
	if !identityConfirmed {
		return nil, applications.ErrIdentityNotConfirmed
	}
	now := s.now()
	e, err := s.decisionEntity(ctx, id)
	if err != nil {
		return nil, err
	}
	d := applications.Decision{Who: actor(c), IdentityConfirmed: true, Now: now}
	acc, err := s.st.AcceptApplication(ctx, id, func(acc *jedenlogin.Acceptance) ([]jedenlogin.AuditEvent, error) {
		if !applications.MayDecide(c.Record, acc.Application, *e, now) {
			return nil, applications.ErrNotApprover
		}
		return applications.Accept(acc, d)
	})
	if err != nil {
		return nil, appErr(err)
	}
	app := acc.Application
	status := s.statusMailData(app, acc.Entity.Name)
	if acc.NewLogin == nil {
		s.MailLater(ctx, mail.KindApplicationStatus, app.Applicant.Email, status)
	} else if err := s.sendActivation(ctx, c, acc, status, now); err != nil {
		return nil, err
	}
	return &jedenlogin.ApplicationRow{App: *app, Entity: acc.Entity}, nil
}

// sendActivation creates the activation token of an account an acceptance
// created, with the mails of the status change and of the activation link
// (PUBLIC_URL/aktywuj/TOKEN, valid 72 hours) queued in the token's
// transaction, and audits it (account_created). Both writes follow the
// acceptance's transaction: the event names the generated login, whose
// name the store chooses inside that transaction after the decision
// function has returned its events, and
// the token needs the login's id; the Store offers no way to write either
// in the acceptance. Should they fail, the account still exists and "Nie
// pamiętasz hasła?" sets its password.
func (s *Service) sendActivation(ctx context.Context, c *jedenlogin.Caller, acc *jedenlogin.Acceptance, status mail.ApplicationStatusData, now time.Time) error {
	l := acc.NewLogin
	to := acc.Application.Applicant.Email
	secret, hash := jedenlogin.NewTokenSecret()
	tok := &jedenlogin.Token{Kind: jedenlogin.TokenActivation, Hash: hash, PersonID: l.PersonID, LoginID: l.ID,
		Data: Details(map[string]any{"email": to}), CreatedAt: now, ExpiresAt: now.Add(activationValidity)}
	pid := l.PersonID
	ev := jedenlogin.AuditEvent{At: now, Action: jedenlogin.AuditAccountCreated, Actor: c.Login.Name, PersonID: &pid,
		Subject: l.Name, Address: c.Addr, Outcome: "ok", Details: Details(map[string]any{
			"application_id": acc.Application.ID, "activation_expires_at": tok.ExpiresAt.UTC().Format(time.RFC3339),
		})}
	act := mail.ActivationData{Login: l.Name, Entity: acc.Entity.Name, Link: s.Link("/aktywuj/" + secret)}
	// The status mail first, then the link: queued in this order, they are
	// claimed in this order.
	msgs := append(s.outboxMail(ctx, mail.KindApplicationStatus, to, status, now),
		s.outboxMail(ctx, mail.KindActivation, to, act, now)...)
	// The account itself was written with the acceptance; its activation
	// link, the event that records both and the mails are written together.
	if err := s.st.CreateToken(ctx, tok, []jedenlogin.AuditEvent{ev}, msgs...); err != nil {
		return s.internal(fmt.Errorf("activation token for %s: %w", l.Name, err))
	}
	s.mailQueued()
	return nil
}

// statusMail queues the mail telling the applicant their application's new
// status (every status change mails the applicant), for the changes whose
// Store method takes no mail (CreateApplication, AcceptApplication): in a
// transaction of its own right after the change.
func (s *Service) statusMail(ctx context.Context, app *jedenlogin.Application, entityName string) {
	s.MailLater(ctx, mail.KindApplicationStatus, app.Applicant.Email, s.statusMailData(app, entityName))
}

// statusMailData is the status mail's data; a signed-in applicant's mail
// links to the application.
func (s *Service) statusMailData(app *jedenlogin.Application, entityName string) mail.ApplicationStatusData {
	data := mail.ApplicationStatusData{Status: string(app.Status), Entity: entityName, Function: app.Function, Reason: app.Reason}
	if app.ApplicantPersonID != nil {
		data.Link = s.Link("/wnioski/" + strconv.FormatInt(app.ID, 10))
	}
	return data
}

// personNameOf returns the first and last name of the person holding the
// login (account data, else the login's own), the login itself when they
// cannot be read, and "" for "".
func (s *Service) personNameOf(ctx context.Context, login string) string {
	if login == "" {
		return ""
	}
	l, err := s.st.LoginByName(ctx, login)
	if err != nil {
		return login
	}
	rec, err := s.st.Person(ctx, l.PersonID)
	if err != nil {
		return login
	}
	if acc := rec.Person.Account; acc != nil && acc.LastName != "" {
		return strings.TrimSpace(acc.FirstName + " " + acc.LastName)
	}
	if own := rec.Login(l.ID); own != nil && own.LastName != "" {
		return strings.TrimSpace(own.FirstName + " " + own.LastName)
	}
	return login
}
