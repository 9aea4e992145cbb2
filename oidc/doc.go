// Package oidc is jedenlogin's OpenID Connect provider, built on
// github.com/zitadel/oidc/v3/pkg/op: discovery, the authorization code
// flow with PKCE, the token endpoint, userinfo, JWKS, refresh tokens with
// rotation and reuse detection, revocation and RP-initiated logout.
//
// Everything the provider knows lives in the store (jedenlogin.OIDCStore):
// clients, signing keys, authorization requests, codes, tokens and the key
// that encrypts opaque access tokens, so any number of instances serve one
// issuer. The person's side — sign-in, the one-login transition, the
// choice of entity — is jedenlogin's own pages (package web, with
// service.ContinueAuthorization deciding the next step); the authorize
// endpoint sends the browser there with the request's id, and the pages
// send it back to jedenlogin.OIDCCallbackPath.
//
// Secrets: a confidential client's secret is 256 random bits shown once
// and stored as its SHA-256 (a slow hash adds nothing to a secret that
// cannot be guessed and would cost every token request tens of
// milliseconds); codes and tokens are stored only as hashes too.
package oidc
