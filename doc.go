// Package jedenlogin is the domain of the jedenlogin account system: persons
// with their account data, logins, entities, grants and audit events, the
// Store interface every backend implements, and the error codes shared by
// every layer.
//
// The package imports only the standard library. Business rules live in the
// domain subpackages (loginname, password, legacy, consolidation); storage in
// store/sqlstore; HTTP in web. Arrows point inward: everything may import
// this package, this package imports none of them.
package jedenlogin
