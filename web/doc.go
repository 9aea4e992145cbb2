// Package web is the HTTP face of jedenlogin: the sign-in page and JSON API,
// server-side sessions, the one-login transition screens ("Potwierdź wybór
// loginu"), the entity list, health and Prometheus metrics.
//
// Layout (miniflux style): one file per action (page_*.go for HTML pages,
// api_*.go for the JSON API), templates and static files embedded and
// parsed once by New, every user-facing text in the embedded catalogue
// locale/pl.json. Errors follow wtf: handlers return errors, one table
// (errors.go) maps error codes to HTTP statuses, internal errors are logged
// and shown only as "internal error".
//
// Security rules that every handler relies on live in the middleware:
// cross-origin state-changing requests are refused (http.CrossOriginProtection),
// HTML forms carry a CSRF token, every response carries the security headers,
// and every request with a session cookie has its session checked against
// the idle and absolute timeouts before any handler runs.
//
// Account self-service (SPEC §7; profile, contact data, password change,
// login and password recovery) mails codes and links built from
// Config.PublicURL. Mail and the recovery lookups run in a bounded
// background queue (background.go): a recovery form is answered alike, and
// as fast, whether or not anything matched. Links carry one-time tokens
// (jedenlogin.Token), stored hashed and spent atomically.
//
// Sign-in throttling (SPEC §8): a login name's failure counter is
// incremented atomically BEFORE the password is checked, so parallel
// attempts cannot test more passwords than the limit allows; a correct
// password clears the counter again. The per-address counter is incremented
// after a failure.
//
// Hot paths (issue 4's speed figures): a request reads its session with
// the login, the person and the login's grants in one query
// (Store.SessionView); routes marked lightRoute (GET /api/v1/me) need
// nothing more, the others load the person's whole record too. Activity
// is written to the session at most every 30 s (touchInterval), so reads
// stay reads. Password hashing runs at most GOMAXPROCS computations at
// once (hashing.go): more would only slow each other down.
package web
