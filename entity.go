package jedenlogin

import (
	"slices"
	"time"
)

// Entity is a podmiot: a school, a municipal office, a kuratorium, the ministry.
type Entity struct {
	ID       string // RSPO or REGON number, as text
	Name     string
	Kind     string // e.g. "szkola", "jst", "kuratorium", "ministerstwo"; "" when unknown
	ParentID string // the entity that approves this entity's head; "" when none
}

// Function is the function a grant gives at an entity.
type Function string

// Functions.
const (
	FunctionHead       Function = "kierownik"
	FunctionActingHead Function = "po_kierownika"
	FunctionEmployee   Function = "pracownik"
)

// Valid reports whether f is one of the known functions.
func (f Function) Valid() bool {
	return f == FunctionHead || f == FunctionActingHead || f == FunctionEmployee
}

// Grant is a login's access to an entity (upoważnienie).
type Grant struct {
	ID       int64
	LoginID  int64 // the login holding the grant now
	EntityID string
	Function Function
	Scopes   []string // sorted, unique
	// ValidFrom and ValidTo are dates (UTC midnight); the grant is valid
	// through the whole ValidTo day. nil = unbounded.
	ValidFrom *time.Time
	ValidTo   *time.Time

	RevokedAt    *time.Time
	RevokeReason string

	// OriginLoginID is the login the grant was first given to; it never changes.
	OriginLoginID int64
	// MergedInto is the grant this one was merged into as a duplicate at
	// consolidation; a merged grant no longer opens anything.
	MergedInto *int64

	CreatedAt time.Time
}

// ValidAt reports whether the grant opens its entity at time t: not revoked,
// not merged, and t within [ValidFrom, end of ValidTo day].
func (g *Grant) ValidAt(t time.Time) bool {
	if g.RevokedAt != nil && !g.RevokedAt.After(t) {
		return false
	}
	if g.MergedInto != nil {
		return false
	}
	if g.ValidFrom != nil && t.Before(*g.ValidFrom) {
		return false
	}
	if g.ValidTo != nil && !t.Before(g.ValidTo.AddDate(0, 0, 1)) {
		return false
	}
	return true
}

// NormalizeScopes sorts scopes and drops empty and duplicate ones.
func NormalizeScopes(scopes []string) []string {
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
