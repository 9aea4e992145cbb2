package jedenlogin

import "context"

// EntityRow is a grant of a login with its entity: a line of the person's
// entity list (PODMIOTY, the profile, /me).
type EntityRow struct {
	Grant  Grant
	Entity Entity
	Valid  bool
	// NotYet: not valid yet (ValidFrom in the future).
	NotYet bool
	// Extendable: within 3 months before or after the end of validity,
	// when PRZEDŁUŻ is offered.
	Extendable bool
}

// EntityService lists the entities a login acts for, binds a session to
// one (PODMIOTY) and searches the public register of entities. Package
// service implements it (service.Entities).
type EntityService interface {
	// EntitiesOf returns the grants held by login loginID of rec with
	// their entities, sorted by entity name; expired ones with Valid
	// false. Errors: EINTERNAL only.
	EntitiesOf(ctx context.Context, rec *PersonRecord, loginID int64) ([]EntityRow, error)
	// SelectEntity binds the caller's session to the entity after checking
	// that the caller's login holds a grant valid now at it, audited.
	// Errors: EFORBIDDEN without a valid grant; EINTERNAL.
	SelectEntity(ctx context.Context, c *Caller, entityID string) error
	// SearchEntities returns up to 20 entities whose id starts with query
	// or whose name contains it. Errors: EINVALID for a query too long;
	// EINTERNAL.
	SearchEntities(ctx context.Context, query string) ([]Entity, error)
	// Entity returns one entity. Errors: ENOTFOUND; EINTERNAL.
	Entity(ctx context.Context, id string) (*Entity, error)
}
