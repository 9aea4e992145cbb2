// Package service holds jedenlogin's workflows, one file per feature:
// sign-in and its throttling (signin.go, throttle.go), sessions
// (session.go), the one-login transition (consolidation.go), account
// self-service, access applications and grants. Every face of the system
// — the HTML pages and JSON API in web, the OpenID Connect provider, the
// operators' console and the CLI — calls these methods instead of
// repeating them.
//
// A workflow takes a context, the Caller (the signed-in session, login,
// person and client address) where someone signed in acts, and plain
// input; it opens its transaction, checks who may act, writes the audit
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
