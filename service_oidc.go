package jedenlogin

import "context"

// OIDCStep is what the person's side of an OpenID Connect authorization
// request needs next.
type OIDCStep int

const (
	// OIDCSignIn: show the sign-in form — no session, or the client asks
	// for a sign-in newer than the session's (prompt=login, max_age).
	OIDCSignIn OIDCStep = iota
	// OIDCConsolidate: the person must first go through the transition.
	OIDCConsolidate
	// OIDCChooseEntity: the person picks the entity on PODMIOTY.
	OIDCChooseEntity
	// OIDCNoEntity: the person holds no valid grant; the request is over
	// with access_denied and the page says why.
	OIDCNoEntity
	// OIDCFinish: the request is over (done or with an error for the
	// client); send the browser to OIDCCallbackPath.
	OIDCFinish
	// OIDCSecondFactor: the session owes its second factor (the code page).
	OIDCSecondFactor
	// OIDCEnrol: the person must enrol a second factor first (the policy
	// requires one, or the client asks for it with acr_values).
	OIDCEnrol
)

// OIDCContinuation is the next step of an authorization request.
type OIDCContinuation struct {
	Step    OIDCStep
	Request *OIDCAuthRequest
	// ClientName names the module the person signs in to.
	ClientName string
}

// OIDCService is the person's side of the OpenID Connect provider: the
// steps of an authorization request, RP-initiated logout and the logout
// of modules whose grant ended. Package service implements it
// (service.OIDC).
type OIDCService interface {
	// ContinueAuthorization decides the next step of authorization
	// request id for the browser's session c (nil: none); chosen says the
	// person has just picked the entity. Errors: EINVALID for an unknown,
	// expired or answered request; EINTERNAL.
	ContinueAuthorization(ctx context.Context, id string, c *Caller, chosen bool) (*OIDCContinuation, error)
	// LogoutTarget checks an RP-initiated logout's redirect URI against
	// the client's registered ones and returns it with state, and the
	// client's name. Errors: EINVALID (oidc.logout_invalid); EINTERNAL.
	LogoutTarget(ctx context.Context, clientID, uri, state string) (target, clientName string, err error)
	// AuditClientLogout records an RP-initiated logout the person
	// confirmed. Errors: EINTERNAL only.
	AuditClientLogout(ctx context.Context, c *Caller, clientID string) error
	// EndClientSessionsOfEndedGrants ends the client sessions acting for
	// an entity whose grant ended and returns how many it ended. Errors:
	// EINTERNAL only.
	EndClientSessionsOfEndedGrants(ctx context.Context) (int, error)
}
