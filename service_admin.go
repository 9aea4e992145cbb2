package jedenlogin

import (
	"time"
)

// ProgressRow is one case of the transition: persons pending and done.
type ProgressRow struct {
	Case          Case
	Pending, Done int
}

// Total is Pending + Done.
func (r ProgressRow) Total() int { return r.Pending + r.Done }

// Progress is the console's progress page: the figures of `jedenlogin
// plan` (Store.PlanSummary) and consolidations per day.
type Progress struct {
	Persons, Logins int
	Pending, Done   int
	Cases           []ProgressRow // every case, in Cases order
	// PerDay has one entry per UTC day of the last service.ProgressDays days,
	// oldest first, zero days included.
	PerDay []DayCount
}

// PersonHit is one person found by a search.
type PersonHit struct {
	Person Person
	Name   string   // first and last name the person is known by
	Logins []string // every login name, the unified one first
}

// AdminLogin is a login on the person's page.
type AdminLogin struct {
	Login      Login
	Unified    bool   // the person's one login
	Generated  bool   // the login reserved for the generate case
	MergedInto string // the login it was merged into, "" when not merged
	// Block is the sign-in failure counter of the login's name; nil when
	// none.
	Block *Throttle
	// Blocked: the name is blocked now.
	Blocked bool
}

// AdminGrant is a grant on the person's page.
type AdminGrant struct {
	Grant  Grant
	Entity Entity
	Login  string // the login that holds it
	Valid  bool   // valid now (not revoked, merged or expired)
}

// PersonDetail is the console's page of one person.
type PersonDetail struct {
	Person   Person
	Name     string
	Logins   []AdminLogin
	Grants   []AdminGrant
	Sessions []AdminSession
	// Email is where recovery links go (the account's address, else the
	// first active login's); "" when the person has none.
	Email string
	// Audit are the person's last service.AuditLimit events, newest first.
	Audit []AuditEvent
}

// AdminSession is a session on the person's page (never its id).
type AdminSession struct {
	Login                            string
	EntityID                         string
	CreatedAt, LastSeenAt, ExpiresAt time.Time
}

// Recovery kinds an operator may send.
const (
	RecoverLogin    = "login"
	RecoverPassword = "password"
)

// ContactCorrection is what an operator corrects; nil fields stay.
type ContactCorrection struct {
	Email *string
	Phone *string // "": no phone
}

// AuditQuery is the audit log viewer's filter as the operator typed it;
// "" fields match everything.
type AuditQuery struct {
	Person  string // a person's id
	Login   string // the login (or other subject) acted on
	Actor   string // who acted: a login, "operator:<login>", "system", "cli", "anonymous"
	Action  string // the event kind (Audit…)
	Outcome string
	Address string
	// From and To bound the time (Polish time): a date (2026-12-07, To
	// inclusive) or a date and time (2026-12-07T10:30).
	From, To string
	// Before is the paging cursor: only events with a smaller id.
	Before string
	Limit  int // 0: service.AuditPageSize
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Events []AuditEvent
	// Next is the cursor of the next (older) page; 0 when this is the last.
	Next int64
}
