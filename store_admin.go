package jedenlogin

import (
	"context"
	"time"
)

// AdminStore is what the operator console reads beyond the rest of the
// Store: person search, a person's sessions, consolidations per day and
// the whole audit log in order (for its hash chain).
type AdminStore interface {
	// SearchPersons returns the ids of persons matching any of the set
	// fields of q, ascending, at most limit. Every field is an exact match
	// on an indexed column (see PersonSearch), so a search stays fast on
	// millions of logins.
	SearchPersons(ctx context.Context, q PersonSearch, limit int) ([]int64, error)
	// PersonsOutline returns the persons with these ids that exist, by id,
	// each with its logins (by id) and without grants: a search's hits in
	// two reads.
	PersonsOutline(ctx context.Context, ids []int64) ([]PersonRecord, error)
	// SessionsOfPerson returns the person's sessions, newest first.
	SessionsOfPerson(ctx context.Context, personID int64) ([]Session, error)
	// ConsolidationsPerDay counts the persons whose consolidation ended on
	// each UTC day since since (inclusive), oldest day first; days without
	// any are left out.
	ConsolidationsPerDay(ctx context.Context, since time.Time) ([]DayCount, error)
	// ForEachAudit calls fn for every audit event with an id above afterID,
	// in id order, streaming. An error from fn stops the walk and is
	// returned.
	ForEachAudit(ctx context.Context, afterID int64, fn func(AuditEvent) error) error
}

// PersonSearch is what an operator searches persons by; "" fields are not
// searched. The fields are alternatives (a person matching any is found).
type PersonSearch struct {
	// LoginFolded matches any login of the person whose name, folded
	// (loginname.Fold), equals it: a login ignoring case.
	LoginFolded string
	// PESEL matches the person's key, account or any login's PESEL.
	PESEL string
	// Emails match the account's or any login's e-mail exactly (the caller
	// passes the spellings to try).
	Emails []string
	// LastNames match any login's or the account's last name exactly (the
	// caller passes the spellings to try: as typed, Capitalised, UPPER);
	// with FirstNames only persons whose first name is one of those too.
	LastNames, FirstNames []string
}

// DayCount is a number of things on one day (UTC midnight).
type DayCount struct {
	Day time.Time
	N   int
}
