package web

import "jedenlogin"

// managedGrant is a grant the signed-in approver may revoke, with its
// entity and holder, for the "Wnioski" page.
type managedGrant = jedenlogin.ManagedGrant
