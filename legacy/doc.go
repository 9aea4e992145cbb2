// Package legacy imports the accounts of the old system (SPEC §4, §5): a
// UTF-8 CSV file with a header row and one row per legacy login.
//
// Parse reads and validates a whole file and reports every problem with its
// line number and column; it never stops at the first one. Importer.Import
// validates the same way and, only when there is no error, groups the logins
// into persons (by PESEL, else by e-mail with first and last name, else the
// login stands alone), classifies every new or changed person (SPEC §6),
// completes the `unchanged` ones at once, reserves a generated login for the
// `generate` ones, and writes everything through one Store.BeginImport
// writer (one transaction), so an import either happens whole or not at all. Importing the same file
// again changes nothing: logins already in the database (same name, exact
// case) are skipped and counted.
//
// The import is built for a million rows on a small machine: one goroutine
// reads and splits the CSV records while another checks them with
// hand-written byte loops; repeated strings (names, hashes, entity names,
// scopes) are shared through a bounded intern table and the rest is copied
// into large byte arenas; rows are kept in a compact form and turned into
// logins and grants a few thousand at a time while they are written;
// rows whose login the database already has are validated but not held; and
// the Go heap is collected only near a memory limit while importing
// (Importer.MemoryLimit).
//
// A new login of a person who has already moved to one login is merged at
// once into the person's unified login (see Importer.Import): the person
// keeps one login and nothing is lost.
package legacy
