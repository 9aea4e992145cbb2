// Package loginname holds the rules for login names (SPEC §3): what a unified
// login is, which legacy names the import accepts, how names compare ignoring
// case, the prefix of a generated login and, for the single-writer import, an
// in-memory allocator of the next free PREFIX+N.
//
// Names compare ignoring case by Fold, which upper-cases ASCII letters only:
// every name the system accepts is ASCII (ValidLegacy, IsUnified), and ASCII
// folding is what both SQL backends' upper() agree on.
package loginname
