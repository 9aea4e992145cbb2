package service

import "jedenlogin"

// Caller is who acts in a workflow: a signed-in session with its login and
// person, and the client address it came from. The faces of the system
// (pages, JSON API, OpenID Connect, console) load it from their session
// and pass it to the service, which checks what the caller may do.
type Caller struct {
	Session *jedenlogin.Session
	// Record is the person's whole record; nil where the face loaded only
	// the session view (then Grants is set).
	Record *jedenlogin.PersonRecord
	// Grants are the login's grants with their entities, as read with the
	// session view; nil when Record is set.
	Grants []jedenlogin.GrantView
	Login  *jedenlogin.Login  // the login the session is bound to (in Record when Record is set)
	Person *jedenlogin.Person // the login's person (&Record.Person when Record is set)
	Addr   string             // the client address, for throttling and the audit log
	// Token is the operator token a script called the console's API
	// with (TokenCaller); Session, Record, Login and Person are then nil.
	Token *jedenlogin.AdminToken
}

// Pending reports whether the person still has to go through the transition.
func (c *Caller) Pending() bool { return c.Person.State != jedenlogin.StateDone }
