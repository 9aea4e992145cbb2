package oidc_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"jedenlogin"
	"jedenlogin/demo"
	"jedenlogin/oidc"
	"jedenlogin/store/storetest"
)

// TestProvider drives the provider with a relying party built on go-oidc
// and x/oauth2 over HTTP, on every backend, through two instances on one
// database behind one issuer (a round-robin proxy), so no step may depend
// on one process's memory.
func TestProvider(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, 2)
		for _, tc := range []struct {
			name string
			fn   func(t *testing.T, e *env)
		}{
			{"Discovery", testDiscovery},
			{"CodeFlowPKCE", testCodeFlow},
			{"SignInAnswersForModule", testSignInAnswersForModule},
			{"PendingPersonTransitionFirst", testPendingPerson},
			{"Verifier", testVerifier},
			{"CodeReuse", testCodeReuse},
			{"ExpiredCode", testExpiredCode},
			{"WrongRedirectURI", testWrongRedirectURI},
			{"BadRequests", testBadRequests},
			{"WrongClientSecret", testWrongClientSecret},
			{"PublicClient", testPublicClient},
			{"RefreshRotationAndReuse", testRefresh},
			{"Revocation", testRevocation},
			{"Prompt", testPrompt},
			{"NoValidGrant", testNoValidGrant},
			{"Logout", testLogout},
			{"TamperedToken", testTampered},
			{"KeyRotation", testKeyRotation},
			{"RS256Client", testRS256},
			{"Backchannel", testBackchannel},
			{"CacheInvalidation", testCacheInvalidation},
			{"CodeCacheInvalidation", testCodeCacheInvalidation},
			{"SecondFactor", testSecondFactor}, // last: leaves the operator with a TOTP
		} {
			// Each case with its own clock offset from zero.
			e.t = t
			t.Run(tc.name, func(t *testing.T) {
				e.t = t
				e.clock.off.Store(0)
				tc.fn(t, e)
			})
		}
	})
}

func testDiscovery(t *testing.T, e *env) {
	var d struct {
		Issuer           string   `json:"issuer"`
		EndSession       string   `json:"end_session_endpoint"`
		Revocation       string   `json:"revocation_endpoint"`
		Methods          []string `json:"code_challenge_methods_supported"`
		AuthMethods      []string `json:"token_endpoint_auth_methods_supported"`
		Scopes           []string `json:"scopes_supported"`
		IDTokenAlgs      []string `json:"id_token_signing_alg_values_supported"`
		ResponseTypes    []string `json:"response_types_supported"`
		GrantTypes       []string `json:"grant_types_supported"`
		UserinfoEndpoint string   `json:"userinfo_endpoint"`
		Backchannel      bool     `json:"backchannel_logout_supported"`
		BackchannelSID   bool     `json:"backchannel_logout_session_supported"`
	}
	if err := e.rp.Claims(&d); err != nil {
		t.Fatal(err)
	}
	if d.Issuer != e.issuer || d.EndSession != e.issuer+"/oidc/end_session" || d.Revocation != e.issuer+"/oidc/revoke" ||
		d.UserinfoEndpoint != e.issuer+"/oidc/userinfo" {
		t.Errorf("discovery: %+v", d)
	}
	if !slices.Equal(d.Methods, []string{"S256"}) || !slices.Contains(d.AuthMethods, "client_secret_basic") ||
		!slices.Contains(d.AuthMethods, "client_secret_post") || !slices.Contains(d.Scopes, "entity") ||
		!slices.Contains(d.IDTokenAlgs, "ES256") || !slices.Contains(d.IDTokenAlgs, "RS256") ||
		!slices.Equal(d.ResponseTypes, []string{"code"}) || !slices.Contains(d.GrantTypes, "refresh_token") ||
		!d.Backchannel || !d.BackchannelSID {
		t.Errorf("discovery: %+v", d)
	}
	// The provider's endpoints carry web's security headers and count in
	// its metrics.
	for _, path := range []string{"/.well-known/openid-configuration", "/oidc/keys", "/oidc/token"} {
		resp, err := http.Get(e.issuer + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s without the security headers: %v", path, resp.Header)
		}
	}
	resp, err := http.Get(e.issuer + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `route="/oidc/keys"`) {
		t.Errorf("no metrics of the provider's endpoints:\n%.3000s", body)
	}
}

// testCodeFlow: an already consolidated person with one grant signs in
// and the module learns who they are and the entity they act for.
func testCodeFlow(t *testing.T, e *env) {
	conf := e.oauth(confidential, "profile", "email", "phone", oidc.ScopeEntity)
	b := e.browser()
	tokensBefore := e.audit(jedenlogin.AuditOIDCToken)
	f, code := e.signedInFlow(b, conf, demo.Operator)
	tok, err := e.exchange(conf, f, code)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	idt, claims := e.idToken(confidential, tok, f.nonce)
	_, _, p := e.person(demo.Operator)
	if idt.Subject != strconv.FormatInt(p.PersonID, 10) {
		t.Errorf("sub = %q, want the person id %d", idt.Subject, p.PersonID)
	}
	if claims["preferred_username"] != "EKACZMARCZYK" || claims["given_name"] != "Ewa" || claims["family_name"] != "Kaczmarczyk" ||
		claims["email"] != "ewa.kaczmarczyk@kuratorium.example" || claims["email_verified"] != false || claims["phone_number"] != "+48 81 538 52 00" {
		t.Errorf("person claims: %v", claims)
	}
	if amr, _ := claims["amr"].([]any); len(amr) != 1 || amr[0] != "pwd" {
		t.Errorf("amr = %v", claims["amr"])
	}
	if _, ok := claims["auth_time"]; !ok {
		t.Error("no auth_time")
	}
	ent, _ := claims["entity"].(map[string]any)
	if ent["id"] != "431019514" || ent["name"] != "Kuratorium Oświaty w Lublinie" || ent["function"] != "pracownik" || ent["valid_to"] != nil {
		t.Errorf("entity = %v", claims["entity"])
	}
	if ents, _ := claims["entities"].([]any); len(ents) != 1 {
		t.Errorf("entities = %v", claims["entities"])
	}
	ui, err := e.rp.UserInfo(e.ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	var uc map[string]any
	ui.Claims(&uc)
	if ui.Subject != idt.Subject || uc["preferred_username"] != "EKACZMARCZYK" || uc["entity"] == nil || uc["entities"] == nil {
		t.Errorf("userinfo = %v", uc)
	}
	if e.audit(jedenlogin.AuditOIDCToken) != tokensBefore+1 {
		t.Error("no audit event for the tokens")
	}

	// The same browser signs in to the module again without a password.
	f2 := e.newFlow(conf)
	p2 := b.get(f2.authURL)
	tok2, err := e.exchange(conf, f2, f2.code(t, p2))
	if err != nil {
		t.Fatalf("second exchange: %v", err)
	}
	idt2, _ := e.idToken(confidential, tok2, f2.nonce)
	if idt2.Subject != idt.Subject {
		t.Errorf("second sign-in sub %q", idt2.Subject)
	}

	// An address confirmed through the contact change is verified.
	if err := e.st.MarkEmailVerified(e.ctx, p.PersonID, "ewa.kaczmarczyk@kuratorium.example", time.Now()); err != nil {
		t.Fatal(err)
	}
	fv := e.newFlow(conf)
	tokv, err := e.exchange(conf, fv, fv.code(t, b.get(fv.authURL)))
	if err != nil {
		t.Fatal(err)
	}
	if _, cv := e.idToken(confidential, tokv, fv.nonce); cv["email_verified"] != true {
		t.Errorf("email_verified = %v after the confirmation", cv["email_verified"])
	}

	// Without scopes profile/email/entity the claims are not given.
	f3 := e.newFlow(e.oauth(confidential))
	tok3, err := e.exchange(e.oauth(confidential), f3, f3.code(t, b.get(f3.authURL)))
	if err != nil {
		t.Fatal(err)
	}
	_, c3 := e.idToken(confidential, tok3, f3.nonce)
	for _, k := range []string{"given_name", "email", "phone_number", "entity", "entities"} {
		if _, ok := c3[k]; ok {
			t.Errorf("claim %s without its scope", k)
		}
	}
	if c3["preferred_username"] != "EKACZMARCZYK" {
		t.Errorf("preferred_username = %v", c3["preferred_username"])
	}
}

// testPendingPerson: a person still pending goes through the transition
// before any code; with two valid grants they pick one on PODMIOTY; sub
// stays the person's id across the transition.
func testPendingPerson(t *testing.T, e *env) {
	conf := e.oauth(confidential, oidc.ScopeEntity, "offline_access")
	b := e.browser()
	f := e.newFlow(conf)
	login, pw, p := e.person(demo.Choose)
	codesBefore := e.audit(jedenlogin.AuditOIDCCode)
	pg := b.signIn(b.get(f.authURL), login, pw)
	if pg.location != "" || pg.url.Path != "/potwierdz-login" {
		t.Fatalf("a pending person was not sent to the transition: %s %s", pg.url, pg.location)
	}
	if e.audit(jedenlogin.AuditOIDCCode) != codesBefore {
		t.Fatal("a code was issued to a pending person")
	}
	pg = b.consolidate(pg, pw)
	pg = b.chooseEntity(pg, "29012") // the preschool
	tok, err := e.exchange(conf, f, f.code(t, pg))
	if err != nil {
		t.Fatal(err)
	}
	idt, claims := e.idToken(confidential, tok, f.nonce)
	if idt.Subject != strconv.FormatInt(p.PersonID, 10) {
		t.Errorf("sub = %q, want %d", idt.Subject, p.PersonID)
	}
	ent, _ := claims["entity"].(map[string]any)
	if ent["id"] != "29012" || ent["function"] != "po_kierownika" || ent["valid_to"] == nil {
		t.Errorf("entity = %v", claims["entity"])
	}
	if ents, _ := claims["entities"].([]any); len(ents) != 2 {
		t.Errorf("entities = %v", claims["entities"])
	}
	if sc, _ := ent["scopes"].([]any); len(sc) != 2 {
		t.Errorf("entity scopes = %v", ent["scopes"])
	}

	// "Zmień podmiot": prompt=select_account shows PODMIOTY again.
	f2 := e.newFlow(conf, oauth2.SetAuthURLParam("prompt", "select_account"))
	pg = b.get(f2.authURL)
	pg = b.chooseEntity(pg, "27630")
	tok2, err := e.exchange(conf, f2, f2.code(t, pg))
	if err != nil {
		t.Fatal(err)
	}
	_, c2 := e.idToken(confidential, tok2, f2.nonce)
	if ent, _ := c2["entity"].(map[string]any); ent["id"] != "27630" {
		t.Errorf("after the switch entity = %v", c2["entity"])
	}
	// Without select_account the session's entity is used at once.
	f3 := e.newFlow(conf)
	tok3, err := e.exchange(conf, f3, f3.code(t, b.get(f3.authURL)))
	if err != nil {
		t.Fatal(err)
	}
	_, c3 := e.idToken(confidential, tok3, f3.nonce)
	if ent, _ := c3["entity"].(map[string]any); ent["id"] != "27630" {
		t.Errorf("entity = %v", c3["entity"])
	}

	// The grant is revoked: refresh and userinfo refuse the entity at once.
	err = e.st.UpdatePerson(e.ctx, p.PersonID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		for i := range rec.Grants {
			if rec.Grants[i].EntityID == "27630" {
				now := time.Now().Add(-time.Second)
				rec.Grants[i].RevokedAt, rec.Grants[i].RevokeReason = &now, "test"
			}
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.rp.UserInfo(e.ctx, oauth2.StaticTokenSource(tok3)); err == nil {
		t.Error("userinfo answered for a revoked entity")
	}
	if _, err := conf.TokenSource(e.ctx, &oauth2.Token{RefreshToken: tok3.RefreshToken}).Token(); oauthError(err) != "invalid_grant" {
		t.Errorf("refresh for a revoked entity: %v", err)
	}
	// The other entity's tokens still work.
	if _, err := e.rp.UserInfo(e.ctx, oauth2.StaticTokenSource(tok)); err != nil {
		t.Errorf("userinfo for the preschool: %v", err)
	}
}

func testVerifier(t *testing.T, e *env) {
	conf := e.oauth(confidential)
	b := e.browser()
	f, code := e.signedInFlow(b, conf, demo.Operator)
	if _, err := conf.Exchange(e.ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); oauthError(err) != "invalid_grant" {
		t.Errorf("wrong verifier: %v", err)
	}
	if _, err := conf.Exchange(e.ctx, code); oauthError(err) != "invalid_request" {
		t.Errorf("missing verifier: %v", err)
	}
	if _, err := e.exchange(conf, f, code); err != nil {
		t.Errorf("right verifier after wrong ones: %v", err)
	}
}

func testCodeReuse(t *testing.T, e *env) {
	conf := e.oauth(confidential, "offline_access")
	b := e.browser()
	f, code := e.signedInFlow(b, conf, demo.Operator)
	tok, err := e.exchange(conf, f, code)
	if err != nil {
		t.Fatal(err)
	}
	reuse := e.audit(jedenlogin.AuditOIDCReuse)
	if _, err := e.exchange(conf, f, code); oauthError(err) != "invalid_grant" {
		t.Errorf("second exchange: %v", err)
	}
	if e.audit(jedenlogin.AuditOIDCReuse) != reuse+1 {
		t.Error("no audit event for the reuse")
	}
	if _, err := e.rp.UserInfo(e.ctx, oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("the first exchange's access token still works")
	}
	if _, err := conf.TokenSource(e.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); oauthError(err) != "invalid_grant" {
		t.Errorf("the first exchange's refresh token: %v", err)
	}
}

func testExpiredCode(t *testing.T, e *env) {
	conf := e.oauth(confidential)
	f, code := e.signedInFlow(e.browser(), conf, demo.Operator)
	e.clock.advance(oidc.DefaultCodeLifetime + time.Second)
	if _, err := e.exchange(conf, f, code); oauthError(err) != "invalid_grant" {
		t.Errorf("expired code: %v", err)
	}
}

// testWrongRedirectURI: an unregistered redirect_uri, also one that only
// shares a prefix, gets an error page and never a redirect to it.
func testWrongRedirectURI(t *testing.T, e *env) {
	for _, uri := range []string{"https://evil.example/cb", redirectURI + "/x", redirectURI + "?a=1", "https://" + rpHost + "/CB", ""} {
		conf := e.oauth(confidential)
		conf.RedirectURL = uri
		f := e.newFlow(conf)
		p := e.browser().get(f.authURL)
		if p.location != "" || p.status < 400 || p.status >= 500 {
			t.Errorf("redirect_uri %q: status %d, location %q", uri, p.status, p.location)
		}
	}
	// An unknown client: the same.
	conf := e.oauth("nieznany")
	p := e.browser().get(e.newFlow(conf).authURL)
	if p.location != "" || p.status < 400 || p.status >= 500 {
		t.Errorf("unknown client: status %d, location %q", p.status, p.location)
	}
}

// testBadRequests: malformed requests get the specs' errors, never a 500.
func testBadRequests(t *testing.T, e *env) {
	conf := e.oauth(confidential)
	authz := e.rp.Endpoint().AuthURL
	q := func(mod func(url.Values)) string {
		v := url.Values{"client_id": {confidential}, "redirect_uri": {redirectURI}, "response_type": {"code"},
			"scope": {"openid"}, "state": {"s"}, "code_challenge": {"abcdefghijabcdefghijabcdefghijabcdefghij123"}, "code_challenge_method": {"S256"}}
		mod(v)
		return authz + "?" + v.Encode()
	}
	for _, tc := range []struct {
		name, want string
		mod        func(url.Values)
	}{
		{"no scope", "invalid_request", func(v url.Values) { v.Del("scope") }},
		{"no openid", "invalid_scope", func(v url.Values) { v.Set("scope", "profile") }},
		{"token response", "unsupported_response_type", func(v url.Values) { v.Set("response_type", "token") }},
		{"plain PKCE", "invalid_request", func(v url.Values) { v.Set("code_challenge_method", "plain") }},
		{"prompt none with login", "invalid_request", func(v url.Values) { v.Set("prompt", "none login") }},
		{"request object", "request_not_supported", func(v url.Values) { v.Set("request", "eyJ.x.y") }},
	} {
		p := e.browser().get(q(tc.mod))
		if p.location == "" {
			t.Errorf("%s: no redirect (status %d)", tc.name, p.status)
			continue
		}
		got := p.query(t)
		if got.Get("error") != tc.want && !(tc.want == "unsupported_response_type" && got.Get("error") == "unauthorized_client") || got.Get("state") != "s" {
			t.Errorf("%s: error %q (%s), state %q; want %s", tc.name, got.Get("error"), got.Get("error_description"), got.Get("state"), tc.want)
		}
	}
	// The token endpoint.
	for _, tc := range []struct {
		name, want string
		v          url.Values
	}{
		{"no grant type", "invalid_request", url.Values{}},
		{"unknown grant type", "unsupported_grant_type", url.Values{"grant_type": {"password"}}},
		{"no code", "invalid_request", url.Values{"grant_type": {"authorization_code"}, "redirect_uri": {redirectURI}}},
		{"unknown code", "invalid_grant", url.Values{"grant_type": {"authorization_code"}, "code": {"nope"}, "redirect_uri": {redirectURI}}},
		{"unknown refresh token", "invalid_grant", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope"}}},
		{"client credentials", "unsupported_grant_type", url.Values{"grant_type": {"client_credentials"}}},
	} {
		status, body := e.postForm("/oidc/token", confidential, e.secret, tc.v)
		if status >= 500 || status < 400 || !strings.Contains(body, `"error":"`+tc.want+`"`) {
			t.Errorf("token %s: %d %s; want %s", tc.name, status, body, tc.want)
		}
	}
	_ = conf
	// A code sent with another redirect_uri than the authorization's.
	f, code := e.signedInFlow(e.browser(), conf, demo.Operator)
	status, body := e.postForm("/oidc/token", confidential, e.secret, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {"https://evil.example/cb"}, "code_verifier": {f.verifier}})
	if status != http.StatusBadRequest || !strings.Contains(body, "invalid_grant") {
		t.Errorf("code with another redirect_uri: %d %s", status, body)
	}
	// End session with an unregistered post_logout_redirect_uri.
	p := e.browser().get(e.issuer + "/oidc/end_session?client_id=" + confidential + "&post_logout_redirect_uri=" + url.QueryEscape("https://evil.example/"))
	if p.location != "" || p.status != http.StatusBadRequest {
		t.Errorf("end_session with a foreign URI: %d %q", p.status, p.location)
	}
	p = e.browser().get(e.issuer + "/oidc/end_session?id_token_hint=garbage")
	if p.location != "" || p.status != http.StatusBadRequest {
		t.Errorf("end_session with a bad hint: %d %q", p.status, p.location)
	}
	p = e.browser().get(e.issuer + "/oidc/authorize/callback?id=nope")
	if p.status >= 500 || p.location != "" {
		t.Errorf("callback with an unknown id: %d %q", p.status, p.location)
	}
	p = e.browser().get(e.issuer + "/logowanie?oidc=nope")
	if p.status != http.StatusBadRequest {
		t.Errorf("sign-in page with an unknown request: %d", p.status)
	}
}

func testWrongClientSecret(t *testing.T, e *env) {
	conf := e.oauth(confidential)
	f, code := e.signedInFlow(e.browser(), conf, demo.Operator)
	bad := *conf
	bad.ClientSecret = "zle-haslo"
	if _, err := e.exchange(&bad, f, code); oauthError(err) != "invalid_client" {
		t.Errorf("wrong secret: %v", err)
	}
	// client_secret_post works as well as basic.
	post := *conf
	post.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	if _, err := e.exchange(&post, f, code); err != nil {
		t.Errorf("client_secret_post: %v", err)
	}
}

// testPublicClient: PKCE is required of a public client.
func testPublicClient(t *testing.T, e *env) {
	conf := e.oauth(publicClient)
	b := e.browser()
	f, code := e.signedInFlow(b, conf, demo.Operator)
	if _, err := e.exchange(conf, f, code); err != nil {
		t.Errorf("public client with PKCE: %v", err)
	}
	p := b.get(conf.AuthCodeURL("st"))
	if q := p.query(t); q.Get("error") != "invalid_request" {
		t.Errorf("public client without PKCE: %v", q)
	}
}

func testRefresh(t *testing.T, e *env) {
	conf := e.oauth(confidential, "offline_access", oidc.ScopeEntity)
	f, code := e.signedInFlow(e.browser(), conf, demo.Operator)
	tok, err := e.exchange(conf, f, code)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token with offline_access")
	}
	refreshes := e.audit(jedenlogin.AuditOIDCRefresh)
	tok2, err := conf.TokenSource(e.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if tok2.RefreshToken == "" || tok2.RefreshToken == tok.RefreshToken || tok2.AccessToken == tok.AccessToken {
		t.Fatal("refresh did not rotate")
	}
	_, claims := e.idToken(confidential, tok2, "")
	if claims["entity"] == nil {
		t.Errorf("refreshed ID token without entity: %v", claims)
	}
	if e.audit(jedenlogin.AuditOIDCRefresh) != refreshes+1 {
		t.Error("no audit event for the refresh")
	}
	tok3, err := conf.TokenSource(e.ctx, &oauth2.Token{RefreshToken: tok2.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("second refresh: %v", err)
	}
	// The first refresh token again: reuse, the whole chain is revoked.
	if _, err := conf.TokenSource(e.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); oauthError(err) != "invalid_grant" {
		t.Errorf("reused refresh token: %v", err)
	}
	if _, err := conf.TokenSource(e.ctx, &oauth2.Token{RefreshToken: tok3.RefreshToken}).Token(); oauthError(err) != "invalid_grant" {
		t.Errorf("the chain's newest refresh token after a reuse: %v", err)
	}
	if _, err := e.rp.UserInfo(e.ctx, oauth2.StaticTokenSource(tok3)); err == nil {
		t.Error("the chain's access token works after a reuse")
	}
	// Another client cannot use the token.
	f4, code4 := e.signedInFlow(e.browser(), conf, demo.Operator)
	tok4, err := e.exchange(conf, f4, code4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.oauth(rsaClient).TokenSource(e.ctx, &oauth2.Token{RefreshToken: tok4.RefreshToken}).Token(); oauthError(err) != "invalid_grant" {
		t.Errorf("another client's refresh token: %v", err)
	}
}

func testRevocation(t *testing.T, e *env) {
	conf := e.oauth(confidential, "offline_access")
	f, code := e.signedInFlow(e.browser(), conf, demo.Operator)
	tok, err := e.exchange(conf, f, code)
	if err != nil {
		t.Fatal(err)
	}
	// Another client may not revoke it.
	if status, body := e.postForm("/oidc/revoke", rsaClient, e.secret, url.Values{"token": {tok.AccessToken}}); status != http.StatusBadRequest {
		t.Errorf("revocation by another client: %d %s", status, body)
	}
	if status, body := e.postForm("/oidc/revoke", confidential, "zle", url.Values{"token": {tok.AccessToken}}); status != http.StatusUnauthorized {
		t.Errorf("revocation with a wrong secret: %d %s", status, body)
	}
	if status, body := e.postForm("/oidc/revoke", confidential, e.secret, url.Values{"token": {tok.AccessToken}, "token_type_hint": {"access_token"}}); status != http.StatusOK {
		t.Fatalf("revoke access token: %d %s", status, body)
	}
	if _, err := e.rp.UserInfo(e.ctx, oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("userinfo with a revoked access token")
	}
	if status, body := e.postForm("/oidc/revoke", confidential, e.secret, url.Values{"token": {tok.RefreshToken}}); status != http.StatusOK {
		t.Fatalf("revoke refresh token: %d %s", status, body)
	}
	if _, err := conf.TokenSource(e.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); oauthError(err) != "invalid_grant" {
		t.Errorf("refresh with a revoked token: %v", err)
	}
	// An unknown token: success (RFC 7009 §2.2).
	if status, _ := e.postForm("/oidc/revoke", confidential, e.secret, url.Values{"token": {"nieznany"}}); status != http.StatusOK {
		t.Errorf("revoke an unknown token: %d", status)
	}
	if e.audit(jedenlogin.AuditOIDCRevoked) < 2 {
		t.Error("no audit events for the revocations")
	}
}

func testPrompt(t *testing.T, e *env) {
	conf := e.oauth(confidential)
	// prompt=none without a session: login_required.
	b := e.browser()
	f := e.newFlow(conf, oauth2.SetAuthURLParam("prompt", "none"))
	q := b.get(f.authURL).query(t)
	if q.Get("error") != "login_required" || q.Get("state") != f.state {
		t.Errorf("prompt=none without a session: %v", q)
	}
	// With a session: a code without a page.
	e.signedInFlow(b, conf, demo.Operator)
	f = e.newFlow(conf, oauth2.SetAuthURLParam("prompt", "none"))
	f.code(t, b.get(f.authURL))

	// prompt=login: the sign-in form although signed in, and auth_time moves.
	_, pw, _ := e.person(demo.Operator)
	f = e.newFlow(conf)
	tok1, err := e.exchange(conf, f, f.code(t, b.get(f.authURL)))
	if err != nil {
		t.Fatal(err)
	}
	idt1, _ := e.idToken(confidential, tok1, f.nonce)
	time.Sleep(1100 * time.Millisecond) // auth_time has whole seconds
	f = e.newFlow(conf, oauth2.SetAuthURLParam("prompt", "login"))
	p := b.get(f.authURL)
	if p.location != "" || p.url.Path != "/logowanie" {
		t.Fatalf("prompt=login did not ask for the password: %s %s", p.url, p.location)
	}
	tok2, err := e.exchange(conf, f, f.code(t, b.signIn(p, "EKACZMARCZYK", pw)))
	if err != nil {
		t.Fatal(err)
	}
	idt2, _ := e.idToken(confidential, tok2, f.nonce)
	var a1, a2 struct {
		AuthTime int64 `json:"auth_time"`
	}
	idt1.Claims(&a1)
	idt2.Claims(&a2)
	if a2.AuthTime <= a1.AuthTime {
		t.Errorf("auth_time %d after prompt=login, before %d", a2.AuthTime, a1.AuthTime)
	}
	// max_age: a sign-in older than max_age asks again; a recent one does not.
	f = e.newFlow(conf, oauth2.SetAuthURLParam("max_age", "3600"))
	f.code(t, b.get(f.authURL))
	time.Sleep(1100 * time.Millisecond)
	f = e.newFlow(conf, oauth2.SetAuthURLParam("max_age", "1"))
	if p := b.get(f.authURL); p.location != "" || p.url.Path != "/logowanie" {
		t.Errorf("max_age=1 did not ask for the password: %s %s", p.url, p.location)
	}
	// prompt=none with a session too old for max_age: login_required.
	f = e.newFlow(conf, oauth2.SetAuthURLParam("prompt", "none"), oauth2.SetAuthURLParam("max_age", "1"))
	if q := b.get(f.authURL).query(t); q.Get("error") != "login_required" {
		t.Errorf("prompt=none with max_age: %v", q)
	}
	// prompt=none for a pending person: interaction_required.
	b2 := e.browser()
	login, pw2, _ := e.person(demo.ChooseUppercase2)
	f = e.newFlow(conf)
	p = b2.signIn(b2.get(f.authURL), login, pw2)
	if p.url.Path != "/potwierdz-login" {
		t.Fatalf("pending person at %s", p.url)
	}
	f = e.newFlow(conf, oauth2.SetAuthURLParam("prompt", "none"))
	if q := b2.get(f.authURL).query(t); q.Get("error") != "interaction_required" {
		t.Errorf("prompt=none for a pending person: %v", q)
	}
}

// testNoValidGrant: a person with no valid grant asking for an entity
// gets a clear page, and the module access_denied.
func testNoValidGrant(t *testing.T, e *env) {
	login, pw, p := e.person(demo.Generate1)
	b := e.browser()
	conf := e.oauth(confidential, oidc.ScopeEntity)
	// The transition first, then the grant ends.
	f := e.newFlow(conf)
	pg := b.consolidate(b.signIn(b.get(f.authURL), login, pw), pw)
	f.code(t, pg)
	err := e.st.UpdatePerson(e.ctx, p.PersonID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		for i := range rec.Grants {
			now := time.Now().Add(-time.Second)
			rec.Grants[i].RevokedAt, rec.Grants[i].RevokeReason = &now, "test"
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f = e.newFlow(conf)
	pg = b.get(f.authURL)
	if pg.status != http.StatusForbidden || !strings.Contains(pg.body, "nie masz ważnego upoważnienia") {
		t.Fatalf("no-grant page: %d %s\n%.1500s", pg.status, pg.url, pg.body)
	}
	back := findString(pg.body, `href="(/oidc/authorize/callback\?id=[^"]+)"`)
	if back == "" {
		t.Fatalf("no way back to the module:\n%s", pg.body)
	}
	q := b.get(e.issuer + strings.ReplaceAll(back, "&amp;", "&")).query(t)
	if q.Get("error") != "access_denied" || q.Get("state") != f.state {
		t.Errorf("module got %v, want access_denied", q)
	}

	// Signing in afresh (with the unified login): the sign-in's answer is
	// the no-grant page itself.
	rec, err := e.st.Person(e.ctx, p.PersonID)
	if err != nil || rec.Person.UnifiedLoginID == nil || rec.Login(*rec.Person.UnifiedLoginID) == nil {
		t.Fatalf("the unified login of person %d: %v", p.PersonID, err)
	}
	b = e.browser()
	f = e.newFlow(conf)
	pg = b.signIn(b.get(f.authURL), rec.Login(*rec.Person.UnifiedLoginID).Name, pw)
	if pg.status != http.StatusForbidden || pg.url.Path != "/logowanie" || pg.url.RawQuery != "" || !strings.Contains(pg.body, "nie masz ważnego upoważnienia") {
		t.Fatalf("sign-in without a grant: %d %s\n%.1500s", pg.status, pg.url, pg.body)
	}
	back = findString(pg.body, `href="(/oidc/authorize/callback\?id=[^"]+)"`)
	if q := b.get(e.issuer + strings.ReplaceAll(back, "&amp;", "&")).query(t); q.Get("error") != "access_denied" || q.Get("state") != f.state {
		t.Errorf("module got %v after a fresh sign-in, want access_denied", q)
	}
}

// testSignInAnswersForModule: the sign-in form's answer sends the browser
// straight to the callback (no second visit to /logowanie?oidc=…), and
// the code it brings works once.
func testSignInAnswersForModule(t *testing.T, e *env) {
	conf := e.oauth(confidential, "profile", oidc.ScopeEntity)
	b := e.browser()
	f := e.newFlow(conf)
	form := b.get(f.authURL)
	b.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	login, pw, _ := e.person(demo.Operator)
	p := b.signIn(form, login, pw)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, jedenlogin.OIDCCallbackPath+"?id=") {
		t.Fatalf("sign-in answered %d to %q, want the callback", p.status, p.location)
	}
	callback := e.issuer + p.location
	p = b.get(callback)
	tok, err := e.exchange(conf, f, f.code(t, p))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if _, claims := e.idToken(confidential, tok, f.nonce); claims["preferred_username"] != login {
		t.Errorf("claims = %v", claims)
	}
	if _, err := e.exchange(conf, f, f.code(t, p)); err == nil {
		t.Error("the code was exchanged twice")
	}
	// The callback again: the request has its code, it gets no second one.
	if p := b.get(callback); p.status/100 != 3 || strings.Contains(p.location, "code=") {
		t.Errorf("callback again: %d to %q, want no code", p.status, p.location)
	}
}

func testLogout(t *testing.T, e *env) {
	conf := e.oauth(confidential, "offline_access")
	b := e.browser()
	f, code := e.signedInFlow(b, conf, demo.Operator)
	tok, err := e.exchange(conf, f, code)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	logouts := e.audit(jedenlogin.AuditOIDCLogout)
	p := b.get(e.issuer + "/oidc/end_session?" + url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {logoutURI}, "state": {"xyz"}}.Encode())
	if !strings.HasPrefix(p.location, logoutURI) || p.query(t).Get("state") != "xyz" {
		t.Errorf("logout with id_token_hint went to %q", p.location)
	}
	if p := b.get(e.issuer + "/podmioty"); p.url.Path != "/logowanie" {
		t.Errorf("still signed in after logout: %s", p.url)
	}
	if _, err := conf.TokenSource(e.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); oauthError(err) != "invalid_grant" {
		t.Errorf("refresh after logout: %v", err)
	}
	if e.audit(jedenlogin.AuditOIDCLogout) != logouts+1 {
		t.Error("no audit event for the logout")
	}
	// Without id_token_hint the person confirms first (anyone could have
	// sent the browser there): nothing ends until they do.
	e.signedInFlow(b, conf, demo.Operator)
	p = b.get(e.issuer + "/oidc/end_session")
	if p.url.Path != "/wyloguj-z-aplikacji" || p.status != http.StatusOK || !strings.Contains(p.body, "Czy na pewno chcesz się wylogować") {
		t.Fatalf("logout without hint ended at %s (%d)", p.url, p.status)
	}
	if p := b.get(e.issuer + "/podmioty"); p.url.Path != "/podmioty" {
		t.Errorf("signed out before confirming: %s", p.url)
	}
	confirm := p.form(t, "csrf")
	if forged := b.post(e.issuer+"/wyloguj-z-aplikacji", url.Values{"csrf": {"x"}}); forged.status != http.StatusForbidden {
		t.Errorf("a confirmation without the session's token: %d", forged.status)
	}
	if p := b.post(e.issuer+"/wyloguj-z-aplikacji", confirm); p.url.Path != "/logowanie" || p.status != http.StatusOK {
		t.Errorf("confirmed logout ended at %s (%d)", p.url, p.status)
	}
	if p := b.get(e.issuer + "/podmioty"); p.url.Path != "/logowanie" {
		t.Errorf("still signed in after the confirmed logout: %s", p.url)
	}
	// With client_id: confirmed, then back to the registered URI with state.
	e.signedInFlow(b, conf, demo.Operator)
	p = b.get(e.issuer + "/oidc/end_session?" + url.Values{"client_id": {confidential}, "post_logout_redirect_uri": {logoutURI}, "state": {"s1"}}.Encode())
	if !strings.Contains(p.body, "Aplikacja Moduł SIO prosi o wylogowanie") {
		t.Fatalf("no confirmation naming the module at %s (%d)", p.url, p.status)
	}
	p = b.post(e.issuer+"/wyloguj-z-aplikacji", p.form(t, "post_logout_redirect_uri"))
	if !strings.HasPrefix(p.location, logoutURI) || p.query(t).Get("state") != "s1" {
		t.Errorf("logout with client_id went to %q", p.location)
	}
	// An unregistered URI is refused, never followed.
	p = b.get(e.issuer + "/oidc/end_session?" + url.Values{"client_id": {confidential}, "post_logout_redirect_uri": {"https://evil.example/"}}.Encode())
	if p.status != http.StatusBadRequest || p.location != "" {
		t.Errorf("an unregistered post_logout_redirect_uri: %d to %q", p.status, p.location)
	}
}

func testTampered(t *testing.T, e *env) {
	conf := e.oauth(confidential)
	f, code := e.signedInFlow(e.browser(), conf, demo.Operator)
	tok, err := e.exchange(conf, f, code)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	parts := strings.Split(raw, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := strings.Replace(string(payload), `"sub":"`, `"sub":"9`, 1)
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(forged))
	if _, err := e.verifier(confidential).Verify(e.ctx, strings.Join(parts, ".")); err == nil {
		t.Error("a tampered ID token verified")
	}
	if _, err := e.verifier("inny").Verify(e.ctx, raw); err == nil {
		t.Error("an ID token verified for another audience")
	}
	// A tampered access token is refused by userinfo.
	bad := *tok
	// One character in the middle changes (the last ones may carry bits
	// base64 ignores, and CFB would leave the token's id intact).
	mid, swap := len(tok.AccessToken)/2, byte('A')
	if tok.AccessToken[mid] == swap {
		swap = 'B'
	}
	bad.AccessToken = tok.AccessToken[:mid] + string(swap) + tok.AccessToken[mid+1:]
	if _, err := e.rp.UserInfo(e.ctx, oauth2.StaticTokenSource(&bad)); err == nil {
		t.Error("userinfo accepted a tampered access token")
	}
}

// testKeyRotation: after `keys rotate` new tokens are signed with the new
// key and the old ones still verify (the old key stays published).
func testKeyRotation(t *testing.T, e *env) {
	conf := e.oauth(confidential, "offline_access")
	f, code := e.signedInFlow(e.browser(), conf, demo.Operator)
	tok, err := e.exchange(conf, f, code)
	if err != nil {
		t.Fatal(err)
	}
	oldKid := kid(t, tok)
	rotations := e.audit(jedenlogin.AuditOIDCKeyRotated)
	k, err := oidc.RotateKey(e.ctx, e.st, jedenlogin.AlgES256, time.Now(), oidc.KeyRetireAfter, "test")
	if err != nil {
		t.Fatal(err)
	}
	if e.audit(jedenlogin.AuditOIDCKeyRotated) != rotations+1 {
		t.Error("no audit event for the rotation")
	}
	tok2, err := conf.TokenSource(e.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatal(err)
	}
	if got := kid(t, tok2); got != k.ID || got == oldKid {
		t.Errorf("after rotation signed with %q, want %q (old %q)", got, k.ID, oldKid)
	}
	e.idToken(confidential, tok2, "")
	e.idToken(confidential, tok, f.nonce) // the old key is still published
	// Once the old key retires it leaves the JWKS.
	e.clock.advance(oidc.KeyRetireAfter + time.Minute)
	ks, err := e.st.OIDCKeys(e.ctx, e.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(ks, func(k jedenlogin.OIDCKey) bool { return k.ID == oldKid }) {
		t.Error("the old key is published after its retirement")
	}
}

func testRS256(t *testing.T, e *env) {
	conf := e.oauth(rsaClient)
	f, code := e.signedInFlow(e.browser(), conf, demo.Operator)
	tok, err := e.exchange(conf, f, code)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
	if !strings.Contains(string(hdr), `"alg":"RS256"`) {
		t.Errorf("ID token header %s, want RS256", hdr)
	}
	e.idToken(rsaClient, tok, f.nonce)
}

func kid(t *testing.T, tok *oauth2.Token) string {
	t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	hdr, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(hdr), `"kid":"`)
	k, _, _ := strings.Cut(rest, `"`)
	return k
}

func findString(s, pattern string) string {
	m := regexpMust(pattern).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}
