package oidc

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"jedenlogin"
)

// Lifetimes. A key replaced by a rotation stays published for
// KeyRetireAfter: longer than any ID token it signed lives.
const (
	DefaultAuthRequestLifetime = 30 * time.Minute
	DefaultCodeLifetime        = time.Minute
	DefaultAccessTokenLifetime = 10 * time.Minute
	DefaultIDTokenLifetime     = time.Hour
	DefaultRefreshLifetime     = 12 * time.Hour
	// DefaultRefreshChainLifetime ends every refresh chain 12 hours after
	// the sign-in it descends from, as jedenlogin's own session ends
	// (service.DefaultAbsoluteTimeout): rotating does not make it longer.
	DefaultRefreshChainLifetime = 12 * time.Hour
	KeyRetireAfter              = DefaultIDTokenLifetime + 10*time.Minute
)

// ScopeEntity asks for the entity the person acts for (SPEC §10).
const ScopeEntity = "entity"

// Config configures the provider.
type Config struct {
	// Issuer is the public URL (serve's --public-url); the endpoints are
	// under Issuer + "/oidc/", discovery at the well-known path.
	Issuer string
	Store  jedenlogin.Store
	Logger *slog.Logger
	// SignInURL is where the authorize endpoint sends the browser, the
	// request's id appended ("/logowanie?oidc=" by default).
	SignInURL string
	// EndSession ends the browser's jedenlogin session (RP-initiated
	// logout): web.Server.EndSession.
	EndSession func(w http.ResponseWriter, r *http.Request) error
	// Middleware wraps the provider's own endpoints, e.g. with web's
	// security headers and metrics (web.Server.Wrap); nil: none.
	Middleware func(http.Handler) http.Handler
	// AllowInsecure permits an http:// issuer (tests, local runs).
	AllowInsecure bool
	// Now is the clock of codes, requests and tokens (tests move it).
	Now func() time.Time
	// LogoutPoll is how often DeliverLogouts looks into the queue
	// (DefaultLogoutPoll by default).
	LogoutPoll time.Duration
	// LogoutClient posts back-channel logouts; nil: a client that follows
	// no redirects.
	LogoutClient *http.Client

	AuthRequestLifetime, CodeLifetime, AccessTokenLifetime, IDTokenLifetime, RefreshLifetime time.Duration
	// RefreshChainLifetime is the longest a refresh chain lives after the
	// sign-in (auth_time), however often it is rotated.
	RefreshChainLifetime time.Duration
}

// Provider is the OpenID Connect provider.
type Provider struct {
	cfg          Config
	logoutClient *http.Client
	op           *op.Provider
	st           *storage
	keys         *keyring
}

// endpoint paths, relative to the issuer.
const (
	pathAuthorize  = "oidc/authorize"
	pathToken      = "oidc/token"
	pathUserinfo   = "oidc/userinfo"
	pathRevoke     = "oidc/revoke"
	pathEndSession = "oidc/end_session"
	pathKeys       = "oidc/keys"
	pathIntrospect = "oidc/introspect"
)

// New returns a provider on cfg.Store. It reads (or, in a fresh database,
// creates) the shared key that encrypts opaque access tokens and codes.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("oidc: no issuer")
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.SignInURL == "" {
		cfg.SignInURL = "/logowanie?oidc="
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.AuthRequestLifetime, DefaultAuthRequestLifetime)
	def(&cfg.CodeLifetime, DefaultCodeLifetime)
	def(&cfg.AccessTokenLifetime, DefaultAccessTokenLifetime)
	def(&cfg.IDTokenLifetime, DefaultIDTokenLifetime)
	def(&cfg.RefreshLifetime, DefaultRefreshLifetime)
	def(&cfg.LogoutPoll, DefaultLogoutPoll)
	def(&cfg.RefreshChainLifetime, DefaultRefreshChainLifetime)

	secret, err := cfg.Store.OIDCSecret(ctx, "token-key", func() ([]byte, error) {
		b := make([]byte, 32)
		_, err := rand.Read(b)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("oidc: token key: %w", err)
	}
	if len(secret) != 32 {
		return nil, fmt.Errorf("oidc: token key has %d bytes, want 32", len(secret))
	}
	p := &Provider{cfg: cfg, logoutClient: cfg.LogoutClient}
	if p.logoutClient == nil {
		// A logout token goes to the registered URI only, never where a
		// redirect points.
		p.logoutClient = &http.Client{Timeout: logoutTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	p.keys = &keyring{st: cfg.Store, now: cfg.Now}
	p.st = &storage{p: p, st: cfg.Store, clients: newClientCache()}
	opCfg := &op.Config{
		CryptoKey:                [32]byte(secret),
		DefaultLogoutRedirectURI: "/logowanie?wylogowano",
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		SupportedUILocales:       []language.Tag{language.Polish},
		SupportedScopes:          []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopePhone, oidc.ScopeOfflineAccess, ScopeEntity},
		SupportedClaims: []string{"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "amr", "azp", "at_hash", "c_hash",
			"sid", "preferred_username", "given_name", "family_name", "email", "email_verified", "phone_number", "entity", "entities"},
	}
	opts := []op.Option{
		op.WithCustomAuthEndpoint(op.NewEndpoint(pathAuthorize)),
		op.WithCustomTokenEndpoint(op.NewEndpoint(pathToken)),
		op.WithCustomUserinfoEndpoint(op.NewEndpoint(pathUserinfo)),
		op.WithCustomRevocationEndpoint(op.NewEndpoint(pathRevoke)),
		op.WithCustomEndSessionEndpoint(op.NewEndpoint(pathEndSession)),
		op.WithCustomKeysEndpoint(op.NewEndpoint(pathKeys)),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint(pathIntrospect)),
	}
	if cfg.AllowInsecure {
		opts = append(opts, op.WithAllowInsecure())
	}
	p.op, err = op.NewProvider(opCfg, p.st, op.StaticIssuer(cfg.Issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("oidc: %w", err)
	}
	return p, nil
}

// Issuer returns the issuer URL.
func (p *Provider) Issuer() string { return p.cfg.Issuer }

// Handler serves the provider's endpoints (discovery and everything under
// /oidc/) and passes every other request to next (web's handler).
func (p *Provider) Handler(next http.Handler) http.Handler {
	own := http.NewServeMux()
	own.HandleFunc(oidc.DiscoveryEndpoint, p.discovery)
	own.Handle("/oidc/", p.op)
	// One pattern per endpoint: the metrics' route label.
	for _, path := range []string{pathUserinfo, pathRevoke, pathKeys, pathIntrospect} {
		own.Handle("/"+path, p.op)
	}
	own.HandleFunc("/"+pathAuthorize, func(w http.ResponseWriter, r *http.Request) {
		// op asks for the client to validate the request, and
		// CreateAuthRequest needs it again: one read.
		p.op.ServeHTTP(w, r.WithContext(withMemo(r.Context())))
	})
	own.HandleFunc(jedenlogin.OIDCCallbackPath, p.callback)
	own.HandleFunc("/"+pathToken, func(w http.ResponseWriter, r *http.Request) {
		p.op.ServeHTTP(w, r.WithContext(withClientID(r)))
	})
	own.HandleFunc("/"+pathEndSession, p.endSession)
	var h http.Handler = own
	if p.cfg.Middleware != nil {
		h = p.cfg.Middleware(own)
	}
	mux := http.NewServeMux()
	mux.Handle("/", next)
	mux.Handle(oidc.DiscoveryEndpoint, h)
	mux.Handle("/oidc/", h)
	return mux
}

// discovery is op's document with what this provider really does: the
// code flow only (op lists the implicit and JWT grants it could do).
func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	ctx := op.ContextWithIssuer(r.Context(), p.cfg.Issuer)
	d := op.CreateDiscoveryConfig(ctx, p.op, p.st)
	d.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	d.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
	d.ResponseModesSupported = []string{"query"}
	d.RequestObjectSigningAlgValuesSupported = nil
	d.BackChannelLogoutSupported, d.BackChannelLogoutSessionSupported = true, true
	op.Discover(w, d)
}

// callback answers the client when the person's side of a request is
// over: with a code (op.AuthorizeCallback), or with the error the pages
// recorded (access_denied, login_required, …).
func (p *Provider) callback(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	req, c, err := p.cfg.Store.OIDCAuthRequestWithClient(r.Context(), id)
	if err != nil || req.Error == "" {
		ctx := r.Context()
		if err == nil {
			// op reads the request again by id (AuthRequestByID), and
			// SaveAuthCode once more: both take this read; and the
			// client, read with it, serves op's answer.
			ctx = context.WithValue(ctx, authReqMemoKey{}, req)
			// (A client that is gone is read again, and op hears so.)
			ctx = context.WithValue(ctx, clientMemoKey{}, newClientMemo(c))
		}
		op.AuthorizeCallback(w, r.WithContext(ctx), p.op)
		return
	}
	op.AuthRequestError(w, r, &authRequest{req}, errorOfCode(req.Error), p.op)
}

// errorOfCode returns the OAuth error for a code the pages recorded.
func errorOfCode(code string) *oidc.Error {
	e := oidc.ErrAccessDenied()
	switch code {
	case "login_required":
		e = oidc.ErrLoginRequired()
	case "interaction_required":
		e = oidc.ErrInteractionRequired()
	case "account_selection_required":
		e.ErrorType = "account_selection_required"
	}
	return e
}

type clientIDKey struct{}

// withClientID puts the token request's client id in the context: the
// signing key depends on the client (its SigningAlg), and op asks the
// storage for the key with the context alone.
func withClientID(r *http.Request) context.Context {
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	ctx := context.WithValue(r.Context(), clientIDKey{}, id)
	grant := oidc.GrantType(r.PostFormValue("grant_type"))
	m := newClientMemo(nil)
	if m.cacheable = grant == oidc.GrantTypeRefreshToken || grant == oidc.GrantTypeCode; m.cacheable {
		m.secret = secret
	}
	return context.WithValue(ctx, clientMemoKey{}, m)
}

type clientMemoKey struct{}

// withMemo gives a request other than the token endpoint's a clientMemo:
// the client read once serves the whole request.
func withMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, clientMemoKey{}, newClientMemo(nil))
}

// newClientMemo is a clientMemo holding c (nil: none read yet), no count
// known.
func newClientMemo(c *jedenlogin.OIDCClient) *clientMemo {
	return &clientMemo{c: c, cachedAt: -1, version: -1, seen: -1}
}

// authReqMemoKey holds the *jedenlogin.OIDCAuthRequest the callback read
// (see storage.authRequest).
type authReqMemoKey struct{}

// clientMemo keeps the client read once during one token request: op asks
// for it three times (client, secret, signing key).
//
// A refresh_token or authorization_code grant may take the client from
// the provider's cache (cache.go) instead: the refresh token's or the
// code's own read brings the count of changes to clients and keys
// (jedenlogin.OIDCToken.ConfigVersion, OIDCAuthRequest.ConfigVersion),
// and TokenRequestByRefreshToken or AuthRequestByCode accepts the cached
// client only when it was cached at that very count; otherwise it reads
// the client again and authenticates the request again against it
// (confirmClient). So a removed client or a rotated secret counts at
// once, cached or not. Other grants read the client as before.
type clientMemo struct {
	c *jedenlogin.OIDCClient
	// cacheable: the request is a refresh_token or authorization_code
	// grant, whose token or code read confirms a cached client.
	cacheable bool
	// cachedAt is the count c was cached at (-1: c was read from the
	// database in this request, before the count was known).
	cachedAt int64
	// version is the refresh token's or code's ConfigVersion once
	// TokenRequestByRefreshToken or AuthRequestByCode confirmed c
	// against it; -1 before.
	version int64
	// secret is the client secret the request presented (cacheable
	// grants only; kept in memory for this request, never logged), for
	// confirmClient.
	secret string
	// uncached: the cached copy failed the secret; read the database.
	uncached bool
	// seen is the code's ConfigVersion when AuthRequestByCode read the
	// code before anything asked for the client (op's order for the
	// authorization_code grant); -1 otherwise.
	seen int64
}

type httpKey struct{}

// httpExchange gives the end-session storage call the browser's request
// and response: ending the jedenlogin session clears its cookie.
type httpExchange struct {
	w http.ResponseWriter
	r *http.Request
}

// client is a jedenlogin.OIDCClient as op.Client.
type client struct {
	c   *jedenlogin.OIDCClient
	cfg *Config
}

func (c *client) GetID() string                    { return c.c.ID }
func (c *client) RedirectURIs() []string           { return c.c.RedirectURIs }
func (c *client) PostLogoutRedirectURIs() []string { return c.c.PostLogoutRedirectURIs }
func (c *client) ApplicationType() op.ApplicationType {
	if c.c.Public {
		return op.ApplicationTypeUserAgent
	}
	return op.ApplicationTypeWeb
}
func (c *client) AuthMethod() oidc.AuthMethod {
	if c.c.Public {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}
func (c *client) LoginURL(id string) string            { return c.cfg.SignInURL + url.QueryEscape(id) }
func (c *client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration       { return c.cfg.IDTokenLifetime }
func (c *client) DevMode() bool                        { return false }
func (c *client) IsScopeAllowed(scope string) bool     { return scope == ScopeEntity }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// NewClientSecret returns a new client secret (256 random bits,
// base64url) and the hash the store keeps of it.
func NewClientSecret() (secret, hash string) {
	secret = randomID()
	return secret, HashSecret(secret)
}

// HashSecret is how the store keeps client secrets, codes and tokens:
// hex SHA-256. All of them are 256 random bits, beyond guessing, so a
// fast hash is enough and a database leak still reveals none of them.
func HashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// secretMatches compares a presented secret with the stored hash in
// constant time.
func secretMatches(secret, hash string) bool {
	return hash != "" && subtle.ConstantTimeCompare([]byte(HashSecret(secret)), []byte(hash)) == 1
}

// randomID returns 32 random bytes, base64url (43 characters).
func randomID() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("oidc: crypto/rand failed: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// ConfirmLogoutPath is jedenlogin's page asking the person to confirm an
// RP-initiated logout that came without id_token_hint (OpenID Connect
// RP-Initiated Logout 1.0 §2: without the hint the provider should ask, as
// anyone could have sent the browser there). The request's parameters
// follow in the query.
const ConfirmLogoutPath = "/wyloguj-z-aplikacji"

// endSession is the end_session endpoint: with id_token_hint op ends the
// session; without it the browser goes to the confirmation page first.
func (p *Provider) endSession(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "invalid_request", http.StatusBadRequest)
		return
	}
	if r.Form.Get("id_token_hint") == "" {
		http.Redirect(w, r, ConfirmLogoutPath+"?"+r.Form.Encode(), http.StatusSeeOther)
		return
	}
	p.op.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), httpKey{}, &httpExchange{w: w, r: r})))
}
