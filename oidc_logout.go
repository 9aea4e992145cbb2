package jedenlogin

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// OIDCSessionID is the "sid" claim of the jedenlogin session whose id hash
// is sessionIDHash: stable for the session's life, opaque, and neither the
// cookie's secret nor the store's key of the session (a relying party
// learns nothing it could present to jedenlogin).
func OIDCSessionID(sessionIDHash string) string {
	sum := sha256.Sum256([]byte("jedenlogin sid\x00" + sessionIDHash))
	return base64.RawURLEncoding.EncodeToString(sum[:18])
}

// OIDCLink records that a client holds a session of a person: written
// when a code is exchanged for tokens, so that the end of the jedenlogin
// session, or of the grant the person acts for, reaches the client
// (OpenID Connect Back-Channel Logout) even after its tokens expired.
type OIDCLink struct {
	SessionIDHash string
	ClientID      string
	PersonID      int64
	LoginID       int64
	// EntityID is the entity the client's session acts for; "" for none.
	// A later authorization of the same session (a switch of entity)
	// replaces it.
	EntityID  string
	CreatedAt time.Time
	// ExpiresAt: the link is forgotten after it (the refresh chain's end).
	ExpiresAt time.Time
}

// Reasons of an OIDCSessionEnd.
const (
	OIDCEndSignOut    = "sign_out"    // the person signed out of jedenlogin
	OIDCEndGrantEnded = "grant_ended" // the grant the session acts for was revoked or expired
)

// OIDCSessionEnd selects the client sessions that end: every link of the
// jedenlogin session SessionIDHash, or (SessionIDHash "") every link of
// PersonID acting for EntityID.
type OIDCSessionEnd struct {
	SessionIDHash string
	PersonID      int64
	EntityID      string
	Reason        string
	At            time.Time
}

// OIDCLogout is a back-channel logout waiting in the durable queue: a
// logout token for the client, naming the person (sub) and the session
// (sid), is POSTed to the client's backchannel_logout_uri until it
// answers 2xx or the attempts run out.
type OIDCLogout struct {
	// ID is the logout token's jti.
	ID        string
	ClientID  string
	PersonID  int64
	SID       string
	Reason    string
	Attempts  int // deliveries tried, the current one included once claimed
	NextAt    time.Time
	CreatedAt time.Time
}

// OIDCLogoutStore is the back-channel logout's part of OIDCStore.
type OIDCLogoutStore interface {
	// EndOIDCSessions ends the client sessions end selects, in one
	// transaction: every token of them is revoked, a logout is queued for
	// each whose client has a backchannel_logout_uri, the links are
	// deleted and the audit events appended. It returns the logouts
	// queued.
	EndOIDCSessions(ctx context.Context, end OIDCSessionEnd, audit ...AuditEvent) ([]OIDCLogout, error)
	// OIDCLinksWithEntity returns every link acting for an entity.
	OIDCLinksWithEntity(ctx context.Context) ([]OIDCLink, error)
	// ClaimOIDCLogouts takes up to limit logouts due at now for delivery:
	// each gets Attempts+1 and NextAt = now+lease, so that no other
	// instance takes it meanwhile and another does when this one dies.
	ClaimOIDCLogouts(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OIDCLogout, error)
	// FinishOIDCLogout records a delivery: next nil removes the logout
	// (delivered, or given up), otherwise it is due again at *next. The
	// audit events are appended in the same transaction.
	FinishOIDCLogout(ctx context.Context, id string, next *time.Time, audit ...AuditEvent) error
}

// AuditOIDCBackchannel: a back-channel logout delivered ("ok"), failed
// and to be retried ("retry"), or given up ("failed").
const AuditOIDCBackchannel = "oidc_backchannel"
