package web

import (
	"context"
	"errors"
	"fmt"
	"jedenlogin/service"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"jedenlogin"
	"jedenlogin/applications"
	"jedenlogin/mail"
)

// Limits of the public application form: how many applications one client
// address may file per window.
const (
	applyAddrLimit = 20
	applyWindow    = time.Hour
)

// activationValidity is how long an activation link works (issue 6: 72 h).
const activationValidity = 72 * time.Hour

// applicationError answers a missing application as such; the rules'
// errors carry their own codes (applications.Err…).
func (s *Server) applicationError(err error) error {
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return &jedenlogin.Error{Code: jedenlogin.ENOTFOUND, Text: jedenlogin.T("applications.not_found"), Err: err}
	}
	return s.toHTTPError(err)
}

// applicantJSON is the "applicant" object: the application data.
type applicantJSON struct {
	FirstName  string `json:"first_name"`
	SecondName string `json:"second_name"`
	LastName   string `json:"last_name"`
	PESEL      string `json:"pesel"`
	Email      string `json:"email"`
	Phone      string `json:"phone"`
}

// applicationJSON is an application in the API.
type applicationJSON struct {
	ID                int64         `json:"id"`
	Status            string        `json:"status"`
	EntityID          string        `json:"entity_id"`
	EntityName        string        `json:"entity_name"`
	Function          string        `json:"function"`
	Scopes            []string      `json:"scopes"`
	ValidTo           *string       `json:"valid_to"`
	ExtendsGrantID    *int64        `json:"extends_grant_id"`
	Applicant         applicantJSON `json:"applicant"`
	CreatedAt         time.Time     `json:"created_at"`
	ReviewedBy        string        `json:"reviewed_by,omitempty"`
	DecidedBy         string        `json:"decided_by,omitempty"`
	DecidedAt         *time.Time    `json:"decided_at,omitempty"`
	IdentityConfirmed bool          `json:"identity_confirmed"`
	Reason            string        `json:"reason,omitempty"`
	GrantID           *int64        `json:"grant_id,omitempty"`
}

func dateString(t *time.Time) *string {
	if t == nil {
		return nil
	}
	d := t.UTC().Format(time.DateOnly)
	return &d
}

func applicationBody(a *jedenlogin.Application, entityName string) applicationJSON {
	p := a.Applicant
	return applicationJSON{
		ID: a.ID, Status: string(a.Status), EntityID: a.EntityID, EntityName: entityName, Function: string(a.Function),
		Scopes: nonNil(a.Scopes), ValidTo: dateString(a.ValidTo), ExtendsGrantID: a.ExtendsGrantID,
		Applicant: applicantJSON{FirstName: p.FirstName, SecondName: p.SecondName, LastName: p.LastName, PESEL: p.PESEL, Email: p.Email, Phone: p.Phone},
		CreatedAt: a.CreatedAt, ReviewedBy: a.ReviewedBy, DecidedBy: a.DecidedBy, DecidedAt: a.DecidedAt,
		IdentityConfirmed: a.IdentityConfirmed, Reason: a.Reason, GrantID: a.GrantID,
	}
}

// appRow is an application with its entity, for pages and lists.
type appRow struct {
	App    jedenlogin.Application
	Entity jedenlogin.Entity
}

// withEntities joins applications with their entities (an unknown entity
// shows its id as its name).
func (s *Server) withEntities(ctx context.Context, apps []jedenlogin.Application) ([]appRow, error) {
	var ids []string
	for _, a := range apps {
		ids = append(ids, a.EntityID)
	}
	slices.Sort(ids)
	byID := map[string]jedenlogin.Entity{}
	if len(ids) > 0 {
		ents, err := s.ruleEntities(ctx, slices.Compact(ids))
		if err != nil {
			return nil, fmt.Errorf("load entities of applications: %w", err)
		}
		for _, e := range ents {
			byID[e.ID] = e
		}
	}
	rows := make([]appRow, 0, len(apps))
	for _, a := range apps {
		e, ok := byID[a.EntityID]
		if !ok {
			e = jedenlogin.Entity{ID: a.EntityID, Name: a.EntityID}
		}
		rows = append(rows, appRow{App: a, Entity: e})
	}
	return rows, nil
}

// ruleEntities returns the entities with these ids that exist, as the
// approval rules see them: a parent that is not in the database counts as
// none, so an operator approves the entity's head until the parent is
// imported (the import warns about it in these words).
func (s *Server) ruleEntities(ctx context.Context, ids []string) ([]jedenlogin.Entity, error) {
	ents, err := s.st.Entities(ctx, ids)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, e := range ents {
		known[e.ID] = true
	}
	var parents []string
	for _, e := range ents {
		if e.ParentID != "" && !known[e.ParentID] {
			parents = append(parents, e.ParentID)
		}
	}
	if len(parents) > 0 {
		slices.Sort(parents)
		found, err := s.st.Entities(ctx, slices.Compact(parents))
		if err != nil {
			return nil, err
		}
		for _, e := range found {
			known[e.ID] = true
		}
	}
	for i := range ents {
		if ents[i].ParentID != "" && !known[ents[i].ParentID] {
			ents[i].ParentID = ""
		}
	}
	return ents, nil
}

// ruleEntity is ruleEntities for one entity; ErrNotFound when it does not exist.
func (s *Server) ruleEntity(ctx context.Context, id string) (*jedenlogin.Entity, error) {
	ents, err := s.ruleEntities(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	if len(ents) == 0 {
		return nil, fmt.Errorf("entity %s: %w", id, jedenlogin.ErrNotFound)
	}
	return &ents[0], nil
}

// myApplications returns the signed-in person's applications, newest first.
func (s *Server) myApplications(ctx context.Context, a *authState) ([]appRow, error) {
	pid := a.rec.Person.ID
	apps, err := s.st.Applications(ctx, jedenlogin.ApplicationFilter{ApplicantPersonID: &pid})
	if err != nil {
		return nil, fmt.Errorf("my applications: %w", err)
	}
	return s.withEntities(ctx, apps)
}

// queue returns the open applications the signed-in person may decide
// (applications.MayDecide), newest first.
func (s *Server) queue(ctx context.Context, a *authState, now time.Time) ([]appRow, error) {
	f, ok := applications.QueueFilter(a.rec, now)
	if !ok {
		return []appRow{}, nil
	}
	apps, err := s.st.Applications(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("application queue: %w", err)
	}
	rows, err := s.withEntities(ctx, apps)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(rows, func(r appRow) bool { return !applications.MayDecide(a.rec, &r.App, r.Entity, now) }), nil
}

// loadApplication reads an application with its entity for the signed-in
// person and tells whether they are its applicant and whether they may
// decide it. Anybody else gets 404 not_found, so ids reveal nothing.
func (s *Server) loadApplication(ctx context.Context, a *authState, id int64, now time.Time) (row appRow, mine, decider bool, err error) {
	app, err := s.st.Application(ctx, id)
	if err != nil {
		return row, false, false, s.applicationError(err)
	}
	e, err := s.ruleEntity(ctx, app.EntityID)
	if err != nil {
		return row, false, false, s.internal(fmt.Errorf("entity of application %d: %w", id, err))
	}
	row = appRow{App: *app, Entity: *e}
	mine = app.ApplicantPersonID != nil && *app.ApplicantPersonID == a.rec.Person.ID
	decider = applications.MayDecide(a.rec, app, *e, now)
	if !mine && !decider {
		return row, false, false, s.errf(jedenlogin.ENOTFOUND, "applications.not_found")
	}
	return row, mine, decider, nil
}

// idParam parses the {id} path value; 404 not_found when it is not a positive number.
func (s *Server) idParam(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, s.errf(jedenlogin.ENOTFOUND, "error.not_found")
	}
	return id, nil
}

// actor is who acts, for the audit log.
func actor(a *authState) applications.Actor {
	return applications.Actor{Login: a.login.Name, Address: a.addr}
}

// statusMail queues the mail telling the applicant their application's new
// status (every status change mails the applicant). A signed-in applicant's
// mail links to the application.
func (s *Server) statusMail(ctx context.Context, app *jedenlogin.Application, entityName string) {
	data := s.statusMailData(app, entityName)
	s.svc.MailLater(ctx, mail.KindApplicationStatus, app.Applicant.Email, data)
}

func (s *Server) statusMailData(app *jedenlogin.Application, entityName string) mail.ApplicationStatusData {
	data := mail.ApplicationStatusData{Status: string(app.Status), Entity: entityName, Function: app.Function, Reason: app.Reason}
	if app.ApplicantPersonID != nil {
		data.Link = s.svc.Link("/wnioski/" + strconv.FormatInt(app.ID, 10))
	}
	return data
}

// countApplication counts one public application from the client address
// and answers 429 too_many_attempts when the address filed too many.
func (s *Server) countApplication(ctx context.Context, addr string, now time.Time) error {
	t, _, err := s.st.RecordFailure(ctx, "apply:"+strings.TrimPrefix(service.AddrKey(addr), "addr:"), now, applyWindow, applyAddrLimit+1, applyWindow)
	if err != nil {
		return s.internal(fmt.Errorf("count application: %w", err))
	}
	if service.BlockedAt(t, now) {
		he := s.errf(jedenlogin.CodeTooManyAttempts, "apply.too_many")
		he.RetryAfter = t.BlockedUntil.Sub(now)
		return he
	}
	return nil
}

// applyInput is what an application form or request gives.
type applyInput struct {
	EntityID string
	Function string
	Scopes   []string
	ValidTo  string // YYYY-MM-DD; "" = the default
	jedenlogin.Applicant
}

// fieldErrors maps form fields to Polish messages.
type fieldErrors map[string]string

// problemMessage is the Polish message of a problem with a field.
func (s *Server) problemMessage(p applications.Problem) string {
	switch p.Field + "/" + string(p.Code) {
	case "entity_id/required":
		return s.msg("apply.entity_required")
	case "entity_id/not_found":
		return s.msg("apply.entity_not_found")
	case "function/required", "function/invalid":
		return s.msg("apply.function_required")
	case "scopes/invalid", "scopes/too_long":
		return s.msg("apply.scopes_invalid")
	case "valid_to/past":
		return s.msg("apply.valid_to_past")
	case "valid_to/too_far":
		return s.msg("apply.valid_to_too_far")
	case "valid_to/too_early":
		return s.msg("apply.valid_to_too_early")
	case "valid_to/invalid":
		return s.msg("apply.valid_to_invalid")
	case "first_name/required":
		return s.msg("apply.first_name_required")
	case "last_name/required":
		return s.msg("apply.last_name_required")
	case "pesel/required":
		return s.msg("apply.pesel_required")
	case "pesel/pesel":
		return s.msg("apply.pesel_invalid")
	case "email/required":
		return s.msg("apply.email_required")
	case "email/email":
		return s.msg("apply.email_invalid")
	case "phone/invalid":
		return s.msg("apply.phone_invalid")
	}
	if p.Code == applications.ProblemTooLong {
		return s.msg("apply.too_long")
	}
	return s.msg("apply.invalid")
}

// parseDate parses a YYYY-MM-DD date; ok is false for anything else.
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

// submitApplication checks and stores a new application: filed by the
// signed-in person a (their account data become the application data), or
// through the public form when a is nil (counted per client address). It
// mails the applicant and returns the stored application and its entity;
// invalid input gives the field errors (and a 400 bad_request).
func (s *Server) submitApplication(ctx context.Context, a *authState, in applyInput, addr string) (*jedenlogin.Application, *jedenlogin.Entity, fieldErrors, error) {
	now := s.now()
	app := &jedenlogin.Application{
		Status: jedenlogin.ApplicationSubmitted, EntityID: in.EntityID, Function: jedenlogin.Function(in.Function),
		Scopes: slices.Clone(in.Scopes), CreatedAt: now, UpdatedAt: now,
	}
	public := a == nil
	if public {
		app.Applicant = in.Applicant
	} else {
		pid, lid := a.rec.Person.ID, a.login.ID
		app.ApplicantPersonID, app.ApplicantLoginID = &pid, &lid
		app.Applicant = applications.ApplicantFromAccount(a.rec, a.login)
	}
	fields := fieldErrors{}
	to, ok := parseDate(strings.TrimSpace(in.ValidTo))
	if !ok {
		fields["valid_to"] = s.problemMessage(applications.Problem{Field: "valid_to", Code: applications.ProblemInvalid})
	}
	app.ValidTo = to
	applications.Normalize(app)
	for _, p := range applications.Check(app, public, now) {
		if _, seen := fields[p.Field]; !seen {
			fields[p.Field] = s.problemMessage(p)
		}
	}
	var entity *jedenlogin.Entity
	if _, bad := fields["entity_id"]; !bad {
		e, err := s.st.Entity(ctx, app.EntityID)
		if errors.Is(err, jedenlogin.ErrNotFound) {
			fields["entity_id"] = s.problemMessage(applications.Problem{Field: "entity_id", Code: "not_found"})
		} else if err != nil {
			return nil, nil, nil, s.internal(fmt.Errorf("apply: %w", err))
		}
		entity = e
	}
	if len(fields) > 0 {
		return nil, nil, fields, s.invalidForm(fields)
	}
	if app.ValidTo == nil {
		d := applications.DefaultValidTo(now)
		app.ValidTo = &d
	}
	if public {
		if err := s.countApplication(ctx, addr, now); err != nil {
			return nil, nil, nil, err
		}
	} else if err := s.refuseDuplicate(ctx, app); err != nil {
		return nil, nil, nil, err
	}
	who := applications.Actor{Address: addr}
	if a != nil {
		who.Login = a.login.Name
	}
	if err := s.st.CreateApplication(ctx, app, func(app *jedenlogin.Application) []jedenlogin.AuditEvent {
		return []jedenlogin.AuditEvent{applications.Submitted(app, who, now)}
	}); err != nil {
		return nil, nil, nil, s.applicationError(err)
	}
	s.statusMail(ctx, app, entity.Name)
	return app, entity, nil, nil
}

// refuseDuplicate answers 409 conflict when the applicant already has an
// open application for the same function at the entity (or an open
// extension of the same grant).
func (s *Server) refuseDuplicate(ctx context.Context, app *jedenlogin.Application) error {
	f := jedenlogin.ApplicationFilter{ApplicantPersonID: app.ApplicantPersonID, Entities: []string{app.EntityID},
		Statuses: []jedenlogin.ApplicationStatus{jedenlogin.ApplicationSubmitted, jedenlogin.ApplicationUnderReview}}
	open, err := s.st.Applications(ctx, f)
	if err != nil {
		return s.internal(fmt.Errorf("apply: open applications: %w", err))
	}
	for _, o := range open {
		switch {
		case app.ExtendsGrantID != nil && o.ExtendsGrantID != nil && *o.ExtendsGrantID == *app.ExtendsGrantID:
			return s.toHTTPError(applications.ErrExtensionPending)
		case app.ExtendsGrantID == nil && o.ExtendsGrantID == nil && o.Function == app.Function:
			return s.toHTTPError(applications.ErrDuplicate)
		}
	}
	return nil
}

// invalidForm is the 400 answer of a form with field errors: the message
// "Popraw błędy w formularzu." and "fields" naming each problem.
func (s *Server) invalidForm(fields fieldErrors) *jedenlogin.Error {
	he := s.errf(jedenlogin.EINVALID, "form.has_errors")
	he.Extra = map[string]any{"fields": map[string]string(fields)}
	return he
}

// review marks an application rozpatrywany: the approver takes it up.
// Errors: 404 not_found, 403 not_approver, 409 invalid_status.
func (s *Server) review(ctx context.Context, a *authState, id int64) (*appRow, error) {
	return s.decide(ctx, a, id, func(app *jedenlogin.Application, now time.Time) ([]jedenlogin.AuditEvent, error) {
		return applications.Review(app, actor(a), now)
	})
}

// reject marks an application odrzucony with the reason. Errors: 404,
// 403 not_approver, 409 invalid_status, 400 bad_request without a reason.
func (s *Server) reject(ctx context.Context, a *authState, id int64, reason string) (*appRow, error) {
	reason = strings.TrimSpace(reason)
	if code, ok := applications.CheckReason(reason); !ok {
		msg := s.msg("applications.reason_required")
		if code == applications.ProblemTooLong {
			msg = s.msg("applications.reason_too_long")
		}
		return nil, s.invalidForm(fieldErrors{"reason": msg})
	}
	return s.decide(ctx, a, id, func(app *jedenlogin.Application, now time.Time) ([]jedenlogin.AuditEvent, error) {
		return applications.Reject(app, reason, actor(a), now)
	})
}

// withdraw marks the signed-in applicant's application wycofany. Errors:
// 404 not_found (not theirs), 409 invalid_status.
func (s *Server) withdraw(ctx context.Context, a *authState, id int64) (*appRow, error) {
	now := s.now()
	app, err := s.st.UpdateApplication(ctx, id, func(app *jedenlogin.Application) ([]jedenlogin.AuditEvent, error) {
		evs, err := applications.Withdraw(app, a.rec.Person.ID, actor(a), now)
		if errors.Is(err, applications.ErrNotApplicant) {
			return nil, jedenlogin.ErrNotFound
		}
		return evs, err
	})
	if err != nil {
		return nil, s.applicationError(err)
	}
	return s.afterChange(ctx, app)
}

// decide runs an approver's status change (fn) on application id after
// checking that the signed-in person may decide it, and mails the
// applicant.
func (s *Server) decide(ctx context.Context, a *authState, id int64, fn func(app *jedenlogin.Application, now time.Time) ([]jedenlogin.AuditEvent, error)) (*appRow, error) {
	now := s.now()
	if err := s.mayDecide(ctx, a, id, now); err != nil {
		return nil, err
	}
	app, err := s.st.UpdateApplication(ctx, id, func(app *jedenlogin.Application) ([]jedenlogin.AuditEvent, error) {
		return fn(app, now)
	})
	if err != nil {
		return nil, s.applicationError(err)
	}
	return s.afterChange(ctx, app)
}

// mayDecide answers 404 for a missing application and 403 not_approver
// when the signed-in person may not decide it.
func (s *Server) mayDecide(ctx context.Context, a *authState, id int64, now time.Time) error {
	app, err := s.st.Application(ctx, id)
	if err != nil {
		return s.applicationError(err)
	}
	e, err := s.ruleEntity(ctx, app.EntityID)
	if err != nil {
		return s.internal(fmt.Errorf("entity of application %d: %w", id, err))
	}
	if !applications.MayDecide(a.rec, app, *e, now) {
		return s.applicationError(applications.ErrNotApprover)
	}
	return nil
}

// afterChange mails the applicant the new status and returns the
// application with its entity.
func (s *Server) afterChange(ctx context.Context, app *jedenlogin.Application) (*appRow, error) {
	e, err := s.st.Entity(ctx, app.EntityID)
	if err != nil {
		return nil, s.internal(fmt.Errorf("entity of application %d: %w", app.ID, err))
	}
	s.statusMail(ctx, app, e.Name)
	return &appRow{App: *app, Entity: *e}, nil
}

// accept accepts application id (SPEC §9, applications.Accept) after
// checking that the signed-in person may decide it: the grant lands on the
// applicant's one login, or a person and a generated login are created and
// an activation link (72 h) is mailed. Errors: 422
// identity_not_confirmed, 404, 403 not_approver, 409 invalid_status, 409
// head_conflict.
func (s *Server) accept(ctx context.Context, a *authState, id int64, identityConfirmed bool) (*appRow, error) {
	if !identityConfirmed {
		return nil, s.applicationError(applications.ErrIdentityNotConfirmed)
	}
	now := s.now()
	if err := s.mayDecide(ctx, a, id, now); err != nil {
		return nil, err
	}
	d := applications.Decision{Who: actor(a), IdentityConfirmed: true, Now: now}
	acc, err := s.st.AcceptApplication(ctx, id, func(acc *jedenlogin.Acceptance) ([]jedenlogin.AuditEvent, error) {
		return applications.Accept(acc, d)
	})
	if err != nil {
		return nil, s.applicationError(err)
	}
	app, e := acc.Application, acc.Entity
	status := s.statusMailData(app, e.Name)
	if acc.NewLogin == nil {
		s.svc.MailLater(ctx, mail.KindApplicationStatus, app.Applicant.Email, status)
		return &appRow{App: *app, Entity: e}, nil
	}
	if err := s.sendActivation(ctx, acc, status, a, now); err != nil {
		return nil, err
	}
	return &appRow{App: *app, Entity: e}, nil
}

// sendActivation creates the activation token of an account an
// acceptance created and mails, in this order, the status change and the
// activation link (PUBLIC_URL/aktywuj/TOKEN, valid 72 hours). The token
// is created after the acceptance's transaction; should that fail, the
// account still exists and "Nie pamiętasz hasła?" sets its password.
func (s *Server) sendActivation(ctx context.Context, acc *jedenlogin.Acceptance, status mail.ApplicationStatusData, a *authState, now time.Time) error {
	l := acc.NewLogin
	to := acc.Application.Applicant.Email
	secret, hash := jedenlogin.NewTokenSecret()
	tok := &jedenlogin.Token{Kind: jedenlogin.TokenActivation, Hash: hash, PersonID: l.PersonID, LoginID: l.ID,
		Data: service.Details(map[string]any{"email": to}), CreatedAt: now, ExpiresAt: now.Add(activationValidity)}
	if err := s.st.CreateToken(ctx, tok); err != nil {
		return s.internal(fmt.Errorf("activation token for %s: %w", l.Name, err))
	}
	pid := l.PersonID
	ev := jedenlogin.AuditEvent{At: now, Action: jedenlogin.AuditAccountCreated, Actor: a.login.Name, PersonID: &pid,
		Subject: l.Name, Address: a.addr, Outcome: "ok", Details: service.Details(map[string]any{
			"application_id": acc.Application.ID, "activation_expires_at": tok.ExpiresAt.UTC().Format(time.RFC3339),
		})}
	if err := s.st.AppendAudit(ctx, ev); err != nil {
		return s.internal(fmt.Errorf("audit activation of %s: %w", l.Name, err))
	}
	act := mail.ActivationData{Login: l.Name, Entity: acc.Entity.Name, Link: s.svc.Link("/aktywuj/" + secret)}
	// One job, so the activation link always arrives after the status mail.
	err := s.svc.Enqueue("mail activation", func(ctx context.Context) error {
		if err := s.svc.Deliver(ctx, mail.KindApplicationStatus, to, status); err != nil {
			s.log.ErrorContext(ctx, "status mail failed", "err", err)
		}
		return s.svc.Deliver(ctx, mail.KindActivation, to, act)
	})
	if err != nil {
		s.log.ErrorContext(ctx, "activation mail not queued", "login", l.Name, "err", err)
	}
	return nil
}
