// Package web is the HTTP face of jedenlogin: the Polish pages (sign-in,
// the one-login transition "Potwierdź wybór loginu", PODMIOTY, profile and
// self-service, applications and grants), the JSON API v1, health and
// Prometheus metrics.
//
// Handlers parse, call and render. Every workflow — sign-in and its
// throttling, sessions, the transition, self-service, recovery,
// applications, grants and entities, the console, second factors, the
// person's side of OpenID Connect — belongs to a feature service on the
// root package's interfaces (jedenlogin.SessionService,
// ConsolidationService, AccountService, RecoveryService,
// ApplicationService, GrantService, EntityService, AdminService,
// MFAService, OIDCService). The Server holds one field per feature and
// calls only those interfaces; NewWithService takes them from a
// service.Service its caller built (cmd/jedenlogin wires the concrete
// types; New is the one-call convenience of tests, which builds the
// service from a Config). The implementations (Sessions, Accounts, …) own
// the transaction, the authorisation check and the audit event and return
// *jedenlogin.Error. Only the passkey ceremonies' first halves go through
// a small interface of this package (passkeyCeremonies), since their
// results are go-webauthn's types. What stays here is HTTP: cookies, CSRF
// tokens, decoding forms and JSON, and rendering.
//
// Layout (miniflux style): page_*.go are the HTML pages, api_*.go the JSON
// API, one file per feature; templates (templates/, with shared partials)
// and static files are embedded and parsed once by New, every view
// declared in render.go. Errors follow wtf: a handler returns an error,
// errors.go holds the one table from error code to HTTP status, the JSON
// body is {"error": code, "message": text, …Extra}, a page shows the
// text; internal causes are logged and shown only as "internal error".
// Every text a person reads comes from the catalogue (package locale).
//
// Security rules every handler relies on live in the middleware:
// cross-origin state-changing requests are refused
// (http.CrossOriginProtection), HTML forms carry a CSRF token, every
// response carries the security headers, and every request with a session
// cookie has its session checked (SessionService.LoadSession: idle and absolute
// timeouts, a merged or replaced login) before any handler runs.
//
// Hot paths: routes marked lightRoute (GET /api/v1/me) read the session
// with its login, person and grants in one query (Store.SessionView); the
// others load the person's whole record too. Activity is written to the
// session at most every 30 s (service.TouchInterval), so reads stay reads.
package web
