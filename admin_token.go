package jedenlogin

import (
	"context"
	"regexp"
	"time"
)

// AdminToken is an operator-only API token: what a script sends as
// "Authorization: Bearer <token>" to the operator console's JSON API
// (/api/v1/admin/*, nothing else). It is created by an operator at the
// command line (`jedenlogin admin-token add`), shown once, and kept only as
// its hash. Its name is the actor of everything done with it
// ("token:<name>" in the audit log), so a name is never reused, not even
// after the token is revoked.
type AdminToken struct {
	Name       string
	Hash       string // hex SHA-256 of the token
	CreatedAt  time.Time
	ExpiresAt  *time.Time // nil: does not expire
	RevokedAt  *time.Time // nil: not revoked
	LastUsedAt *time.Time // nil: never used (updated at most once a minute)
}

// AdminTokenNameRE is what a token's name may be: it names the script
// ("raporty-nocne", "helpdesk.crm") and is the actor in the audit log.
var AdminTokenNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// AuditAdminToken is an operator token created (Outcome "created") or
// revoked ("revoked"); Subject "token:<name>".
const AuditAdminToken = "admin_token"

// ActiveAt reports whether the token may be used at now: not revoked and
// not expired.
func (t *AdminToken) ActiveAt(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// AdminTokenStore keeps the operator tokens.
type AdminTokenStore interface {
	// CreateAdminToken stores a new token and appends the audit events in
	// one transaction. ErrConflict when a token with the name exists, also
	// a revoked one (names are never reused), or with the hash.
	CreateAdminToken(ctx context.Context, t AdminToken, audit ...AuditEvent) error
	// AdminTokenByHash returns the token with this hash, in any state;
	// ErrNotFound when there is none.
	AdminTokenByHash(ctx context.Context, hash string) (*AdminToken, error)
	// AdminTokens returns every token, revoked ones included, by name.
	AdminTokens(ctx context.Context) ([]AdminToken, error)
	// RevokeAdminToken sets RevokedAt of the named token and appends the
	// audit events in one transaction. ErrNotFound when no token has the
	// name; ErrConflict when it is revoked already (nothing is written).
	RevokeAdminToken(ctx context.Context, name string, at time.Time, audit ...AuditEvent) error
	// TouchAdminToken sets LastUsedAt of the token with this hash to at
	// when it is unset or before at; a missing token is not an error.
	TouchAdminToken(ctx context.Context, hash string, at time.Time) error
}
