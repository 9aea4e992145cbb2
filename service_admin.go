package jedenlogin

import (
	"context"
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

// AdminService is the operators' console and helpdesk (SPEC §10): the
// transition's progress, finding a person, the helpdesk's actions and the
// audit log. Every method refuses callers who are not operators
// (EFORBIDDEN) and audits the actions with their reasons. Package service
// implements it (service.Admin).
type AdminService interface {
	// TokenCaller returns the caller a request with an operator token
	// (Authorization: Bearer) acts as: Caller.Token set, no session, login
	// or person. Errors: EUNAUTHORIZED (keys admin_token.invalid, .expired,
	// .revoked) for a token that is not live, audited and counted against
	// the client address; CodeTooManyAttempts once the address is blocked;
	// EINTERNAL.
	TokenCaller(ctx context.Context, token, addr string) (*Caller, error)
	// Progress returns the transition's progress, read now. Errors:
	// EFORBIDDEN; EINTERNAL.
	Progress(ctx context.Context, c *Caller) (*Progress, error)
	// SearchPersons finds persons by a login, a PESEL, an e-mail address
	// or a name. Errors: EFORBIDDEN; EINVALID (Fields["q"]) for a query
	// too long; EINTERNAL.
	SearchPersons(ctx context.Context, c *Caller, q string) ([]PersonHit, error)
	// PersonDetail returns everything the helpdesk sees of a person.
	// Errors: EFORBIDDEN; ENOTFOUND; EINTERNAL.
	PersonDetail(ctx context.Context, c *Caller, id int64) (*PersonDetail, error)
	// UnblockLogin lifts the sign-in block of a login name and clears its
	// failure counter. Errors: EFORBIDDEN; EINVALID (reason); ENOTFOUND
	// when there is nothing to unblock; EINTERNAL.
	UnblockLogin(ctx context.Context, c *Caller, name, reason string) error
	// EndSessions signs the person out everywhere (the operator's own
	// session excepted) and returns how many sessions ended. Errors:
	// EFORBIDDEN; EINVALID (reason); ENOTFOUND; EINTERNAL.
	EndSessions(ctx context.Context, c *Caller, personID int64, reason string) (int, error)
	// SendRecovery mails the person a recovery link of the kind
	// (RecoverLogin, RecoverPassword) and returns the masked address.
	// Errors: EFORBIDDEN; EINVALID (reason, kind, login); ENOTFOUND;
	// ECONFLICT when the person has no address; EINTERNAL.
	SendRecovery(ctx context.Context, c *Caller, personID int64, kind, login, reason string) (string, error)
	// CorrectContact sets the person's e-mail address and/or phone on the
	// operator's word. Errors: EFORBIDDEN; EINVALID (reason, email,
	// phone); ENOTFOUND; ECONFLICT for a person without account data;
	// EINTERNAL.
	CorrectContact(ctx context.Context, c *Caller, personID int64, in ContactCorrection, reason string) error
	// AuditLog returns one page of the events matching q, newest first.
	// Errors: EFORBIDDEN; EINVALID (Fields name the bad filters);
	// EINTERNAL.
	AuditLog(ctx context.Context, c *Caller, q AuditQuery) (*AuditPage, error)
	// ExportAudit calls fn for every event matching q, newest first, and
	// audits the export. Errors: EFORBIDDEN; EINVALID; EINTERNAL; an error
	// from fn stops the export and is returned.
	ExportAudit(ctx context.Context, c *Caller, q AuditQuery, fn func(AuditEvent) error) (int, error)
}
