package jedenlogin

import (
	"context"
	"time"
)

// ApplicationRow is an application with its entity (an entity missing from
// the database shows its id as its name).
type ApplicationRow struct {
	App    Application
	Entity Entity
}

// ApplyInput is what an application form or request gives. The Applicant
// fields are read only for the public form; a signed-in applicant applies
// with their account data.
type ApplyInput struct {
	EntityID string
	Function string
	Scopes   []string
	ValidTo  string // YYYY-MM-DD; "" = the default (a year from today)
	Applicant
}

// ApplyForm is what the application form offers the caller.
type ApplyForm struct {
	// Account is the signed-in applicant's data the application will
	// carry; zero for the public form.
	Account Applicant
	// ValidTo is the default end of validity; MinDate and MaxDate bound
	// the one asked for.
	ValidTo, MinDate, MaxDate time.Time
}

// ApplicationView is an application as one person sees it.
type ApplicationView struct {
	ApplicationRow
	// Mine: the caller is its applicant; Decider: the caller may decide it.
	Mine, Decider bool
	// ReviewerName and DeciderName are the people behind ReviewedBy and
	// DecidedBy (first and last name; the login when unknown).
	ReviewerName, DeciderName string
}

// QueueQuery selects a page of the approver's queue: oldest first unless
// Newest; Page (from 1) counts pages from the start, or, when After is
// set, the page begins after that application id in the chosen order
// (a cursor: stable while applications are decided or filed meanwhile).
type QueueQuery struct {
	Page   int
	After  int64
	Newest bool
}

// QueuePage is one page of the approver's queue. More: there are more
// applications after this page; Next is the cursor of the next page (the
// last id on this one).
type QueuePage struct {
	Rows []ApplicationRow
	Page int
	More bool
	Next int64
}

// ApplicationService runs access applications (SPEC §9): filing (signed
// in or on the public form), the approvers' queue and decisions, and the
// applicant's withdrawal. Package service implements it
// (service.Applications).
type ApplicationService interface {
	// ApplyForm returns what the application form offers c (nil: the
	// public form). It does not fail.
	ApplyForm(c *Caller) ApplyForm
	// SubmitApplication checks and stores a new application filed by c
	// (nil: the public form, counted per client address addr) and mails
	// the applicant. Errors: EINVALID with Fields by form field;
	// CodeTooManyAttempts (RetryAfter) for too many public applications;
	// ECONFLICT when c has an open application for the function at the
	// entity already; EINTERNAL.
	SubmitApplication(ctx context.Context, c *Caller, addr string, in ApplyInput) (*ApplicationRow, error)
	// MyApplications returns c's applications, newest first. Errors:
	// EINTERNAL only.
	MyApplications(ctx context.Context, c *Caller) ([]ApplicationRow, error)
	// Application returns application id to its applicant and to those
	// who may decide it. Errors: ENOTFOUND (for anybody else too);
	// EINTERNAL.
	Application(ctx context.Context, c *Caller, id int64) (*ApplicationView, error)
	// ApplicationQueue returns one page of the open applications c may
	// decide. Errors: EINVALID (queue.bad_page) for a page out of range;
	// EINTERNAL.
	ApplicationQueue(ctx context.Context, c *Caller, q QueueQuery) (*QueuePage, error)
	// ReviewApplication takes application id up (rozpatrywany). Errors:
	// ENOTFOUND; CodeNotApprover; CodeInvalidStatus unless it is zlozony;
	// EINTERNAL.
	ReviewApplication(ctx context.Context, c *Caller, id int64) (*ApplicationRow, error)
	// RejectApplication rejects application id with the reason. Errors:
	// EINVALID with Fields["reason"] (checked first); ENOTFOUND;
	// CodeNotApprover; CodeInvalidStatus unless it is rozpatrywany;
	// EINTERNAL.
	RejectApplication(ctx context.Context, c *Caller, id int64, reason string) (*ApplicationRow, error)
	// WithdrawApplication withdraws c's own application id. Errors:
	// ENOTFOUND (also when it is not c's); CodeInvalidStatus unless it is
	// zlozony; EINTERNAL.
	WithdrawApplication(ctx context.Context, c *Caller, id int64) (*ApplicationRow, error)
	// AcceptApplication accepts application id with the applicant's
	// identity confirmed: the grant lands on the applicant's one login, or
	// a person and a generated login are created. Errors:
	// CodeIdentityNotConfirmed (checked first); ENOTFOUND;
	// CodeNotApprover; CodeInvalidStatus unless it is rozpatrywany;
	// CodeHeadConflict; ECONFLICT when an extended grant is gone;
	// EINTERNAL.
	AcceptApplication(ctx context.Context, c *Caller, id int64, identityConfirmed bool) (*ApplicationRow, error)
}
