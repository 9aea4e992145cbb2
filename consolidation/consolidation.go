package consolidation

// STUB: owned by the loginname/consolidation helper; replace entirely (keep the signatures).

import (
	"time"

	"jedenlogin"
)

// Classify returns the case of a person with these logins (SPEC §6); only
// active logins count.
func Classify(logins []jedenlogin.Login) jedenlogin.Case { panic("not implemented") }

// Candidates returns the names of the active unified logins the person may
// choose, sorted; empty unless the case is choose or choose_uppercase.
func Candidates(rec *jedenlogin.PersonRecord) []string { panic("not implemented") }

// AccountSource returns the active login whose application data become the
// account data: latest AcceptedAt, ties won by preferID.
func AccountSource(rec *jedenlogin.PersonRecord, preferID int64) *jedenlogin.Login {
	panic("not implemented")
}

// CompleteUnchanged marks an unchanged person done at import: account data
// from their one login, UnifiedLoginID set, State done.
func CompleteUnchanged(rec *jedenlogin.PersonRecord, now time.Time) error { panic("not implemented") }

// Confirm performs the consolidation on rec in memory (the caller persists
// it in one transaction via Store.UpdatePerson): unifiedName must be a
// candidate (choose cases) or the reserved generated login (generate; it
// becomes active with passwordHash). Returns ErrAlreadyConsolidated when the
// person is done, *jedenlogin.Error{Code: EFORBIDDEN} (see ErrNotEligible) for
// a login that may not be chosen.
func Confirm(rec *jedenlogin.PersonRecord, unifiedName, passwordHash string, now time.Time) (*jedenlogin.AuditEvent, error) {
	panic("not implemented")
}

// PlanRow is one line of `jedenlogin plan --format json`.
type PlanRow struct {
	PersonID       int64    `json:"person_id"`
	PersonKey      string   `json:"person_key"`
	Case           string   `json:"case"`
	State          string   `json:"state"`
	Logins         []string `json:"logins"`
	ActiveLogins   []string `json:"active_logins"`
	Candidates     []string `json:"candidates"`
	GeneratedLogin string   `json:"generated_login,omitempty"`
	UnifiedLogin   string   `json:"unified_login,omitempty"`
	Entities       []string `json:"entities"`
}

// Row returns the plan row of a person.
func Row(rec *jedenlogin.PersonRecord) PlanRow { panic("not implemented") }

// Violation is one broken invariant found by Verifier.
type Violation struct {
	PersonID int64
	Message  string
}

// Verifier checks the invariants of SPEC §11 over all persons, fed one
// record at a time.
type Verifier struct{}

// NewVerifier returns an empty verifier.
func NewVerifier() *Verifier { panic("not implemented") }

// Add checks one person and remembers what cross-person checks need.
func (v *Verifier) Add(rec *jedenlogin.PersonRecord) { panic("not implemented") }

// Finish runs the cross-person checks and returns every violation found.
func (v *Verifier) Finish() []Violation { panic("not implemented") }
