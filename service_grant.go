package jedenlogin

import (
	"time"
)

// ManagedGrant is a grant with its holder and entity, as an approver who
// may revoke it sees it.
type ManagedGrant struct {
	Held   HeldGrant
	Entity Entity
	// Valid: opens its entity now; Revoked: revoked already. Retired: its
	// login is no longer used (merged into the unified login at the
	// transition, or inactive), so it opens nothing; Merged tells which.
	// Ended: its validity is over. Revocable: none of these — only such a
	// grant is offered COFNIJ UPOWAŻNIENIE.
	Valid, Revoked, Retired, Merged, Ended, Revocable bool
}

// RevokeInput is a revocation.
type RevokeInput struct {
	// Reason is one of applications.RevokeReasons.
	Reason string
	// Confirmed is the form's checkbox "I understand the holder will lose
	// access"; nil where the face asks no confirmation (the JSON API).
	Confirmed *bool
}

// GrantRef names one of the caller's grants: by id, or (GrantID 0) as the
// login's grant at an entity — the one that may be extended now, when
// there are several.
type GrantRef struct {
	GrantID  int64
	EntityID string
}

// Extension is what PRZEDŁUŻ offers for a grant.
type Extension struct {
	Grant  Grant
	Entity Entity
	// Extendable: an extension may be asked for now; otherwise the page
	// explains why not.
	Extendable bool
	// ValidTo is the end of validity asked for by default; MinDate and
	// MaxDate bound the one asked for.
	ValidTo, MinDate, MaxDate time.Time
}
