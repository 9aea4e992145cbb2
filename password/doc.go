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
//	argon2$argon2id$…, argon2$argon2i$…   Django: "argon2" + a PHC string
//	bcrypt$$2b$…                          Django: "bcrypt$" + bcrypt ($2a$, $2y$ too)
//	bcrypt_sha256$$2b$…                   Django: bcrypt of the lower-case hex SHA-256 of the password
//	$pbkdf2-sha256$, $pbkdf2-sha512$      passlib (adapted base64) and PHC (i=…,l=…)
//	{SSHA}, {SSHA256}, {SSHA512}          salted SHA, OpenLDAP style
//	{ARGON2}$argon2i$…, {ARGON2}$argon2id$…  OpenLDAP's argon2 module
//
// A Django or OpenLDAP wrapper is checked like the hash inside it, with the
// same limits on argon2 memory, time, their product and parallelism and on
// bcrypt's cost (ErrParams), so a hostile hash cannot stall sign-in. Argon2d and Argon2
// version 1.0 (no v=19, argon2-cffi before 16) are not supported.
//
// After a successful sign-in, NeedsRehash says whether the stored hash should
// be replaced by a fresh argon2id hash with the current parameters: always
// for the legacy formats, wrapped argon2id included.
//
// bcrypt reads only the first 72 bytes of a password, and a legacy bcrypt
// hash (plain or Django's bcrypt$) keeps that behaviour: a longer password
// verifies, and so does any password sharing its first 72 bytes — nobody
// who signed in before is locked out. The rehash after that sign-in hashes
// what was typed, so from then on only that exact password works.
// bcrypt_sha256 hashes a 64-byte digest of the whole password and does not
// truncate. New passwords never get bcrypt: Hash makes argon2id, which
// reads every byte of the password (its first block hashes the password
// with its length), and refuses passwords over MaxPasswordBytes, the limit
// every face already puts on passwords.
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
