package oidc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"jedenlogin"
)

// storage is op.Storage over jedenlogin.Store.
type storage struct {
	p  *Provider
	st jedenlogin.Store
	// clients: the refresh_token grant's cache (cache.go).
	clients *clientCache
}

var (
	_ op.Storage                        = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest      = (*storage)(nil)
	_ op.CanTerminateSessionFromRequest = (*storage)(nil)
)

func (s *storage) now() time.Time { return s.p.cfg.Now().UTC() }

// authRequest is a jedenlogin.OIDCAuthRequest as op.AuthRequest.
type authRequest struct{ r *jedenlogin.OIDCAuthRequest }

func (a *authRequest) GetID() string          { return a.r.ID }
func (a *authRequest) GetACR() string         { return jedenlogin.ACR(a.r.AMR) }
func (a *authRequest) GetAMR() []string       { return a.r.AMR }
func (a *authRequest) GetAudience() []string  { return []string{a.r.ClientID} }
func (a *authRequest) GetAuthTime() time.Time { return a.r.AuthTime }
func (a *authRequest) GetClientID() string    { return a.r.ClientID }
func (a *authRequest) GetNonce() string       { return a.r.Nonce }
func (a *authRequest) GetRedirectURI() string { return a.r.RedirectURI }
func (a *authRequest) GetScopes() []string    { return a.r.Scopes }
func (a *authRequest) GetState() string       { return a.r.State }
func (a *authRequest) GetSubject() string     { return subject(a.r.PersonID) }
func (a *authRequest) Done() bool             { return a.r.Done && a.r.Error == "" }
func (a *authRequest) GetResponseType() oidc.ResponseType {
	return oidc.ResponseType(a.r.ResponseType)
}
func (a *authRequest) GetResponseMode() oidc.ResponseMode {
	return oidc.ResponseMode(a.r.ResponseMode)
}
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.r.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.r.CodeChallenge, Method: oidc.CodeChallengeMethod(a.r.CodeChallengeMethod)}
}

// refreshRequest is a refresh token as op.RefreshTokenRequest.
type refreshRequest struct {
	t      *jedenlogin.OIDCToken
	scopes []string
	// claims were read when the token was checked; the ID token of the
	// same request reuses them unless the scopes narrowed.
	claims *personClaims
}

func (r *refreshRequest) GetAMR() []string            { return r.t.AMR }
func (r *refreshRequest) GetAudience() []string       { return []string{r.t.ClientID} }
func (r *refreshRequest) GetAuthTime() time.Time      { return r.t.AuthTime }
func (r *refreshRequest) GetClientID() string         { return r.t.ClientID }
func (r *refreshRequest) GetScopes() []string         { return r.scopes }
func (r *refreshRequest) GetSubject() string          { return subject(r.t.PersonID) }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.scopes = s }

// subject is the sub claim: the person's stable id, never a login name.
func subject(personID int64) string { return strconv.FormatInt(personID, 10) }

func (s *storage) Health(ctx context.Context) error { return nil }

// GetClientByClientID returns the client; an unknown one is invalid_client.
func (s *storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.client(ctx, id)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return nil, oidc.ErrInvalidClient().WithDescription("unknown client")
	} else if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return &client{c: c, cfg: &s.p.cfg}, nil
}

// AuthorizeClientIDSecret checks a confidential client's secret.
func (s *storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	c, err := s.client(ctx, id)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return oidc.ErrInvalidClient().WithDescription("unknown client")
	} else if err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	if c.Public || !secretMatches(secret, c.SecretHash) {
		if m, _ := ctx.Value(clientMemoKey{}).(*clientMemo); m != nil && m.cachedAt >= 0 {
			// The cached copy may hold a secret rotated since: ask the
			// database once.
			s.clients.drop(id)
			m.c, m.uncached = nil, true
			return s.AuthorizeClientIDSecret(ctx, id, secret)
		}
		return oidc.ErrInvalidClient().WithDescription("client authentication failed")
	}
	return nil
}

// CreateAuthRequest stores a validated authorization request. PKCE: a
// public client must send an S256 challenge; plain is refused for all.
func (s *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	c, err := s.client(ctx, req.ClientID) // as op's validation read it in this request
	if err != nil {
		return nil, oidc.ErrInvalidClient().WithParent(err)
	}
	if req.CodeChallenge != "" && req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	if c.Public && req.CodeChallenge == "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE (code_challenge with S256) is required for public clients")
	}
	if !slices.Contains(req.Scopes, oidc.ScopeOpenID) {
		return nil, oidc.ErrInvalidScope().WithDescription("scope openid is required")
	}
	now := s.now()
	r := &jedenlogin.OIDCAuthRequest{
		ID: randomID(), ClientID: req.ClientID, RedirectURI: req.RedirectURI, Scopes: req.Scopes,
		State: req.State, Nonce: req.Nonce, ResponseType: string(req.ResponseType), ResponseMode: string(req.ResponseMode),
		CodeChallenge: req.CodeChallenge, CodeChallengeMethod: string(req.CodeChallengeMethod),
		Prompt: req.Prompt, LoginHint: req.LoginHint, ACRValues: req.ACRValues, CreatedAt: now, ExpiresAt: now.Add(s.p.cfg.AuthRequestLifetime),
	}
	if req.MaxAge != nil {
		m := int64(*req.MaxAge)
		r.MaxAge = &m
	}
	if err := s.st.CreateOIDCAuthRequest(ctx, r); err != nil {
		return nil, err
	}
	return &authRequest{r}, nil
}

// AuthRequestByID returns a request that has not expired.
func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	r, err := s.authRequest(ctx, id)
	if err != nil {
		return nil, oidc.ErrInvalidRequest().WithDescription("unknown authorization request").WithParent(err)
	}
	if !s.now().Before(r.ExpiresAt) {
		return nil, oidc.ErrInvalidRequest().WithDescription("authorization request expired")
	}
	return &authRequest{r}, nil
}

// AuthRequestByCode returns the request of a code not yet exchanged and
// not expired. A code exchanged before revokes every token issued for it
// (RFC 6749 §4.1.2).
func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := s.st.OIDCAuthRequestByCode(ctx, HashSecret(code))
	if err != nil {
		return nil, err
	}
	if r.ExchangedAt != nil {
		s.revokeFamily(ctx, r.ID, r.ClientID, r.PersonID, "code")
		return nil, errors.New("code used before")
	}
	if !s.now().Before(r.CodeExpiresAt) {
		return nil, errors.New("code expired")
	}
	if m, _ := ctx.Value(clientMemoKey{}).(*clientMemo); m != nil && m.cacheable && m.c == nil {
		// op reads the code before the client: client confirms the
		// client against this count when op asks for it.
		m.seen = r.ConfigVersion
	} else if err := s.confirmClient(ctx, r.ConfigVersion); err != nil {
		return nil, err
	}
	return &authRequest{r}, nil
}

// revokeFamily revokes every token descending from a reused code or
// refresh token and audits the reuse. A failure is logged: the request
// fails anyway.
func (s *storage) revokeFamily(ctx context.Context, family, clientID string, personID int64, what string) {
	ev := jedenlogin.AuditEvent{At: s.now(), Action: jedenlogin.AuditOIDCReuse, Actor: "client:" + clientID, PersonID: &personID,
		Subject: "client:" + clientID, Outcome: "revoked", Details: fmt.Sprintf(`{"reused":%q}`, what)}
	if _, err := s.st.RevokeOIDCFamily(ctx, family, s.now(), ev); err != nil {
		s.p.cfg.Logger.ErrorContext(ctx, "oidc: revoke reused family", "err", err, "client", clientID)
	}
}

// SaveAuthCode stores the hash of the code issued for a done request.
func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	r, err := s.authRequest(ctx, id)
	if err != nil {
		return err
	}
	ev := jedenlogin.AuditEvent{At: s.now(), Action: jedenlogin.AuditOIDCCode, Actor: "client:" + r.ClientID, PersonID: &r.PersonID,
		Subject: "client:" + r.ClientID, Outcome: "ok", Details: entityDetails(r.EntityID)}
	return s.st.SetOIDCAuthCode(ctx, id, HashSecret(code), s.now().Add(s.p.cfg.CodeLifetime), ev)
}

// authRequest reads request id, or takes the read the callback made in
// this very request (Provider.callback): the store's conditional update
// (SetOIDCAuthCode: done, no error, no code yet) decides, not the read.
func (s *storage) authRequest(ctx context.Context, id string) (*jedenlogin.OIDCAuthRequest, error) {
	if r, _ := ctx.Value(authReqMemoKey{}).(*jedenlogin.OIDCAuthRequest); r != nil && r.ID == id {
		return r, nil
	}
	return s.st.OIDCAuthRequest(ctx, id)
}

func entityDetails(entityID string) string {
	if entityID == "" {
		return ""
	}
	return fmt.Sprintf(`{"entity":%q}`, entityID)
}

// DeleteAuthRequest keeps the request: a code presented again must find
// it to revoke the tokens (the store removes it when it expires).
func (s *storage) DeleteAuthRequest(context.Context, string) error { return nil }

// CreateAccessToken issues an access token for a code (no refresh token
// asked for).
func (s *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	id, _, exp, err := s.issue(ctx, req, "", false)
	return id, exp, err
}

// CreateAccessAndRefreshTokens issues an access and a refresh token for a
// code, or rotates a refresh token.
func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	return s.issue(ctx, req, current, true)
}

func (s *storage) issue(ctx context.Context, req op.TokenRequest, currentRefresh string, withRefresh bool) (accessID, refresh string, exp time.Time, err error) {
	now := s.now()
	var (
		base jedenlogin.OIDCToken
		iss  = jedenlogin.OIDCIssue{At: now}
		ev   = jedenlogin.AuditEvent{At: now, Outcome: "ok"}
	)
	switch r := req.(type) {
	case *authRequest:
		base = jedenlogin.OIDCToken{ClientID: r.r.ClientID, PersonID: r.r.PersonID, LoginID: r.r.LoginID, Scopes: r.r.Scopes,
			EntityID: r.r.EntityID, AuthTime: r.r.AuthTime, AMR: r.r.AMR, FamilyID: r.r.ID, SessionIDHash: r.r.SessionIDHash}
		iss.ConsumeCode = r.r.ID
		ev.Action = jedenlogin.AuditOIDCToken
		if r.r.SessionIDHash != "" {
			// The client now holds the session: its end reaches the client.
			iss.Link = &jedenlogin.OIDCLink{SessionIDHash: r.r.SessionIDHash, ClientID: r.r.ClientID, PersonID: r.r.PersonID,
				LoginID: r.r.LoginID, EntityID: r.r.EntityID, CreatedAt: now, ExpiresAt: s.chainEnd(r.r.AuthTime, now)}
			if idEnd := now.Add(s.p.cfg.IDTokenLifetime); iss.Link.ExpiresAt.Before(idEnd) {
				iss.Link.ExpiresAt = idEnd // the client's session lives at least as long as its ID token
			}
		}
	case *refreshRequest:
		base = *r.t
		base.Scopes = r.scopes
		iss.RotateRefresh = r.t.IDHash
		ev.Action = jedenlogin.AuditOIDCRefresh
	default:
		return "", "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
	base.CreatedAt, base.UsedAt, base.RevokedAt = now, nil, nil
	accessID = randomID()
	access := base
	access.IDHash, access.Kind, access.ExpiresAt = HashSecret(accessID), jedenlogin.OIDCAccessToken, now.Add(s.p.cfg.AccessTokenLifetime)
	iss.Tokens = append(iss.Tokens, access)
	if withRefresh {
		refresh = randomID()
		rt := base
		rt.IDHash, rt.Kind, rt.ExpiresAt = HashSecret(refresh), jedenlogin.OIDCRefreshToken, now.Add(s.p.cfg.RefreshLifetime)
		if end := s.chainEnd(base.AuthTime, now); end.Before(rt.ExpiresAt) {
			rt.ExpiresAt = end
		}
		iss.Tokens = append(iss.Tokens, rt)
	}
	ev.Actor, ev.Subject, ev.PersonID = "client:"+base.ClientID, "client:"+base.ClientID, &base.PersonID
	ev.Details = fmt.Sprintf(`{"refresh_token":%t}`, withRefresh)
	iss.Audit = []jedenlogin.AuditEvent{ev}
	if err := s.st.IssueOIDCTokens(ctx, iss); errors.Is(err, jedenlogin.ErrOIDCReused) {
		what := "code"
		if iss.RotateRefresh != "" {
			what = "refresh_token"
		}
		s.revokeFamily(ctx, base.FamilyID, base.ClientID, base.PersonID, what)
		return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("%s used before", what)
	} else if err != nil {
		return "", "", time.Time{}, oidc.ErrServerError().WithParent(err)
	}
	return accessID, refresh, access.ExpiresAt, nil
}

// TokenRequestByRefreshToken returns the grant of a live refresh token. A
// refresh token presented after it was rotated revokes its whole family;
// one whose person can no longer sign in, or whose entity's grant ended,
// is refused.
func (s *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	t, rec, err := s.st.OIDCTokenWithPerson(ctx, HashSecret(token))
	if err != nil || t.Kind != jedenlogin.OIDCRefreshToken {
		return nil, errors.New("unknown refresh token")
	}
	if t.UsedAt != nil && t.RevokedAt == nil {
		s.revokeFamily(ctx, t.FamilyID, t.ClientID, t.PersonID, "refresh_token")
		return nil, errors.New("refresh token used before")
	}
	if t.RevokedAt != nil || t.UsedAt != nil {
		return nil, errors.New("refresh token revoked")
	}
	if !s.now().Before(t.ExpiresAt) {
		return nil, errors.New("refresh token expired")
	}
	if err := s.confirmClient(ctx, t.ConfigVersion); err != nil {
		return nil, err
	}
	c, err := s.p.claimsOf(ctx, rec, t.LoginID, t.Scopes, t.EntityID)
	if err != nil {
		return nil, err
	}
	return &refreshRequest{t: t, scopes: t.Scopes, claims: c}, nil
}

// GetRefreshTokenInfo identifies a refresh token for revocation.
func (s *storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	t, err := s.st.OIDCToken(ctx, HashSecret(token))
	if err != nil || t.Kind != jedenlogin.OIDCRefreshToken {
		return "", "", op.ErrInvalidRefreshToken
	}
	return subject(t.PersonID), refreshPrefix + t.IDHash, nil
}

const refreshPrefix = "refresh:"

// RevokeToken revokes an access token (by its id) or a refresh token (by
// GetRefreshTokenInfo's id) of the client; RFC 7009 answers an unknown
// token with success.
func (s *storage) RevokeToken(ctx context.Context, tokenOrID, userID, clientID string) *oidc.Error {
	if userID == "" {
		return nil // not a token of ours
	}
	hash, ok := strings.CutPrefix(tokenOrID, refreshPrefix)
	if !ok {
		hash = HashSecret(tokenOrID)
	}
	t, err := s.st.OIDCToken(ctx, hash)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return nil
	} else if err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	if t.ClientID != clientID {
		return oidc.ErrUnauthorizedClient().WithDescription("the token was issued to another client")
	}
	ev := jedenlogin.AuditEvent{At: s.now(), Action: jedenlogin.AuditOIDCRevoked, Actor: "client:" + clientID, PersonID: &t.PersonID,
		Subject: "client:" + clientID, Outcome: "ok", Details: fmt.Sprintf(`{"kind":%q}`, t.Kind)}
	if err := s.st.RevokeOIDCToken(ctx, hash, s.now(), ev); err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

// TerminateSession is op's fallback; TerminateSessionFromRequest is used.
func (s *storage) TerminateSession(ctx context.Context, userID, clientID string) error {
	_, err := s.TerminateSessionFromRequest(ctx, &op.EndSessionRequest{UserID: userID, ClientID: clientID})
	return err
}

// TerminateSessionFromRequest is RP-initiated logout: it ends the
// browser's jedenlogin session, revokes the person's tokens of the client
// when an id_token_hint names them, and returns the (validated) redirect.
func (s *storage) TerminateSessionFromRequest(ctx context.Context, req *op.EndSessionRequest) (string, error) {
	ex, _ := ctx.Value(httpKey{}).(*httpExchange)
	if ex != nil && s.p.cfg.EndSession != nil {
		if err := s.p.cfg.EndSession(ex.w, ex.r); err != nil {
			return "", oidc.ErrServerError().WithParent(err)
		}
	}
	now := s.now()
	ev := jedenlogin.AuditEvent{At: now, Action: jedenlogin.AuditOIDCLogout, Actor: "client:" + req.ClientID, Subject: "client:" + req.ClientID, Outcome: "ok"}
	if ex != nil {
		ev.Address = ex.r.RemoteAddr
	}
	if pid, err := strconv.ParseInt(req.UserID, 10, 64); err == nil && req.ClientID != "" {
		ev.PersonID = &pid
		if _, err := s.st.RevokeOIDCTokensOfPerson(ctx, pid, req.ClientID, now, ev); err != nil {
			return "", oidc.ErrServerError().WithParent(err)
		}
	} else if err := s.st.AppendAudit(ctx, ev); err != nil {
		return "", oidc.ErrServerError().WithParent(err)
	}
	return req.RedirectURI, nil
}

// SigningKey returns the key for the client of the token request (its
// SigningAlg; ES256 when unknown).
func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	alg := jedenlogin.AlgES256
	if id, _ := ctx.Value(clientIDKey{}).(string); id != "" {
		if c, err := s.client(ctx, id); err == nil && c.SigningAlg != "" {
			alg = c.SigningAlg
		}
	}
	var (
		k   *signingKey
		err error
	)
	if m, _ := ctx.Value(clientMemoKey{}).(*clientMemo); m != nil && m.version >= 0 {
		k, err = s.p.keys.signingAt(ctx, alg, m.version) // a confirmed refresh (cache.go)
	} else {
		k, err = s.p.keys.signing(ctx, alg)
	}
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return k, nil
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.ES256, jose.RS256}, nil
}

// KeySet returns every published key. A database that has none yet gets
// its first ES256 key, so the JWKS is never empty.
func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	ks, err := s.p.keys.published(ctx)
	if err != nil {
		return nil, err
	}
	if len(ks) == 0 {
		k, err := s.p.keys.signing(ctx, jedenlogin.AlgES256)
		if err != nil {
			return nil, err
		}
		ks = append(ks, k)
	}
	out := make([]op.Key, len(ks))
	for i, k := range ks {
		out[i] = publicKey{k}
	}
	return out, nil
}

// SetUserinfoFromScopes fills the ID token's person claims.
func (s *storage) SetUserinfoFromScopes(ctx context.Context, ui *oidc.UserInfo, userID, clientID string, scopes []string) error {
	return nil // SetUserinfoFromRequest fills them: it knows the login and entity
}

// SetUserinfoFromRequest fills the ID token's claims from the request's
// person, login and entity.
func (s *storage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	var (
		personID, loginID int64
		entityID, session string
		memo              *personClaims
	)
	switch r := req.(type) {
	case *authRequest:
		personID, loginID, entityID, session = r.r.PersonID, r.r.LoginID, r.r.EntityID, r.r.SessionIDHash
	case *refreshRequest:
		personID, loginID, entityID, session = r.t.PersonID, r.t.LoginID, r.t.EntityID, r.t.SessionIDHash
		memo = r.claims
	default:
		return oidc.ErrServerError().WithDescription("unexpected token request")
	}
	c := memo
	if c == nil || !slices.Equal(c.scopes, scopes) {
		var err error
		if c, err = s.p.claims(ctx, personID, loginID, scopes, entityID); err != nil {
			return err
		}
	}
	c.fill(ui)
	if session != "" {
		// Back-channel logout names the session by it.
		ui.AppendClaims("sid", jedenlogin.OIDCSessionID(session))
	}
	return nil
}

// SetUserinfoFromToken answers userinfo for a live access token.
func (s *storage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, sub, origin string) error {
	_, c, err := s.accessClaims(ctx, tokenID, func(t *jedenlogin.OIDCToken) bool { return subject(t.PersonID) == sub })
	if err != nil {
		return err
	}
	c.fill(ui)
	return nil
}

// accessClaims reads a live access token with its person (one round trip
// on PostgreSQL) and, when mine accepts the token, the claims of its
// grant, which must still hold.
func (s *storage) accessClaims(ctx context.Context, tokenID string, mine func(*jedenlogin.OIDCToken) bool) (*jedenlogin.OIDCToken, *personClaims, error) {
	t, rec, err := s.st.OIDCTokenWithPerson(ctx, HashSecret(tokenID))
	if err != nil || t.Kind != jedenlogin.OIDCAccessToken || t.RevokedAt != nil || !s.now().Before(t.ExpiresAt) || !mine(t) {
		return nil, nil, errInvalidToken()
	}
	c, err := s.p.claimsOf(ctx, rec, t.LoginID, t.Scopes, t.EntityID)
	if err != nil {
		return nil, nil, err
	}
	return t, c, nil
}

// errInvalidToken answers a bearer token that is unknown, revoked or
// expired, or not an access token: a new value each time, as an
// *oidc.Error's methods change it.
func errInvalidToken() *oidc.Error { return oidc.ErrInvalidRequest().WithDescription("invalid token") }

// SetIntrospectionFromToken answers introspection for a live access token.
func (s *storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, sub, clientID string) error {
	t, c, err := s.accessClaims(ctx, tokenID, func(t *jedenlogin.OIDCToken) bool { return t.ClientID == clientID })
	if err != nil {
		return err
	}
	var ui oidc.UserInfo
	c.fill(&ui)
	resp.SetUserInfo(&ui)
	resp.Active, resp.Scope, resp.ClientID = true, t.Scopes, t.ClientID
	resp.Expiration, resp.IssuedAt = oidc.FromTime(t.ExpiresAt), oidc.FromTime(t.CreatedAt)
	resp.Audience = []string{t.ClientID}
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil // access tokens are opaque
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, oidc.ErrInvalidClient().WithDescription("JWT client authentication is not supported")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, oidc.ErrUnsupportedGrantType()
}

// chainEnd is when the refresh chain of a sign-in at authTime ends.
func (s *storage) chainEnd(authTime, now time.Time) time.Time {
	if authTime.IsZero() {
		authTime = now
	}
	return authTime.Add(s.p.cfg.RefreshChainLifetime)
}

// client reads a client, once per request (clientMemo); a refresh_token
// grant takes it from the cache when it is there, and
// TokenRequestByRefreshToken confirms it (cache.go); an
// authorization_code grant, whose code op reads first, takes the cached
// copy only when it was cached at the count read with the code, and
// otherwise reads it (and caches it at that count).
func (s *storage) client(ctx context.Context, id string) (*jedenlogin.OIDCClient, error) {
	m, _ := ctx.Value(clientMemoKey{}).(*clientMemo)
	if m != nil && m.c != nil && m.c.ID == id {
		return m.c, nil
	}
	if m != nil && m.cacheable && m.seen >= 0 {
		if cc, ok := s.clients.get(id); ok && cc.version == m.seen && !m.uncached {
			m.c, m.cachedAt, m.version = cc.c, cc.version, m.seen
			return cc.c, nil
		}
		// Read after the count: at least that new, so cached under it.
		c, err := s.st.OIDCClient(ctx, id)
		if err != nil {
			s.clients.drop(id)
			return nil, err
		}
		s.clients.put(c, m.seen)
		m.c, m.cachedAt, m.version = c, -1, m.seen
		return c, nil
	}
	if m != nil && m.cacheable && m.version < 0 && !m.uncached {
		if cc, ok := s.clients.get(id); ok {
			m.c, m.cachedAt = cc.c, cc.version
			return cc.c, nil
		}
	}
	c, err := s.st.OIDCClient(ctx, id)
	if err == nil && m != nil {
		m.c, m.cachedAt = c, -1
	}
	return c, err
}
