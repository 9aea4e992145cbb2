package jedenlogin

import (
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
