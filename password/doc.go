// Package password hashes new passwords with argon2id and verifies the
// password hashes imported from the legacy applications.
//
// A Hasher produces argon2id hashes in PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash). Verify dispatches on the prefix of
// the stored hash to one verifier per supported format:
//
//	$argon2id$, $argon2i$                 PHC strings, any parameters
//	$2a$, $2b$, $2y$                      bcrypt
//	pbkdf2_sha256$iter$salt$hash          Django
//	$pbkdf2-sha256$, $pbkdf2-sha512$      passlib (adapted base64) and PHC (i=…,l=…)
//	{SSHA}, {SSHA256}, {SSHA512}          salted SHA, OpenLDAP style
//
// After a successful sign-in, NeedsRehash says whether the stored hash should
// be replaced by a fresh argon2id hash with the current parameters.
// Supported checks a hash's structure without computing anything, for the
// validation of large imports.
//
// Errors never contain the stored hash or the password: a malformed hash is
// described by what is wrong with it, an unknown one at most by its
// algorithm identifier.
//
// Policy is the password policy for new passwords: length, composition,
// personal data and the embedded blocklist of common passwords (IsCommon),
// with the presets PolicySIO (the system's current rules) and PolicyNIST.
// Check returns every broken rule as a Reason with a code and a Polish
// message.
package password
