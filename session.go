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
}

// Throttle is the failure counter of one key ("login:<name>" or "addr:<ip>").
type Throttle struct {
	Key          string
	Failures     int
	WindowStart  time.Time
	BlockedUntil *time.Time
}
