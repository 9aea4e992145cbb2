// Package applications holds the rules of access applications (wnioski o
// dostęp) and grants in the one-login world (SPEC §9): who may decide an
// application or revoke a grant (MayDecide, MayManage, on entities as
// RuleEntities loads them: a parent missing from the database counts as
// none), the head rule (at most one active kierownik and one active
// po_kierownika per entity with overlapping validity, HeadConflict), what
// accepting does (Accept: the grant lands on the applicant's one login, or
// a person and a generated login are created), the checks of a new
// application (Check) and when a grant may be extended (Extendable).
//
// The rules live here, once; store/sqlstore only loads and writes what
// Accept decides, inside one transaction, and package service runs the
// workflows that call these functions. The package imports the domain,
// consolidation and loginname, nothing else of the project.
package applications
