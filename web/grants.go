package web

import "jedenlogin/service"

// managedGrant is a grant the signed-in approver may revoke, with its
// entity and holder, for the "Wnioski" page.
type managedGrant = service.ManagedGrant
