// Package service implements jedenlogin's workflows: the feature services
// whose interfaces the root package declares (jedenlogin.SessionService,
// ConsolidationService, AccountService, RecoveryService,
// ApplicationService, GrantService, EntityService, AdminService,
// MFAService, OIDCService), one file or a few per feature: sign-in and
// its throttling (signin.go, throttle.go), sessions (session.go), the
// one-login transition (consolidation.go, transition.go), account
// self-service, recovery, access applications, grants and entities, the
// console (admin*.go), second factors (mfa.go, passkey.go) and OpenID
// Connect (oidc*.go). Every face of the system — the HTML pages and JSON
// API in web, the OpenID Connect provider, the operators' console and the
// CLI — calls these services instead of repeating them.
//
// New returns one Service: what the features share (the store, password
// hashing, throttles, the outbox and the background queue) and the
// helpers several of them use. Its fields Sessions, Consolidation,
// Accounts, Recovery, Applications, Grants, Entities, Admin, MFA and OIDC
// are the features, each a type embedding the Service with its feature's
// workflows as methods (features.go, with the compile-time checks that
// each implements its interface). One core rather than a struct per
// feature with state of its own: the features share every piece of it —
// sign-in, the transition, password change and the second factors count
// failures in the same throttle and hash through the same slots — so
// separate state would only mean copies.
//
// A workflow takes a context, the jedenlogin.Caller (the signed-in
// session, login, person and client address) where someone signed in
// acts, and plain input; it opens its transaction, checks who may act, writes the audit
// event with the change (Store.UpdatePerson, Store.StartSession take the
// events), and returns domain results or a *jedenlogin.Error whose code
// web maps to a status and whose catalogue key (package locale) is the
// text people read. Business rules themselves live in the domain
// packages (consolidation, applications, account, password, loginname).
//
// What a Service keeps in memory is per process by design and needed by
// no other instance: the password-hashing slots and the failure-time
// floor (hashing.go: at most GOMAXPROCS argon2id computations at once;
// failed sign-ins answered no sooner than the slowest recent check, so
// timing tells nothing), and the background queue for mail and recovery
// lookups (background.go).
//
// Sign-in throttling (SPEC §8): a login name's failure counter is
// incremented atomically BEFORE the password is checked, so parallel
// attempts cannot test more passwords than the limit allows; a correct
// password clears it again.
package service
