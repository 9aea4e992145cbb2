package web

import (
	"slices"
	"time"

	"jedenlogin"
	"jedenlogin/service"
)

// managedGrant is a grant the signed-in approver may revoke, with its
// entity and holder, for the "Wnioski" page.
type managedGrant = service.ManagedGrant

// stillActsFor reports whether login loginID of rec holds a grant valid at
// now at the entity: a session acting for an entity whose grant was
// revoked or expired stops acting for it. (Used by loadSession, which
// moves to the service with the sessions.)
func stillActsFor(rec *jedenlogin.PersonRecord, loginID int64, entityID string, now time.Time) bool {
	return slices.ContainsFunc(rec.Grants, func(g jedenlogin.Grant) bool {
		return g.LoginID == loginID && g.EntityID == entityID && g.ValidAt(now)
	})
}
