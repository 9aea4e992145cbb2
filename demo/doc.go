// Package demo fills an empty database with a small, realistic set of
// legacy accounts covering every consolidation case (SPEC §6), so that the
// transition can be tried in a browser (`jedenlogin demo`) and tested end to
// end.
//
// Build writes a legacy CSV file in memory — Polish names with diacritics,
// schools with RSPO-like ids under a gmina under a kuratorium, grants valid,
// expired and expiring within three months, argon2id and (for some logins)
// bcrypt password hashes — and runs the legacy importer on it, exactly as an
// operator's import would. It returns Credentials: every demo person with
// their logins, the readable passwords, and what the user should see.
package demo
