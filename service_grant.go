package jedenlogin

import (
	"context"
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
	// Reason is the code of one of applications.RevokeReasons (or, from a
	// form or client older than the codes, its Polish wording).
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

// GrantService is what approvers do with the grants they manage
// (revocation) and what holders do with their own (PRZEDŁUŻ). Package
// service implements it (service.Grants).
type GrantService interface {
	// ManagedGrants returns the grants c may revoke, revoked ones
	// included. Errors: EINTERNAL only.
	ManagedGrants(ctx context.Context, c *Caller) ([]ManagedGrant, error)
	// ManageableGrant returns grant id when c may revoke it. Errors:
	// ENOTFOUND for a missing or merged grant; CodeNotApprover; EINTERNAL.
	ManageableGrant(ctx context.Context, c *Caller, id int64) (*ManagedGrant, error)
	// RevocableGrant is ManageableGrant for the revocation form. Errors:
	// those of ManageableGrant, and ECONFLICT for a grant revoked already.
	RevocableGrant(ctx context.Context, c *Caller, id int64) (*ManagedGrant, error)
	// RevokeGrant revokes grant id for c with the reason. Errors: EINVALID
	// with Fields (checked first); ENOTFOUND; CodeNotApprover; ECONFLICT
	// when revoked already or when it opens nothing anyway; EINTERNAL.
	RevokeGrant(ctx context.Context, c *Caller, id int64, in RevokeInput) (*ManagedGrant, error)
	// Extension returns what PRZEDŁUŻ offers for c's grant ref. Errors:
	// ENOTFOUND when c's login holds no such grant; EINTERNAL.
	Extension(ctx context.Context, c *Caller, ref GrantRef) (*Extension, error)
	// ExtendGrant files an extension application for c's grant id asking
	// for validTo (YYYY-MM-DD; "" the default). Errors: ENOTFOUND;
	// EINVALID with Fields["valid_to"]; ECONFLICT outside the extension
	// window or with an extension pending; EINTERNAL.
	ExtendGrant(ctx context.Context, c *Caller, id int64, validTo string) (*ApplicationRow, error)
}
