package jedenlogin

import (
	"context"
	"time"
)

// Signing algorithms of the OpenID Connect provider's keys.
const (
	AlgES256 = "ES256" // the default
	AlgRS256 = "RS256" // for clients that cannot verify ES256
)

// OIDCClient is a relying party (a module of SIO) registered by an operator
// with `jedenlogin client add`.
type OIDCClient struct {
	ID   string
	Name string
	// SecretHash is the hash of a confidential client's secret (see
	// package oidc); "" for a public client.
	SecretHash string
	// Public marks a client that cannot keep a secret (a browser or native
	// application): it authenticates with PKCE alone.
	Public bool
	// RedirectURIs and PostLogoutRedirectURIs match exactly.
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	// BackchannelLogoutURI receives logout tokens; "" for none.
	BackchannelLogoutURI string
	// SigningAlg signs the client's ID tokens: AlgES256 or AlgRS256.
	SigningAlg string
	CreatedAt  time.Time
}

// OIDCKey is a signing key of the provider. The newest key of an algorithm
// signs; older ones stay published in the JWKS until RetireAt, when every
// token they signed has expired.
type OIDCKey struct {
	ID         string
	Alg        string // AlgES256 or AlgRS256
	PrivateKey string // PKCS #8, PEM
	CreatedAt  time.Time
	// RetireAt is when the key leaves the JWKS; nil while it signs.
	RetireAt *time.Time
}

// OIDCAuthRequest is an authorization request between the authorize
// endpoint and the code exchange: what the client asked for, and once the
// person has signed in (Done), whom it is for.
type OIDCAuthRequest struct {
	ID                  string
	ClientID            string
	RedirectURI         string
	Scopes              []string
	State               string
	Nonce               string
	ResponseType        string
	ResponseMode        string
	CodeChallenge       string
	CodeChallengeMethod string
	Prompt              []string
	// MaxAge is the max_age parameter in seconds; nil when absent.
	MaxAge    *int64
	LoginHint string
	// ACRValues are the acr_values the client asked for (ACRSecondFactor
	// requires a second factor).
	ACRValues []string
	CreatedAt time.Time
	ExpiresAt time.Time

	// Set when the person's side is over: Done with the person, or Error
	// (an OAuth error code such as "access_denied") for the client.
	Done     bool
	Error    string
	PersonID int64
	LoginID  int64
	// SessionIDHash is the jedenlogin session the person signed in with.
	SessionIDHash string
	// EntityID is the entity the person acts for (scope entity); "" for none.
	EntityID string
	AuthTime time.Time
	AMR      []string

	// CodeHash is the hex SHA-256 of the code issued; "" before it is.
	CodeHash      string
	CodeExpiresAt time.Time
	// ExchangedAt is when the code was exchanged for tokens; a second
	// exchange revokes every token of the first.
	ExchangedAt *time.Time
	// ConfigVersion is the count of changes to the clients and signing
	// keys when the request was read by its code
	// (OIDCStore.OIDCAuthRequestByCode; 0 from the other reads), as
	// OIDCToken.ConfigVersion.
	ConfigVersion int64
}

// Kinds of OIDCToken.
const (
	OIDCAccessToken  = "access"
	OIDCRefreshToken = "refresh"
)

// OIDCToken is an access or refresh token. The token itself goes only to
// the client; the store keeps its hash.
type OIDCToken struct {
	IDHash   string
	Kind     string // OIDCAccessToken or OIDCRefreshToken
	ClientID string
	PersonID int64
	LoginID  int64
	Scopes   []string
	EntityID string
	AuthTime time.Time
	AMR      []string
	// FamilyID is the id of the authorization request the tokens descend
	// from: every token of one code exchange and of its refresh chain. A
	// reused code or refresh token revokes the whole family.
	FamilyID      string
	SessionIDHash string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	// UsedAt is when a refresh token was exchanged (rotated); nil before.
	UsedAt    *time.Time
	RevokedAt *time.Time
	// ConfigVersion is the count of changes to the clients and signing
	// keys when the token was read (OIDCStore.OIDCToken): the provider
	// trusts its cached clients and keys only while it is unchanged.
	ConfigVersion int64
}

// OIDCIssue is everything one token response writes, in one transaction.
type OIDCIssue struct {
	// ConsumeCode is the id of the authorization request whose code is
	// exchanged: it must not have been exchanged before (ErrOIDCReused).
	ConsumeCode string
	// RotateRefresh is the id hash of the refresh token exchanged: it
	// must be unused and not revoked (ErrOIDCReused).
	RotateRefresh string
	At            time.Time
	Tokens        []OIDCToken
	// Link, when set, records (or, for the same session and client,
	// replaces) that the client holds the person's session.
	Link  *OIDCLink
	Audit []AuditEvent
}

// OIDCStore is the persistence of the OpenID Connect provider: everything
// it knows lives in the database, so several instances serve one issuer.
//
// Methods return ErrNotFound when a requested row does not exist; other
// errors are internal unless stated.
type OIDCStore interface {
	// CreateOIDCClient stores a new client and the audit events; ErrConflict
	// when a client with its ID exists.
	CreateOIDCClient(ctx context.Context, c OIDCClient, audit ...AuditEvent) error
	// OIDCClient returns one client.
	OIDCClient(ctx context.Context, id string) (*OIDCClient, error)
	// OIDCClients returns every client by id.
	OIDCClients(ctx context.Context) ([]OIDCClient, error)
	// UpdateOIDCClient reads the client under a lock, calls fn and writes
	// back the client and the events fn returns, in one transaction; an
	// error from fn rolls back and is returned unchanged.
	UpdateOIDCClient(ctx context.Context, id string, fn func(c *OIDCClient) ([]AuditEvent, error)) error
	// DeleteOIDCClient removes a client with its authorization requests
	// and tokens and appends the audit events.
	DeleteOIDCClient(ctx context.Context, id string, audit ...AuditEvent) error

	// AddOIDCKey stores a new signing key. When retireAt is non-nil every
	// other key of its algorithm still signing gets RetireAt = retireAt
	// (a rotation). Audit events are appended in the same transaction.
	AddOIDCKey(ctx context.Context, k OIDCKey, retireAt *time.Time, audit ...AuditEvent) error
	// OIDCKeys returns the keys not retired at now (RetireAt nil or after
	// now), newest first.
	OIDCKeys(ctx context.Context, now time.Time) ([]OIDCKey, error)

	// CreateOIDCAuthRequest stores a new authorization request.
	CreateOIDCAuthRequest(ctx context.Context, r *OIDCAuthRequest) error
	// OIDCAuthRequest returns one authorization request.
	OIDCAuthRequest(ctx context.Context, id string) (*OIDCAuthRequest, error)
	// OIDCAuthRequestWithClient is OIDCAuthRequest with the request's
	// client, read together (one statement); the client is nil when it is
	// gone.
	OIDCAuthRequestWithClient(ctx context.Context, id string) (*OIDCAuthRequest, *OIDCClient, error)
	// OIDCAuthRequestByCode returns the request whose code hash is
	// codeHash, with the count of changes to clients and keys read in the
	// same statement (ConfigVersion).
	OIDCAuthRequestByCode(ctx context.Context, codeHash string) (*OIDCAuthRequest, error)
	// FinishOIDCAuthRequest records the end of the person's side: r's
	// Done, Error, PersonID, LoginID, SessionIDHash, EntityID, AuthTime
	// and AMR are written, with the audit events. ErrConflict when a code
	// was issued for the request already.
	FinishOIDCAuthRequest(ctx context.Context, r *OIDCAuthRequest, audit ...AuditEvent) error
	// SetOIDCAuthCode records the code issued for a done request.
	// ErrConflict when the request is not done or has a code already.
	SetOIDCAuthCode(ctx context.Context, id, codeHash string, expiresAt time.Time, audit ...AuditEvent) error

	// IssueOIDCTokens writes a token response (see OIDCIssue). It returns
	// ErrOIDCReused, writing nothing, when the code was exchanged or the
	// refresh token was rotated or revoked already.
	IssueOIDCTokens(ctx context.Context, iss OIDCIssue) error
	// OIDCToken returns one token by its id hash, with the count of
	// changes to the clients and keys (ConfigVersion) read in the same
	// statement.
	OIDCToken(ctx context.Context, idHash string) (*OIDCToken, error)
	// OIDCTokenWithPerson is OIDCToken with the record of the token's
	// person (as Person returns it), read together: one round trip on
	// PostgreSQL, where userinfo and refresh need both. ErrNotFound for a
	// missing token; a token whose person is gone comes with a nil record.
	OIDCTokenWithPerson(ctx context.Context, idHash string) (*OIDCToken, *PersonRecord, error)
	// RevokeOIDCToken revokes one token; a refresh token takes its whole
	// family with it. Revoking a revoked or missing token is not an error.
	RevokeOIDCToken(ctx context.Context, idHash string, at time.Time, audit ...AuditEvent) error
	// RevokeOIDCFamily revokes every token of a family and returns how many
	// it revoked.
	RevokeOIDCFamily(ctx context.Context, familyID string, at time.Time, audit ...AuditEvent) (int, error)
	// RevokeOIDCTokensOfPerson revokes every token of the person for the
	// client ("" for every client) and returns how many it revoked.
	RevokeOIDCTokensOfPerson(ctx context.Context, personID int64, clientID string, at time.Time, audit ...AuditEvent) (int, error)
	// DeleteExpiredOIDC removes authorization requests and tokens expired
	// before now, and keys retired before now.
	DeleteExpiredOIDC(ctx context.Context, now time.Time) (int, error)

	// OIDCSecret returns the provider's secret named name, storing
	// generate() first when there is none (concurrent callers, also in
	// other processes, all get the one stored).
	OIDCSecret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error)

	// OIDCLogoutStore: back-channel logout (oidc_logout.go).
	OIDCLogoutStore
}

// ErrOIDCReused: an authorization code or refresh token was presented a
// second time; the caller revokes the tokens descending from it.
var ErrOIDCReused = &Error{Code: ECONFLICT, Text: T("oidc.reused")}

// Audit actions of the OpenID Connect provider.
const (
	AuditOIDCCode       = "oidc_code"        // a code issued to a client
	AuditOIDCDenied     = "oidc_denied"      // an authorization ended with an error for the client
	AuditOIDCToken      = "oidc_token"       // tokens issued for a code
	AuditOIDCRefresh    = "oidc_refresh"     // a refresh token exchanged
	AuditOIDCReuse      = "oidc_reuse"       // a code or refresh token presented again: its family revoked
	AuditOIDCRevoked    = "oidc_revoked"     // a token revoked by its client (RFC 7009)
	AuditOIDCLogout     = "oidc_logout"      // RP-initiated logout
	AuditOIDCClient     = "oidc_client"      // a client added, changed or removed
	AuditOIDCKeyRotated = "oidc_key_rotated" // a signing key added
)

// OIDCCallbackPath is where the sign-in pages send the browser when the
// person's side of an authorization request is over (query "id"): the
// provider answers the client with a code or an error from there.
const OIDCCallbackPath = "/oidc/authorize/callback"
