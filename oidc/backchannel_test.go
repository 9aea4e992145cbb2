package oidc_test

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"jedenlogin"
	"jedenlogin/demo"
	"jedenlogin/oidc"
)

// logoutClaims verifies a logout token as a module would (go-oidc's
// verifier: signature by the JWKS, iss, aud, exp) and checks what
// Back-Channel Logout 1.0 §2.4 demands: typ logout+jwt, the event, no
// nonce, and the sub and sid of the module's session.
func (e *env) logoutClaims(raw, wantSub, wantSID string) map[string]any {
	e.t.Helper()
	t := e.t
	if _, err := e.verifier(bcClient).Verify(e.ctx, raw); err != nil {
		t.Fatalf("module refuses the logout token: %v", err)
	}
	head, _ := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
	var h map[string]any
	json.Unmarshal(head, &h)
	if h["typ"] != "logout+jwt" || h["kid"] == nil {
		t.Errorf("logout token header %v", h)
	}
	body, _ := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[1])
	var c map[string]any
	json.Unmarshal(body, &c)
	ev, _ := c["events"].(map[string]any)
	if _, ok := ev[oidc.BackchannelEvent]; !ok || len(ev) != 1 {
		t.Errorf("events = %v", c["events"])
	}
	if _, ok := c["nonce"]; ok {
		t.Error("a logout token with a nonce")
	}
	if c["jti"] == "" || c["jti"] == nil || c["iat"] == nil {
		t.Errorf("no jti or iat: %v", c)
	}
	if c["sub"] != wantSub || c["sid"] != wantSID {
		t.Errorf("sub, sid = %v, %v; want %v, %v", c["sub"], c["sid"], wantSub, wantSID)
	}
	return c
}

// bcSignIn signs the operator in to the back-channel module and returns
// the tokens, the ID token's sub and sid.
func (e *env) bcSignIn(b *browser, scopes ...string) (*oauth2.Token, *gooidc.IDToken, string) {
	e.t.Helper()
	conf := e.oauth(bcClient, append([]string{"offline_access"}, scopes...)...)
	f, code := e.signedInFlow(b, conf, demo.Operator)
	tok, err := e.exchange(conf, f, code)
	if err != nil {
		e.t.Fatalf("exchange: %v", err)
	}
	idt, claims := e.idToken(bcClient, tok, f.nonce)
	sid, _ := claims["sid"].(string)
	if len(sid) < 16 {
		e.t.Fatalf("ID token without a sid: %v", claims)
	}
	return tok, idt, sid
}

// refused checks that the module's refresh token and access token no
// longer work.
func (e *env) refused(tok *oauth2.Token, when string) {
	e.t.Helper()
	conf := e.oauth(bcClient)
	if _, err := conf.TokenSource(e.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); oauthError(err) != "invalid_grant" {
		e.t.Errorf("refresh %s: %v", when, err)
	}
	if _, err := e.rp.UserInfo(e.ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok.AccessToken, TokenType: "Bearer"})); err == nil {
		e.t.Errorf("userinfo answers %s", when)
	}
}

// testBackchannel: a module holding the session learns of its end by a
// signed logout token, within seconds, whether the person signs out of
// jedenlogin (the sign-out button or the module's RP-initiated logout) or
// the grant the module acts for ends; the session's tokens are refused at
// once; a module that fails gets the logout again; every delivery is
// audited.
func testBackchannel(t *testing.T, e *env) {
	ok := func() int {
		evs, _ := e.st.Audit(e.ctx, jedenlogin.AuditFilter{Action: jedenlogin.AuditOIDCBackchannel, Limit: 1000})
		n := 0
		for _, ev := range evs {
			if ev.Outcome == "ok" {
				n++
			}
		}
		return n
	}
	delivered := ok()

	t.Run("SignOutButton", func(t *testing.T) {
		e.t = t
		b := e.browser()
		tok, idt, sid := e.bcSignIn(b)
		// Another module of the same session without a back-channel URI
		// gets its tokens revoked too.
		conf := e.oauth(confidential, "offline_access")
		f, code := e.signedInFlow(b, conf, demo.Operator)
		other, err := e.exchange(conf, f, code)
		if err != nil {
			t.Fatal(err)
		}
		home := b.get(e.issuer + "/podmioty")
		b.post(e.issuer+"/wyloguj", home.form(t, "csrf"))
		e.logoutClaims(e.bc.next(t), idt.Subject, sid)
		e.refused(tok, "after the sign-out")
		if _, err := conf.TokenSource(e.ctx, &oauth2.Token{RefreshToken: other.RefreshToken}).Token(); oauthError(err) != "invalid_grant" {
			t.Errorf("the other module's refresh after the sign-out: %v", err)
		}
	})

	t.Run("RPInitiatedLogoutAndRetry", func(t *testing.T) {
		e.t = t
		b := e.browser()
		tok, idt, sid := e.bcSignIn(b)
		raw, _ := tok.Extra("id_token").(string)
		e.bc.fail.Store(1) // the module is down once: the logout comes again
		posts := e.bc.posts.Load()
		start := time.Now()
		b.get(e.issuer + "/oidc/end_session?" + urlValues("id_token_hint", raw, "post_logout_redirect_uri", logoutURI))
		e.refused(tok, "after RP-initiated logout")
		e.logoutClaims(e.bc.next(t), idt.Subject, sid)
		if n := e.bc.posts.Load() - posts; n != 2 {
			t.Errorf("%d posts, want a failed one and its retry", n)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("the retry came after %v", d)
		}
		evs, _ := e.st.Audit(e.ctx, jedenlogin.AuditFilter{Action: jedenlogin.AuditOIDCBackchannel, Limit: 1000})
		if !strings.Contains(auditOutcomes(evs), "retry") {
			t.Errorf("no audit event for the failed delivery: %s", auditOutcomes(evs))
		}
	})

	t.Run("GrantEnded", func(t *testing.T) {
		e.t = t
		b := e.browser()
		tok, idt, sid := e.bcSignIn(b, oidc.ScopeEntity)
		_, _, p := e.person(demo.Operator)
		setRevoked := func(at *time.Time) {
			err := e.st.UpdatePerson(e.ctx, p.PersonID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
				for i := range rec.Grants {
					rec.Grants[i].RevokedAt = at
				}
				return nil, nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		// Earlier cases revoked grants in the store behind the service's
		// back: the first sweep ends those; then nothing ends while the
		// grant holds.
		if _, err := e.srv.EndClientSessionsOfEndedGrants(e.ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := e.srv.EndClientSessionsOfEndedGrants(e.ctx); err != nil || n != 0 {
			t.Fatalf("sweep with valid grants: %d, %v", n, err)
		}
		if len(e.bc.tokens) != 0 {
			t.Fatal("a logout for a module whose grant holds")
		}
		now := time.Now()
		setRevoked(&now)
		defer setRevoked(nil)
		if n, err := e.srv.EndClientSessionsOfEndedGrants(e.ctx); err != nil || n != 1 {
			t.Fatalf("sweep: %d, %v", n, err)
		}
		e.logoutClaims(e.bc.next(t), idt.Subject, sid)
		e.refused(tok, "after the grant ended")
		if n, _ := e.srv.EndClientSessionsOfEndedGrants(e.ctx); n != 0 {
			t.Errorf("a second sweep ends %d again", n)
		}
	})
	e.t = t
	// The audit event follows the module's answer by a moment.
	for wait := time.Now().Add(5 * time.Second); ok()-delivered < 3 && time.Now().Before(wait); {
		time.Sleep(50 * time.Millisecond)
	}
	if got := ok() - delivered; got != 3 {
		t.Errorf("%d deliveries audited as ok, want 3", got)
	}
	select {
	case extra := <-e.bc.tokens:
		t.Errorf("an extra logout token: %.80s", extra)
	case <-time.After(300 * time.Millisecond):
	}
}

func auditOutcomes(evs []jedenlogin.AuditEvent) string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Outcome)
	}
	return strings.Join(out, " ")
}

func urlValues(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}
