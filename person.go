package jedenlogin

import (
	"strings"
	"time"
)

// Case is the consolidation case a person falls in (SPEC §6).
type Case string

// The five consolidation cases.
const (
	CaseUnchanged       Case = "unchanged"        // exactly one active login, uppercase
	CaseChoose          Case = "choose"           // two or more active logins, all uppercase
	CaseChooseUppercase Case = "choose_uppercase" // active uppercase and active non-uppercase logins
	CaseGenerate        Case = "generate"         // active logins, none uppercase
	CaseNoActiveLogin   Case = "no_active_login"  // no active login
)

// Cases lists every case in the order reports show them.
var Cases = []Case{CaseUnchanged, CaseChoose, CaseChooseUppercase, CaseGenerate, CaseNoActiveLogin}

// PersonState tells whether the person has moved to one login.
type PersonState string

// Person states.
const (
	StatePending PersonState = "pending"
	StateDone    PersonState = "done"
)

// Grouping tells how a person's logins were recognised as one person (SPEC §5).
type Grouping string

// Groupings, reflected in the person key prefix.
const (
	GroupedByPESEL Grouping = "pesel" // key "pesel:<11 digits>"
	GroupedByEmail Grouping = "email" // key "email:<normalised e-mail>|<normalised first+last name>"
	GroupedByLogin Grouping = "login" // key "login:<login name>": the login stands alone
)

// Person is a human. Before consolidation a person is a group of legacy
// logins; consolidation gives the person one unified login and account data.
type Person struct {
	ID    int64
	Key   string // "pesel:…", "email:…" or "login:…"; unique
	Case  Case
	State PersonState

	// UnifiedLoginID is the person's one login once State is StateDone.
	UnifiedLoginID *int64
	// GeneratedLoginID is the login reserved for a CaseGenerate person.
	GeneratedLoginID *int64
	// Account holds the account data ("uniwersalne dane konta"); nil until
	// consolidation creates it. It is superior to application data.
	Account *AccountData

	Operator       bool // may use the operator console and CLI-only actions
	ConsolidatedAt *time.Time
	CreatedAt      time.Time
}

// Grouping returns how the person was grouped, from the key's prefix.
func (p *Person) Grouping() Grouping {
	prefix, _, _ := strings.Cut(p.Key, ":")
	return Grouping(prefix)
}

// AccountData is the person's own data: created at consolidation from the
// latest accepted application, afterwards changed only by the person.
type AccountData struct {
	FirstName  string
	SecondName string
	LastName   string
	PESEL      string
	Email      string
	Phone      string
}

// PersonRecord is a person with all their logins (any state) and all grants
// held by or originating from those logins. Stores load and save it as a
// unit; domain rules work on it.
type PersonRecord struct {
	Person Person
	Logins []Login
	Grants []Grant
}

// Login returns a pointer to the record's login with the given id, or nil.
func (r *PersonRecord) Login(id int64) *Login {
	for i := range r.Logins {
		if r.Logins[i].ID == id {
			return &r.Logins[i]
		}
	}
	return nil
}

// LoginByName returns a pointer to the record's login with exactly this name, or nil.
func (r *PersonRecord) LoginByName(name string) *Login {
	for i := range r.Logins {
		if r.Logins[i].Name == name {
			return &r.Logins[i]
		}
	}
	return nil
}
