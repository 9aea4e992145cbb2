package jedenlogin

import (
	"context"
	"time"
)

// Caller is who acts in a workflow: a signed-in session with its login and
// person, and the client address it came from. The faces of the system
// (pages, JSON API, OpenID Connect, console) load it from their session
// and pass it to the service, which checks what the caller may do.
type Caller struct {
	Session *Session
	// Record is the person's whole record; nil where the face loaded only
	// the session view (then Grants is set).
	Record *PersonRecord
	// Grants are the login's grants with their entities, as read with the
	// session view; nil when Record is set.
	Grants []GrantView
	Login  *Login  // the login the session is bound to (in Record when Record is set)
	Person *Person // the login's person (&Record.Person when Record is set)
	Addr   string  // the client address, for throttling and the audit log
	// Token is the operator token a script called the console's API
	// with (AdminService's TokenCaller); Session, Record, Login and Person
	// are then nil.
	Token *AdminToken
}

// Pending reports whether the person still has to go through the transition.
func (c *Caller) Pending() bool { return c.Person.State != StateDone }

// SessionEnd tells why a request has no valid session although it carried
// a session id.
type SessionEnd int

const (
	SessionNone     SessionEnd = iota // no session, or an unknown one
	SessionExpired                    // idle or absolute timeout
	SessionReplaced                   // the person consolidated: the session's login was merged
)

// LoadOptions tune what SessionService.LoadSession reads and records.
type LoadOptions struct {
	// Light reads the session, its login, the person and the login's
	// grants in one query (Store.SessionView): Caller.Record stays nil and
	// Caller.Grants is set. Otherwise the person's whole record is read.
	Light bool
	// NoTouch: the request is a status probe, not activity.
	NoTouch bool
	// Extend: the idle timeout restarts exactly now ("Przedłuż sesję"),
	// even within the touch interval (service.Service.TouchInterval) of the
	// last recorded activity.
	Extend bool
	// Addr is the client address, for Caller.Addr.
	Addr string
}

// SignInRequest is one sign-in: a login name and password from a client
// address. ReplacesIDHash is the id hash of the session the client holds,
// if any: it is ended when the new one starts (renewal).
type SignInRequest struct {
	Name, Password string
	Addr           string
	ReplacesIDHash string
}

// SignedIn is the result of a successful sign-in: the new session (its
// id, to be given to the client, and the stored session), the login and
// the person's record.
type SignedIn struct {
	SessionID string
	Session   *Session
	Login     *Login
	Record    *PersonRecord
}

// SessionService signs people in and out and loads their sessions: the
// password check with its throttling (SPEC §8), the session's timeouts and
// its renewal. Package service implements it (service.Sessions).
type SessionService interface {
	// SignIn checks a login name and password and, on success, starts a
	// new session (with its audit event, the cleared failure counter and
	// the login's last sign-in, in one transaction). Errors:
	// CodeTooManyAttempts (address or name blocked, also for the correct
	// password and for unknown names), CodeLoginMerged (a merged login's
	// correct password; Extra["unified_login"] names the replacement),
	// CodeInvalidCredentials (anything else, alike for unknown, inactive
	// and known names), EINTERNAL.
	SignIn(ctx context.Context, req SignInRequest) (*SignedIn, error)
	// LoadSession returns the valid session with the id hash idHash as a
	// Caller, or nil and the SessionEnd saying why there is none (a
	// session found invalid is deleted); the time is when the session
	// idles out. Errors: EINTERNAL only.
	LoadSession(ctx context.Context, idHash string, opt LoadOptions) (*Caller, time.Time, SessionEnd, error)
	// SignOut ends the session with the id hash idHash, if there is one,
	// audited, with back-channel logout of the modules holding it.
	// Errors: EINTERNAL only.
	SignOut(ctx context.Context, idHash, addr string) error
}
