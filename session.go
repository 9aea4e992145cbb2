package jedenlogin

import "time"

// Session is a signed-in browser or API client, stored server-side so any
// instance can serve it. The cookie holds a random id; the store keeps only
// its hash.
type Session struct {
	IDHash    string // hex SHA-256 of the random session id
	LoginID   int64
	PersonID  int64
	CSRFToken string
	// EntityID is the entity the user acts for; "" until chosen.
	EntityID   string
	CreatedAt  time.Time
	LastSeenAt time.Time
	// ExpiresAt is the absolute expiry (12 hours after sign-in).
	ExpiresAt time.Time
	// MFA is where the session stands with the second factor; AMR lists
	// how it was authenticated (RFC 8176: "pwd", "otp", "hwk").
	MFA MFAState
	AMR []string
}

// SessionStart is everything Store.StartSession writes when a session
// begins. After a correct password it is the whole of a sign-in, written at
// once so that no session exists without its audit event, and a failure
// counter is cleared only by a sign-in that happened; a renewal (after
// consolidation) is the new session replacing the old one.
type SessionStart struct {
	// Session is the new session.
	Session Session
	// ReplacesIDHash is the id hash of the session the new one replaces
	// (the one the request came with), deleted; "" for none.
	ReplacesIDHash string
	// ClearThrottle is the failure counter the correct password clears
	// ("login:<name>"); "" for none.
	ClearThrottle string
	// TouchLogin records the sign-in on Session.LoginID: its LastLoginAt
	// becomes Session.CreatedAt.
	TouchLogin bool
	// Audit are the events to append (IDs are set when written).
	Audit []AuditEvent
	// Forgive takes back one failure counted before the password check
	// (the address's, Store.ForgiveFailure's rule) in the same
	// transaction; a zero Forgive (Key "") takes back nothing. Its key is
	// never ClearThrottle's (the writes go as one batch, one row each).
	Forgive Forgiveness
}

// Forgiveness names the failure counter Store.ForgiveFailure would take one
// failure back from, with its arguments.
type Forgiveness struct {
	Key    string
	Now    time.Time
	Window time.Duration
	Limit  int
}

// FailureCount names a failure counter and the arguments
// Store.RecordFailure counts a failure of it with.
type FailureCount struct {
	Key    string
	Window time.Duration
	Limit  int
	Block  time.Duration
}

// AttemptCount is what Store.CountAttempt counts at Now: a failure of the
// client address's counter, then of the login name's.
type AttemptCount struct {
	Now        time.Time
	Addr, Name FailureCount
}

// AttemptCounted is what Store.CountAttempt read and counted: the two
// counters as read before counting, and for each counter counted (Counted
// flags) the counter after its failure was counted and whether that failure
// blocked it (RecordFailure's results).
type AttemptCounted struct {
	AddrBefore, NameBefore   Throttle
	AddrCounted, NameCounted bool
	Addr, Name               Throttle
	AddrBlocked, NameBlocked bool
}

// Throttle is the failure counter of one key ("login:<name>" or "addr:<ip>").
type Throttle struct {
	Key          string
	Failures     int
	WindowStart  time.Time
	BlockedUntil *time.Time
}

// SessionView is what every signed-in request needs to know, read by
// Store.SessionView in one query: the session, the login it is bound to,
// that login's person (without logins and grants), and the grants the
// login holds with their entities.
type SessionView struct {
	Session Session
	// Login is the session's login and Person its person. Both are zero
	// (ID 0) when either no longer exists or the login belongs to another
	// person than Session.PersonID: such a session is not valid.
	Login  Login
	Person Person
	// Grants are the grants Login holds, any state (revoked, merged and
	// expired ones included), with their entities, by grant id; none when
	// Login is zero.
	Grants []GrantView
}

// GrantView is a grant with the entity it opens.
type GrantView struct {
	Grant Grant
	// Entity is the grant's entity; only its ID is set when the entity
	// does not exist.
	Entity Entity
}
