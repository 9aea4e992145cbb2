package password

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// scheme identifies one supported hash format.
type scheme uint8

const (
	schemeArgon2id     scheme = iota + 1
	schemeArgon2i             // $argon2i$
	schemeBcrypt              // $2a$, $2b$, $2y$
	schemeDjangoPBKDF2        // pbkdf2_sha256$iter$salt$hash
	schemePBKDF2              // $pbkdf2-sha256$ / $pbkdf2-sha512$, passlib or PHC
	schemeSSHA                // {SSHA}, {SSHA256}, {SSHA512}
	schemeBcryptSHA256        // Django bcrypt_sha256$$2b$…: bcrypt of the SHA-256 hex digest
)

// prefixes maps each recognised prefix to its scheme, the registry Verify and
// Supported dispatch on. The name is the one used in error messages.
//
// Django and OpenLDAP wrap hashes of other formats: "argon2" + a PHC
// argon2 string without its leading '$', "bcrypt$" or "bcrypt_sha256$" + a
// bcrypt hash, "{ARGON2}" + a PHC argon2 string. Such a wrapper is part of
// the prefix, and wrap is how many of its bytes come before the inner hash
// (which keeps its own '$'); the inner hash is parsed and computed as the
// format it is. fold is how many leading bytes of the prefix match
// regardless of case, as OpenLDAP compares its {SCHEME}.
var prefixes = []struct {
	prefix string
	scheme scheme
	name   string
	newSHA func() hash.Hash
	size   int // of newSHA's digest
	wrap   int // bytes of a Django or OpenLDAP wrapper at the start of prefix
	fold   int // bytes of prefix matched case-insensitively
}{
	{"$argon2id$", schemeArgon2id, "argon2id", nil, 0, 0, 0},
	{"$argon2i$", schemeArgon2i, "argon2i", nil, 0, 0, 0},
	{"$2a$", schemeBcrypt, "bcrypt", nil, 0, 0, 0},
	{"$2b$", schemeBcrypt, "bcrypt", nil, 0, 0, 0},
	{"$2y$", schemeBcrypt, "bcrypt", nil, 0, 0, 0},
	{"pbkdf2_sha256$", schemeDjangoPBKDF2, "django pbkdf2_sha256", sha256.New, sha256.Size, 0, 0},
	{"$pbkdf2-sha256$", schemePBKDF2, "pbkdf2-sha256", sha256.New, sha256.Size, 0, 0},
	{"$pbkdf2-sha512$", schemePBKDF2, "pbkdf2-sha512", sha512.New, sha512.Size, 0, 0},
	// Matched case-insensitively, as OpenLDAP does.
	{"{SSHA}", schemeSSHA, "SSHA", sha1.New, sha1.Size, 0, 6},
	{"{SSHA256}", schemeSSHA, "SSHA256", sha256.New, sha256.Size, 0, 9},
	{"{SSHA512}", schemeSSHA, "SSHA512", sha512.New, sha512.Size, 0, 9},

	// Django's Argon2PasswordHasher: "argon2" + "$argon2id$v=19$…" (Django
	// 3.2 and later) or "$argon2i$v=19$…" (Django 1.10 to 3.1).
	{"argon2$argon2id$", schemeArgon2id, "django argon2id", nil, 0, 6, 0},
	{"argon2$argon2i$", schemeArgon2i, "django argon2i", nil, 0, 6, 0},
	// Django's BCryptPasswordHasher: "bcrypt$" + the bcrypt hash.
	{"bcrypt$$2a$", schemeBcrypt, "django bcrypt", nil, 0, 7, 0},
	{"bcrypt$$2b$", schemeBcrypt, "django bcrypt", nil, 0, 7, 0},
	{"bcrypt$$2y$", schemeBcrypt, "django bcrypt", nil, 0, 7, 0},
	// Django's BCryptSHA256PasswordHasher: "bcrypt_sha256$" + the bcrypt
	// hash of the lower-case hex SHA-256 digest of the UTF-8 password.
	{"bcrypt_sha256$$2a$", schemeBcryptSHA256, "django bcrypt_sha256", nil, 0, 14, 0},
	{"bcrypt_sha256$$2b$", schemeBcryptSHA256, "django bcrypt_sha256", nil, 0, 14, 0},
	{"bcrypt_sha256$$2y$", schemeBcryptSHA256, "django bcrypt_sha256", nil, 0, 14, 0},
	// OpenLDAP's argon2 module (contrib pw-argon2 in 2.4, pwmods in 2.5):
	// "{ARGON2}" + a PHC string, argon2i when built with libargon2 (Debian),
	// argon2id when built with libsodium.
	{"{ARGON2}$argon2id$", schemeArgon2id, "ldap ARGON2 argon2id", nil, 0, 8, 8},
	{"{ARGON2}$argon2i$", schemeArgon2i, "ldap ARGON2 argon2i", nil, 0, 8, 8},
}

// Base64 variants used by the formats. Go's decoders ignore '\r' and '\n';
// parse rejects those before decoding.
var (
	b64Raw = base64.RawStdEncoding // PHC: standard alphabet, no padding
	b64Std = base64.StdEncoding    // Django, LDAP: standard alphabet, padded
	// passlib's "adapted base64": '.' instead of '+', no padding.
	b64Adapted = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./").WithPadding(base64.NoPadding)
)

// parsedHash is a stored hash split into its parts. The salt and sum are
// still encoded; parse has checked that they decode, and to which length.
type parsedHash struct {
	scheme     scheme
	name       string
	hash       string // the stored hash without a wrapper (bcrypt needs it)
	wrapped    bool   // the stored hash had a Django or OpenLDAP wrapper
	newSHA     func() hash.Hash
	digestSize int
	memory     uint32 // argon2, KiB
	time       uint32 // argon2
	threads    uint8  // argon2
	iter       int    // PBKDF2
	salt       string
	sum        string
	enc        *base64.Encoding // of salt (unless literal) and sum
	literal    bool             // the salt is used as text (Django), not decoded
	saltLen    int              // decoded bytes
	keyLen     int              // decoded bytes of sum
}

// parse recognises hash by its prefix and checks its structure, parameters
// and encodings without computing it. It does not allocate unless it fails.
func parse(hash string) (parsedHash, error) {
	for _, f := range prefixes {
		if len(hash) < len(f.prefix) {
			continue
		}
		if !strings.EqualFold(hash[:f.fold], f.prefix[:f.fold]) || hash[f.fold:len(f.prefix)] != f.prefix[f.fold:] {
			continue
		}
		ph := parsedHash{scheme: f.scheme, name: f.name, hash: hash[f.wrap:], wrapped: f.wrap > 0, newSHA: f.newSHA, digestSize: f.size}
		for i := 0; i < len(hash); i++ {
			if c := hash[i]; c <= ' ' || c > '~' {
				return ph, ph.malformed("contains a space, control or non-ASCII character")
			}
		}
		rest := hash[len(f.prefix):]
		var err error
		switch f.scheme {
		case schemeArgon2id, schemeArgon2i:
			err = ph.parseArgon2(rest)
		case schemeBcrypt, schemeBcryptSHA256:
			err = ph.parseBcrypt(rest)
		case schemeDjangoPBKDF2:
			err = ph.parseDjango(rest)
		case schemePBKDF2:
			err = ph.parsePBKDF2(rest)
		case schemeSSHA:
			err = ph.parseSSHA(rest)
		}
		return ph, err
	}
	return parsedHash{}, unknownFormat(hash)
}

// djangoAlgorithms are Django hasher names that may be shown in an error:
// only these, because text before a '$' might be part of a password stored
// in plain text by mistake.
var djangoAlgorithms = []string{"pbkdf2_sha1", "argon2", "bcrypt_sha256", "bcrypt", "scrypt",
	"sha1", "md5", "unsalted_sha1", "unsalted_md5", "crypt"}

// unknownFormat returns an error wrapping ErrUnknownFormat that names the
// hash's algorithm identifier if it has a recognisable one ("$1$", "{MD5}",
// "pbkdf2_sha1$", "argon2$argon2d$", "{ARGON2}$argon2d$"), and nothing else
// of the hash. An identifier is at most 32 letters, digits, '-' or '_'
// between "$…$" or "{…}"; other text before a '$' is named only if it is a
// known Django hasher, since a plain-text password stored by mistake must
// not reach the import report. After a Django or OpenLDAP wrapper the
// inner identifier is named by the same rules.
func unknownFormat(hash string) error {
	id := ""
	if len(hash) > 0 && (hash[0] == '$' || hash[0] == '{') {
		id = delimitedID(hash)
		if strings.EqualFold(id, "{ARGON2}") {
			id += delimitedID(hash[len(id):])
		}
	} else if name, rest, ok := strings.Cut(hash, "$"); ok {
		for _, a := range djangoAlgorithms {
			if name == a {
				id = name + "$"
			}
		}
		if name == "bcrypt" || name == "bcrypt_sha256" {
			id += delimitedID(rest)
		} else if name == "argon2" {
			// Django drops the '$' before the variant: name only those
			// argon2 has, never other text.
			if v, _, _ := strings.Cut(rest, "$"); v == "argon2d" || v == "argon2i" || v == "argon2id" {
				id += v + "$"
			}
		}
	}
	if id == "" {
		return fmt.Errorf("%w (no recognised prefix)", ErrUnknownFormat)
	}
	return fmt.Errorf("%w (prefix %q)", ErrUnknownFormat, id)
}

// delimitedID returns the identifier "$…$" or "{…}" at the start of s, or
// "": 1 to 32 letters, digits, '-' or '_' between the delimiters.
func delimitedID(s string) string {
	isIDChar := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
	}
	if len(s) == 0 || s[0] != '$' && s[0] != '{' {
		return ""
	}
	end := byte('$')
	if s[0] == '{' {
		end = '}'
	}
	for i := 1; i < len(s) && i <= 33; i++ {
		if s[i] == end && i > 1 {
			return s[:i+1]
		}
		if !isIDChar(s[i]) {
			break
		}
	}
	return ""
}

func (ph *parsedHash) malformed(problem string) error {
	return fmt.Errorf("%w: %s: %s", ErrMalformed, ph.name, problem)
}

// fields splits s at '$' into exactly n ≤ 4 fields, none of them empty. It
// returns an array, not a slice, so that the split does not allocate.
func (ph *parsedHash) fields(s string, n int, want string) (f [4]string, err error) {
	if got := strings.Count(s, "$") + 1; got != n {
		return f, ph.malformed(fmt.Sprintf("want %d fields after the prefix (%s), got %d", n, want, got))
	}
	for i := range n - 1 {
		f[i], s, _ = strings.Cut(s, "$")
	}
	f[n-1] = s
	for i := range n {
		if f[i] == "" {
			return f, ph.malformed(fmt.Sprintf("field %d of %s is empty", i+1, want))
		}
	}
	return f, nil
}

// number parses a decimal parameter and checks it lies within lo..hi.
func (ph *parsedHash) number(what, s string, lo, hi uint64) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, ph.malformed(what + " is not a decimal number")
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%w: %s: %s %d is not within %d..%d", ErrParams, ph.name, what, n, lo, hi)
	}
	return n, nil
}

// decodedLen checks that s is valid in enc and returns its decoded length,
// decoding into a stack buffer so that a valid field costs no allocation.
func (ph *parsedHash) decodedLen(what, s string, enc *base64.Encoding) (int, error) {
	var buf [MaxFieldLen]byte
	if enc.DecodedLen(len(s)) > len(buf) {
		return 0, ph.malformed(fmt.Sprintf("%s is longer than %d bytes", what, MaxFieldLen))
	}
	n, err := enc.Decode(buf[:], []byte(s))
	if err != nil {
		return 0, ph.malformed(what + " is not valid base64")
	}
	return n, nil
}

// parseArgon2 parses "v=19$m=…,t=…,p=…$salt$hash".
func (ph *parsedHash) parseArgon2(rest string) error {
	const want = "v=19$m=…,t=…,p=…$salt$hash"
	if strings.HasPrefix(rest, "m=") {
		// The reference implementation omitted the version for Argon2 1.0.
		return fmt.Errorf("%w: %s version 16 (no v=), only 19 is supported", ErrUnknownFormat, ph.name)
	}
	f, err := ph.fields(rest, 4, want)
	if err != nil {
		return err
	}
	v, ok := strings.CutPrefix(f[0], "v=")
	if !ok {
		return ph.malformed("first field is not v=…")
	}
	if v != "19" { // argon2.Version, the only one x/crypto computes
		if _, err := strconv.ParseUint(v, 10, 8); err == nil {
			return fmt.Errorf("%w: %s version %s, only 19 is supported", ErrUnknownFormat, ph.name, v)
		}
		return ph.malformed("version is not a number")
	}
	m, t, p, err := cut3(f[1])
	if err != nil {
		return ph.malformed("parameters are not m=…,t=…,p=…")
	}
	threads, err := ph.number("parallelism p", p, 1, 255)
	if err != nil {
		return err
	}
	memory, err := ph.number("memory m", m, 8*threads, MaxArgon2Memory)
	if err != nil {
		return err
	}
	time, err := ph.number("time t", t, 1, MaxArgon2Time)
	if err != nil {
		return err
	}
	if memory*time > MaxArgon2Work {
		return fmt.Errorf("%w: %s: memory m %d × time t %d exceeds %d", ErrParams, ph.name, memory, time, MaxArgon2Work)
	}
	ph.memory, ph.time, ph.threads = uint32(memory), uint32(time), uint8(threads)
	ph.salt, ph.sum, ph.enc = f[2], f[3], b64Raw
	if ph.saltLen, err = ph.decodedLen("salt", ph.salt, b64Raw); err != nil {
		return err
	}
	if ph.saltLen < minArgon2SaltLen {
		return ph.malformed(fmt.Sprintf("salt is shorter than %d bytes", minArgon2SaltLen))
	}
	return ph.checkSum()
}

// cut3 splits "m=A,t=B,p=C" into A, B, C.
func cut3(s string) (m, t, p string, err error) {
	var ok1, ok2, ok3 bool
	s, ok1 = strings.CutPrefix(s, "m=")
	m, s, _ = strings.Cut(s, ",")
	s, ok2 = strings.CutPrefix(s, "t=")
	t, s, _ = strings.Cut(s, ",")
	p, ok3 = strings.CutPrefix(s, "p=")
	if !ok1 || !ok2 || !ok3 || m == "" || t == "" || p == "" {
		return "", "", "", fmt.Errorf("bad argon2 parameters")
	}
	return m, t, p, nil
}

// checkSum checks the encoded hash ph.sum and records its length.
func (ph *parsedHash) checkSum() error {
	var err error
	if ph.keyLen, err = ph.decodedLen("hash", ph.sum, ph.enc); err != nil {
		return err
	}
	if ph.keyLen < MinKeyLen {
		return ph.malformed(fmt.Sprintf("hash is shorter than %d bytes", MinKeyLen))
	}
	return nil
}

// parseBcrypt parses "NN$" + 22 characters of salt + 31 of hash.
func (ph *parsedHash) parseBcrypt(rest string) error {
	if len(rest) != 56 || rest[2] != '$' {
		return ph.malformed("want 60 characters: $2b$NN$ and 53 characters of salt and hash")
	}
	if _, err := ph.number("cost", rest[:2], uint64(bcrypt.MinCost), MaxBcryptCost); err != nil {
		return err
	}
	for i := 3; i < len(rest); i++ {
		c := rest[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '/') {
			return ph.malformed("salt and hash are not bcrypt base64")
		}
	}
	return nil
}

// parseDjango parses "iter$salt$hash": the salt is literal text, the hash
// standard base64 with padding.
func (ph *parsedHash) parseDjango(rest string) error {
	f, err := ph.fields(rest, 3, "iterations$salt$hash")
	if err != nil {
		return err
	}
	n, err := ph.number("iterations", f[0], 1, MaxPBKDF2Iterations)
	if err != nil {
		return err
	}
	if len(f[1]) > MaxFieldLen {
		return ph.malformed(fmt.Sprintf("salt is longer than %d bytes", MaxFieldLen))
	}
	ph.iter, ph.salt, ph.sum, ph.enc, ph.literal, ph.saltLen = int(n), f[1], f[2], b64Std, true, len(f[1])
	return ph.checkSum()
}

// parsePBKDF2 parses passlib's "rounds$salt$hash" (adapted base64) or the
// PHC string format's "i=rounds[,l=keylen]$salt$hash" (standard base64
// without padding).
func (ph *parsedHash) parsePBKDF2(rest string) error {
	f, err := ph.fields(rest, 3, "rounds$salt$hash")
	if err != nil {
		return err
	}
	ph.salt, ph.sum, ph.enc = f[1], f[2], b64Adapted
	rounds, phc := strings.CutPrefix(f[0], "i=")
	wantLen := ""
	if phc {
		ph.enc = b64Raw
		rounds, wantLen, _ = strings.Cut(rounds, ",")
		if wantLen != "" {
			var ok bool
			if wantLen, ok = strings.CutPrefix(wantLen, "l="); !ok || wantLen == "" {
				return ph.malformed("parameters are not i=…[,l=…]")
			}
		}
	}
	n, err := ph.number("iterations", rounds, 1, MaxPBKDF2Iterations)
	if err != nil {
		return err
	}
	ph.iter = int(n)
	if ph.saltLen, err = ph.decodedLen("salt", ph.salt, ph.enc); err != nil {
		return err
	}
	if err := ph.checkSum(); err != nil {
		return err
	}
	if wantLen != "" {
		if l, err := ph.number("key length l", wantLen, 1, MaxFieldLen); err != nil {
			return err
		} else if int(l) != ph.keyLen {
			return ph.malformed("key length l does not match the hash")
		}
	}
	return nil
}

// parseSSHA parses base64(digest || salt), standard alphabet with padding.
func (ph *parsedHash) parseSSHA(rest string) error {
	n, err := ph.decodedLen("value", rest, b64Std)
	if err != nil {
		return err
	}
	size := ph.digestSize
	if n <= size {
		return ph.malformed(fmt.Sprintf("value is not longer than the %d-byte digest: no salt", size))
	}
	ph.sum, ph.enc, ph.keyLen, ph.saltLen = rest, b64Std, size, n-size
	return nil
}

// compute returns the stored hash value and the value computed from pw, to
// be compared in constant time. ph comes from parse, so its fields decode.
func (ph *parsedHash) compute(pw string) (want, got []byte, err error) {
	decode := func(s string) []byte {
		b, _ := ph.enc.DecodeString(s) // valid: checked by parse
		return b
	}
	switch ph.scheme {
	case schemeArgon2id:
		want = decode(ph.sum)
		got = argon2.IDKey([]byte(pw), decode(ph.salt), ph.time, ph.memory, ph.threads, uint32(len(want)))
	case schemeArgon2i:
		want = decode(ph.sum)
		got = argon2.Key([]byte(pw), decode(ph.salt), ph.time, ph.memory, ph.threads, uint32(len(want)))
	case schemeBcrypt, schemeBcryptSHA256:
		// $2y$ (PHP, htpasswd) is the same algorithm as $2b$. $2a$ differs
		// only in OpenBSD's old bug with passwords over 255 bytes, which Go
		// never had. Bytes after the 72nd are ignored, as by every bcrypt.
		h := ph.hash
		if strings.HasPrefix(h, "$2y$") {
			h = "$2b$" + h[4:]
		}
		in := []byte(pw)
		if ph.scheme == schemeBcryptSHA256 {
			// Django: binascii.hexlify(hashlib.sha256(password).digest()),
			// 64 bytes, so nothing of the password is cut off.
			sum := sha256.Sum256(in)
			in = []byte(hex.EncodeToString(sum[:]))
		}
		switch err := bcrypt.CompareHashAndPassword([]byte(h), in); err {
		case nil:
			return []byte{1}, []byte{1}, nil
		case bcrypt.ErrMismatchedHashAndPassword:
			return []byte{1}, []byte{0}, nil
		default:
			return nil, nil, ph.malformed(err.Error())
		}
	case schemeDjangoPBKDF2, schemePBKDF2:
		want = decode(ph.sum)
		salt := []byte(ph.salt)
		if !ph.literal {
			salt = decode(ph.salt)
		}
		got, err = pbkdf2.Key(ph.newSHA, pw, salt, ph.iter, len(want))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", ph.name, err)
		}
	case schemeSSHA:
		v := decode(ph.sum)
		want = v[:ph.keyLen]
		h := ph.newSHA()
		h.Write([]byte(pw))
		h.Write(v[ph.keyLen:]) // the salt
		got = h.Sum(nil)
	default:
		panic("password: unhandled scheme")
	}
	return want, got, nil
}
