// Package conformance is the contract every jedenlogin.Store passes: an
// ordinary package whose RunTests each backend's tests call with a function
// that opens a fresh, empty store. It covers every Store method, including
// the concurrency promises (one winner among racing updates, distinct
// reserved logins, exact failure counts).
package conformance
