package oidc_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/demo"
	"jedenlogin/oidc"
)

// testCacheInvalidation: the refresh_token grant takes the client and the
// signing key from each instance's memory (cache.go). A change made
// behind the servers' backs — through the store, as the CLI or another
// instance makes it — must count at the very next refresh on every
// instance: a rotated key signs, an old secret is refused and the new one
// works, a public client made confidential needs its secret, a removed
// client is refused. Each step first refreshes twice with the
// caches warm (the two instances take turns), so a cache that ignored the
// change would answer from the old copy.
func testCacheInvalidation(t *testing.T, e *env) {
	id := "modul-cache"
	secret, hash := oidc.NewClientSecret()
	if err := e.st.CreateOIDCClient(e.ctx, jedenlogin.OIDCClient{ID: id, Name: "Moduł z pamięcią", SecretHash: hash,
		SigningAlg: jedenlogin.AlgES256, RedirectURIs: []string{redirectURI}, PostLogoutRedirectURIs: []string{logoutURI},
		CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	conf := e.oauth(id, "offline_access")
	conf.ClientSecret = secret
	f, code := e.signedInFlow(e.browser(), conf, demo.Operator)
	tok, err := e.exchange(conf, f, code)
	if err != nil {
		t.Fatal(err)
	}
	rt := tok.RefreshToken

	// refresh posts a refresh_token grant with the secret; it returns the
	// HTTP status, the OAuth error and, on success, moves rt on and
	// returns the ID token's kid.
	refresh := func(secret string) (status int, oauthErr, kid string) {
		t.Helper()
		status, body := e.postForm("/oidc/token", id, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
		var r struct {
			Error        string `json:"error"`
			RefreshToken string `json:"refresh_token"`
			IDToken      string `json:"id_token"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("token response %d %q: %v", status, body, err)
		}
		if status == http.StatusOK {
			rt = r.RefreshToken
			hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(r.IDToken, ".")[0])
			var h struct{ Kid string }
			json.Unmarshal(hdr, &h)
			kid = h.Kid
		}
		return status, r.Error, kid
	}
	warm := func(secret string) string {
		t.Helper()
		var kid string
		for range 2 {
			status, oerr, k := refresh(secret)
			if status != http.StatusOK {
				t.Fatalf("refresh with warm caches: %d %s", status, oerr)
			}
			kid = k
		}
		return kid
	}
	refused := func(what, secret string) {
		t.Helper()
		for range 2 { // both instances
			if status, oerr, _ := refresh(secret); status == http.StatusOK || (oerr != "invalid_client" && oerr != "invalid_grant") {
				t.Errorf("%s: HTTP %d %q, want invalid_client or invalid_grant", what, status, oerr)
			}
		}
	}

	// A rotated key signs the next refresh's ID token on every instance.
	oldKid := warm(secret)
	k, err := oidc.RotateKey(e.ctx, e.st, jedenlogin.AlgES256, time.Now(), oidc.KeyRetireAfter, "test")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, oerr, kid := refresh(secret); kid != k.ID {
			t.Errorf("refresh after a key rotation signed with %q (%s), want the new %q (old %q)", kid, oerr, k.ID, oldKid)
		}
	}

	// A rotated secret: the old one is refused at once, the new one works
	// at once (twice: the cached copies hold the old secret first when the
	// old one is tried, then when the new one is).
	rotate := func() string {
		t.Helper()
		secret, hash := oidc.NewClientSecret()
		if err := e.st.UpdateOIDCClient(e.ctx, id, func(c *jedenlogin.OIDCClient) ([]jedenlogin.AuditEvent, error) {
			c.SecretHash = hash
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		return secret
	}
	warm(secret)
	second := rotate()
	refused("the old secret after a rotation", secret)
	warm(second)
	newSecret := rotate()
	warm(newSecret)
	refused("the old secret after a rotation", second)

	// A removed client is refused.
	warm(newSecret)
	if err := e.st.DeleteOIDCClient(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	refused("a removed client", newSecret)

	// A public client made confidential needs its secret at once.
	id = "aplikacja-cache"
	if err := e.st.CreateOIDCClient(e.ctx, jedenlogin.OIDCClient{ID: id, Name: "Aplikacja z pamięcią", Public: true,
		SigningAlg: jedenlogin.AlgES256, RedirectURIs: []string{redirectURI}, PostLogoutRedirectURIs: []string{logoutURI},
		CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	pub := e.oauth(id, "offline_access")
	pub.ClientSecret = ""
	f, code = e.signedInFlow(e.browser(), pub, demo.Operator)
	if tok, err = e.exchange(pub, f, code); err != nil {
		t.Fatal(err)
	}
	rt = tok.RefreshToken
	warm("")
	pubSecret, pubHash := oidc.NewClientSecret()
	if err := e.st.UpdateOIDCClient(e.ctx, id, func(c *jedenlogin.OIDCClient) ([]jedenlogin.AuditEvent, error) {
		c.Public, c.SecretHash = false, pubHash
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	refused("a public client made confidential, without its secret", "")
	warm(pubSecret)
}

// testCodeCacheInvalidation: the authorization_code grant takes the client
// and the signing key from memory too, confirmed by the count read with
// the code. With the caches of both instances warm, a rotated key signs
// the next ID token, a rotated secret is refused at once and the new one
// works, and a removed client's code is refused.
func testCodeCacheInvalidation(t *testing.T, e *env) {
	id := "modul-cache-kod"
	secret, hash := oidc.NewClientSecret()
	if err := e.st.CreateOIDCClient(e.ctx, jedenlogin.OIDCClient{ID: id, Name: "Moduł z pamięcią (kod)", SecretHash: hash,
		SigningAlg: jedenlogin.AlgES256, RedirectURIs: []string{redirectURI}, PostLogoutRedirectURIs: []string{logoutURI},
		CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	b := e.browser() // signed in once: later flows need no password
	// exchange runs a code flow and exchanges its code with secret; it
	// returns the ID token's kid, or the error.
	exchange := func(secret string) (string, error) {
		t.Helper()
		conf := e.oauth(id)
		conf.ClientSecret = secret
		f, code := e.signedInFlow(b, conf, demo.Operator)
		tok, err := e.exchange(conf, f, code)
		if err != nil {
			return "", err
		}
		idt, _ := tok.Extra("id_token").(string)
		hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(idt, ".")[0])
		var h struct{ Kid string }
		json.Unmarshal(hdr, &h)
		return h.Kid, nil
	}
	warm := func(secret string) {
		t.Helper()
		for range 2 { // both instances
			if _, err := exchange(secret); err != nil {
				t.Fatalf("exchange with warm caches: %v", err)
			}
		}
	}
	refused := func(what, secret string) {
		t.Helper()
		for range 2 {
			if _, err := exchange(secret); err == nil || !strings.Contains(err.Error(), "invalid_client") {
				t.Errorf("%s: %v, want invalid_client", what, err)
			}
		}
	}

	warm(secret)
	k, err := oidc.RotateKey(e.ctx, e.st, jedenlogin.AlgES256, time.Now(), oidc.KeyRetireAfter, "test")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if kid, err := exchange(secret); err != nil || kid != k.ID {
			t.Errorf("exchange after a key rotation signed with %q (%v), want the new %q", kid, err, k.ID)
		}
	}

	warm(secret)
	second, hash := oidc.NewClientSecret()
	if err := e.st.UpdateOIDCClient(e.ctx, id, func(c *jedenlogin.OIDCClient) ([]jedenlogin.AuditEvent, error) {
		c.SecretHash = hash
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	refused("the old secret after a rotation", secret)
	warm(second)

	// A code issued before the client was removed is refused after.
	conf := e.oauth(id)
	conf.ClientSecret = second
	f, code := e.signedInFlow(b, conf, demo.Operator)
	if err := e.st.DeleteOIDCClient(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.exchange(conf, f, code); err == nil {
		t.Error("a removed client's code was exchanged")
	}
}
