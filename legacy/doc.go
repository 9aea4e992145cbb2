// Package legacy imports the accounts of the old system (SPEC §4, §5): a
// UTF-8 CSV file with a header row and one row per legacy login.
//
// Parse reads and validates a whole file and reports every problem with its
// line number and column; it never stops at the first one. Importer.Import
// validates the same way, groups the logins into persons (by PESEL, else by
// e-mail with first and last name, else the login stands alone), classifies
// every new or changed person (SPEC §6), completes the `unchanged` ones at
// once, reserves a generated login for the `generate` ones, and writes
// everything through one Store.BeginImport writer (one transaction), which
// it commits only when the file has no error: an import happens whole or not
// at all. Importing the same file again changes nothing: logins already in
// the database (same name, exact case) are skipped and counted.
//
// The import is built for a million rows on a small machine: one goroutine
// reads and splits the CSV records while another checks them with
// hand-written byte loops, and a third writes the logins and grants of new
// persons to the store as they come (a person's id is known from the first
// row that names them; what classifies the person is counted per person and
// the persons are written after the file); repeated strings (names, hashes,
// entity names, scopes) are shared through a bounded intern table and the
// rest is copied into large byte arenas; rows whose login the database
// already has are validated but not held; rows of persons the database has
// are held back and planned at the end; and the Go heap is collected only
// near a memory limit while importing (Importer.MemoryLimit).
//
// A new login of a person who has already moved to one login is merged at
// once into the person's unified login (see Importer.Import): the person
// keeps one login and nothing is lost.
package legacy
