package jedenlogin

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
