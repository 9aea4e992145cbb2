// Package jedenlogin is the domain of the jedenlogin account system: persons
// with their account data, logins, entities, grants and audit events, the
// Store interface every backend implements, and the error codes shared by
// every layer.
//
// The workflows are services on interfaces declared here, one per feature
// (wtf's DialService), with the request and result types they take and
// return, in the service_*.go files: SessionService (sign-in, sessions),
// ConsolidationService (the one-login transition), AccountService
// (contact data, password change, activation), RecoveryService,
// ApplicationService, GrantService, EntityService, AdminService (console,
// helpdesk, audit log), MFAService and OIDCService. Each method's doc
// comment names the error codes it returns (*Error). Who acts is a Caller:
// the session, its login and person, and the client address. Package
// service implements the interfaces; the faces (web's pages and JSON API,
// the OpenID Connect endpoints, the console, the CLI) call them.
//
// The package imports only the standard library. Business rules live in the
// domain subpackages (loginname, password, legacy, consolidation); storage in
// store/sqlstore; HTTP in web. Arrows point inward: everything may import
// this package, this package imports none of them.
package jedenlogin
