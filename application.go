package jedenlogin

import (
	"fmt"
	"slices"
	"time"
)

// ApplicationStatus is the state of an access application (wniosek o
// dostęp, SPEC §9). The state machine:
//
//	zlozony ──review──► rozpatrywany ──accept──► zaakceptowany
//	   │                     └────────reject──► odrzucony
//	   └──withdraw (by the applicant)──► wycofany
//
// zaakceptowany, odrzucony and wycofany are final.
type ApplicationStatus string

// Application statuses; the values are the Polish words of SPEC §9.
const (
	ApplicationSubmitted   ApplicationStatus = "zlozony"
	ApplicationUnderReview ApplicationStatus = "rozpatrywany"
	ApplicationAccepted    ApplicationStatus = "zaakceptowany"
	ApplicationRejected    ApplicationStatus = "odrzucony"
	ApplicationWithdrawn   ApplicationStatus = "wycofany"
)

// ApplicationStatuses lists every status in the order of the state machine.
var ApplicationStatuses = []ApplicationStatus{
	ApplicationSubmitted, ApplicationUnderReview, ApplicationAccepted, ApplicationRejected, ApplicationWithdrawn,
}

// Valid reports whether s is one of the known statuses.
func (s ApplicationStatus) Valid() bool { return slices.Contains(ApplicationStatuses, s) }

// Open reports whether an application in status s still waits for a
// decision (zlozony or rozpatrywany).
func (s ApplicationStatus) Open() bool {
	return s == ApplicationSubmitted || s == ApplicationUnderReview
}

// transitions is the state machine: the statuses each status may move to.
var transitions = map[ApplicationStatus][]ApplicationStatus{
	ApplicationSubmitted:   {ApplicationUnderReview, ApplicationWithdrawn},
	ApplicationUnderReview: {ApplicationAccepted, ApplicationRejected},
}

// Audit actions of accounts created from applications, besides
// AuditApplicationChanged and AuditGrantChanged.
const (
	AuditAccountCreated   = "account_created"   // an acceptance created a login (and person); an activation link was mailed
	AuditAccountActivated = "account_activated" // the activation link set the first password
)

// ErrInvalidStatus: the application is not in a status from which the
// requested change is allowed (e.g. accepting one that is not
// rozpatrywany, withdrawing one already under review).
var ErrInvalidStatus = &Error{Code: CodeInvalidStatus, Text: T("applications.invalid_status")}

// Applicant is what an application says about the person applying: the
// application data. Account data, where they exist, are superior to it and
// are never overwritten by it.
type Applicant struct {
	FirstName  string
	SecondName string
	LastName   string
	PESEL      string
	Email      string
	Phone      string
}

// Application is an access application (wniosek o dostęp): a request for a
// grant at an entity, decided by an approver (SPEC §9). An extension
// application (PRZEDŁUŻ) names the grant it extends.
type Application struct {
	ID       int64
	Status   ApplicationStatus
	EntityID string
	Function Function
	Scopes   []string // sorted, unique
	// ValidTo is the requested end of the grant's validity (a date, UTC
	// midnight); at most five years ahead.
	ValidTo *time.Time

	// ExtendsGrantID names the grant an extension application extends;
	// nil for an application for a new grant.
	ExtendsGrantID *int64

	// ApplicantPersonID and ApplicantLoginID name the signed-in person who
	// applied; nil for the public form (someone without an account).
	ApplicantPersonID *int64
	ApplicantLoginID  *int64
	Applicant         Applicant

	// ReviewedBy and DecidedBy are the login names of the approvers who
	// marked the application rozpatrywany and who accepted or rejected it.
	ReviewedBy string
	ReviewedAt *time.Time
	DecidedBy  string
	DecidedAt  *time.Time
	// IdentityConfirmed records that the approver confirmed the
	// applicant's identity in person ("osobiste stawiennictwo").
	IdentityConfirmed bool
	// Reason is why the application was rejected.
	Reason string
	// GrantID is the grant the acceptance gave or extended.
	GrantID *int64

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Transition moves the application to status to at now. It returns an
// error wrapping ErrInvalidStatus, changing nothing, when the state machine
// does not allow the move from the current status (a final status allows
// none).
func (a *Application) Transition(to ApplicationStatus, now time.Time) error {
	if !slices.Contains(transitions[a.Status], to) {
		return fmt.Errorf("application %d: %s → %s: %w", a.ID, a.Status, to, ErrInvalidStatus)
	}
	a.Status = to
	a.UpdatedAt = now
	switch to {
	case ApplicationUnderReview:
		a.ReviewedAt = &now
	case ApplicationAccepted, ApplicationRejected:
		a.DecidedAt = &now
	}
	return nil
}

// ApplicationFilter selects applications; zero fields match everything.
// Entities and ChildrenOf together select applications at any of Entities
// or at any entity whose parent is in ChildrenOf; with Parentless also at
// entities without a parent or whose parent is not in the database (whose
// heads an operator approves until the parent is imported).
type ApplicationFilter struct {
	ApplicantPersonID *int64
	Entities          []string
	ChildrenOf        []string
	Parentless        bool
	// ExtendsGrantID selects the extension applications of one grant.
	ExtendsGrantID *int64
	Statuses       []ApplicationStatus
	// Public selects the applications filed without signing in (no
	// applicant person).
	Public bool
	// OldestFirst orders by id ascending; the default is newest first.
	// AfterID, when not 0, starts after that id in the chosen order (the
	// cursor of a queue read in pages).
	OldestFirst bool
	AfterID     int64
	Limit       int // 0 = 500
}

// HeldGrant is a grant with who holds it: for approvers' lists and for
// revocation, which must find the holder's person.
type HeldGrant struct {
	Grant     Grant
	PersonID  int64
	LoginName string
	// LoginState is the holding login's state: a grant of a login that is
	// not active (merged at the transition, inactive) opens nothing.
	LoginState LoginState
	// HolderName is the holder's first and last name: the account data, or
	// the holding login's application data when there are none yet.
	HolderName string
}

// Acceptance is what Store.AcceptApplication hands the decision function:
// the application and everything the decision depends on, read inside the
// transaction that writes the outcome, with the entity locked so two
// acceptances at one entity serialise.
type Acceptance struct {
	// Application is the application, locked; the function changes its
	// status and decision fields.
	Application *Application
	// Entity is the application's entity.
	Entity Entity
	// EntityGrants are all grants at the entity, of every holder, in any
	// state: what the head rule is checked against.
	EntityGrants []Grant
	// Person is the applicant's person when known — the signed-in
	// applicant, or the person with the application's PESEL in their
	// account data, person key or a login's application data — locked;
	// nil when unknown. The function may change it (e.g. extend a grant);
	// the store writes it back like UpdatePerson.
	Person *PersonRecord

	// Set by the decision function:

	// NewPerson, when set, is created (Person must be nil): an applicant
	// nobody knows.
	NewPerson *Person
	// NewLogin, when set, is reserved as Store.ReserveLogin does (named
	// LoginPrefix+N, never equal ignoring case to any login that ever
	// existed) for NewPerson, or for Person when NewPerson is nil, and
	// becomes that person's UnifiedLoginID. The store sets its ID, Name
	// and PersonID.
	NewLogin    *Login
	LoginPrefix string
	// NewGrant, when set, is inserted after the person's writes; LoginID 0
	// means NewLogin. The store sets its ID and Application.GrantID.
	NewGrant *Grant
}
