package password

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Fuzz targets of the hash formats (TESTING.md, "Fuzzing").

// cheap is the most work FuzzParse lets Verify do on a hash the fuzzer
// made: enough for every known vector, little enough for thousands of
// runs a second.
const (
	cheapArgon2Work = 4096 // KiB × passes
	cheapBcryptCost = 6
	cheapPBKDF2     = 20_000
)

// FuzzParse: any string either parses — as the format its prefix names,
// with every cost parameter within the limits, a wrapper holding a hash
// that parses alone with the same parameters, NeedsRehash true unless it
// is a plain argon2id hash with the Hasher's parameters, and Verify
// answering without an error — or is refused by Supported and Verify alike
// with exactly one of ErrUnknownFormat, ErrMalformed or ErrParams, and an
// error that does not repeat the hash.
func FuzzParse(f *testing.F) {
	for _, v := range vectors {
		f.Add(v.hash, v.pw)
	}
	for _, v := range rehashVectors {
		f.Add(v.hash, pwHorse)
	}
	for _, h := range []string{
		"", "$", "$$", "{}", "{SSHA}", "{ssha}AAAA", "$2b$", "$2b$99$" + bcryptSaltHash, "$2x$04$" + bcryptSaltHash,
		"bcrypt$", "bcrypt_sha256$$2b$04$" + bcryptSaltHash, "argon2$argon2d$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA",
		"$argon2id$m=64,t=1,p=1$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA", "$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA",
		"$argon2id$v=19$m=1048576,t=64,p=1$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA", "$argon2id$v=19$m=64,t=1,p=255$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA",
		"$pbkdf2-sha256$i=1000,l=$c2FsdA$c2FsdHNhbHRzYWx0c2FsdA", "$pbkdf2-sha512$99999999$c2FsdA$c2FsdHNhbHRzYWx0c2FsdA",
		"pbkdf2_sha256$1$$c2FsdHNhbHRzYWx0c2FsdA==", "pbkdf2_sha1$1000$salt$hash", "$1$salt$hash", "$6$rounds=5000$salt$hash",
		"{MD5}X03MO1qnZdYdgyfeuILPmQ==", "{CRYPT}$1$salt$hash", "{ARGON2}$argon2d$v=19$m=64,t=1,p=1$c2FsdA$c2FsdA", "plaintext-password",
	} {
		f.Add(h, "")
	}
	f.Fuzz(func(t *testing.T, hash, pw string) {
		ph, err := parse(hash)
		if serr := Supported(hash); fmt.Sprint(serr) != fmt.Sprint(err) {
			t.Fatalf("Supported(%q) = %v, parse %v", hash, serr, err)
		}
		h := &Hasher{Params: DefaultParams}
		if err != nil {
			n := 0
			for _, sentinel := range []error{ErrUnknownFormat, ErrMalformed, ErrParams} {
				if errors.Is(err, sentinel) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("parse(%q) = %v: wraps %d of ErrUnknownFormat, ErrMalformed, ErrParams, want 1", hash, err, n)
			}
			// An unknown format may be named by an identifier of up to
			// 48 characters (bcrypt_sha256$ and a 34-character $id$).
			if len(hash) > 48 && strings.Contains(err.Error(), hash) {
				t.Fatalf("parse(%q): error %q repeats the hash", hash, err)
			}
			if ok, verr := h.Verify(hash, pw); ok || verr == nil || verr.Error() != err.Error() {
				t.Fatalf("Verify(%q) = %v, %v; parse refused it with %v", hash, ok, verr, err)
			}
			if !h.NeedsRehash(hash) {
				t.Fatalf("NeedsRehash(%q) = false for a hash that does not parse", hash)
			}
			return
		}
		checkParsed(t, hash, ph)
		if work(ph) <= 1 {
			ok, verr := h.Verify(hash, pw)
			if verr != nil {
				t.Fatalf("Verify(%q, %q) = %v, %v for a hash Supported accepts", hash, pw, ok, verr)
			}
		}
	})
}

// checkParsed checks what parse made of hash, which it accepted.
func checkParsed(t *testing.T, hash string, ph parsedHash) {
	t.Helper()
	entry := -1
	for i, f := range prefixes {
		if len(hash) >= len(f.prefix) && strings.EqualFold(hash[:f.fold], f.prefix[:f.fold]) && hash[f.fold:len(f.prefix)] == f.prefix[f.fold:] {
			entry = i
			break
		}
	}
	if entry < 0 || prefixes[entry].scheme != ph.scheme || prefixes[entry].name != ph.name || ph.hash != hash[prefixes[entry].wrap:] {
		t.Fatalf("parse(%q) = scheme %d %q, inner %q: not what its prefix names", hash, ph.scheme, ph.name, ph.hash)
	}
	switch ph.scheme {
	case schemeArgon2id, schemeArgon2i:
		if ph.memory > MaxArgon2Memory || ph.time < 1 || ph.time > MaxArgon2Time || uint64(ph.memory)*uint64(ph.time) > MaxArgon2Work ||
			ph.threads < 1 || ph.memory < 8*uint32(ph.threads) || ph.keyLen < MinKeyLen || ph.keyLen > MaxFieldLen || ph.saltLen < minArgon2SaltLen {
			t.Fatalf("parse(%q) accepted argon2 m=%d t=%d p=%d key %d salt %d", hash, ph.memory, ph.time, ph.threads, ph.keyLen, ph.saltLen)
		}
	case schemeBcrypt, schemeBcryptSHA256:
		cost, err := strconv.Atoi(ph.hash[4:6])
		if err != nil || cost < bcrypt.MinCost || cost > MaxBcryptCost || len(ph.hash) != 60 {
			t.Fatalf("parse(%q) accepted bcrypt %q (cost %q)", hash, ph.hash, ph.hash[4:6])
		}
	case schemeDjangoPBKDF2, schemePBKDF2:
		if ph.iter < 1 || ph.iter > MaxPBKDF2Iterations || ph.keyLen < MinKeyLen || ph.keyLen > MaxFieldLen {
			t.Fatalf("parse(%q) accepted PBKDF2 with %d iterations, key %d", hash, ph.iter, ph.keyLen)
		}
	case schemeSSHA:
		if ph.saltLen < 1 {
			t.Fatalf("parse(%q) accepted SSHA without a salt", hash)
		}
	default:
		t.Fatalf("parse(%q) = unknown scheme %d", hash, ph.scheme)
	}
	if ph.wrapped {
		inner, err := parse(ph.hash)
		if err != nil || inner.scheme != ph.scheme && !(ph.scheme == schemeBcryptSHA256 && inner.scheme == schemeBcrypt) ||
			inner.memory != ph.memory || inner.time != ph.time || inner.threads != ph.threads || inner.keyLen != ph.keyLen || inner.saltLen != ph.saltLen {
			t.Fatalf("parse(%q) accepted the wrapper, but its inner hash %q parses as %+v, %v", hash, ph.hash, inner, err)
		}
	}
	h := &Hasher{Params: DefaultParams}
	plain := ph.scheme == schemeArgon2id && !ph.wrapped && ph.memory == DefaultParams.Memory && ph.time == DefaultParams.Time &&
		ph.threads == DefaultParams.Threads && uint32(ph.keyLen) == DefaultParams.KeyLen && uint32(ph.saltLen) == DefaultParams.SaltLen
	if h.NeedsRehash(hash) == plain {
		t.Fatalf("NeedsRehash(%q) = %v; the hash is a plain argon2id hash with the Hasher's parameters: %v", hash, !plain, plain)
	}
}

// work is the cost of verifying ph relative to the cheap limits above.
func work(ph parsedHash) float64 {
	switch ph.scheme {
	case schemeArgon2id, schemeArgon2i:
		return float64(ph.memory) * float64(ph.time) / cheapArgon2Work
	case schemeBcrypt, schemeBcryptSHA256:
		cost, _ := strconv.Atoi(ph.hash[4:6])
		return float64(int(1)<<cost) / float64(int(1)<<cheapBcryptCost)
	case schemeDjangoPBKDF2, schemePBKDF2:
		return float64(ph.iter) / cheapPBKDF2
	}
	return 0
}

// Formats FuzzVerify makes hashes in.
var fuzzFormats = []string{
	"argon2id", "argon2i", "django argon2id", "django argon2i", "ldap argon2id", "ldap argon2i",
	"bcrypt 2a", "bcrypt 2b", "bcrypt 2y", "django bcrypt", "django bcrypt_sha256",
	"django pbkdf2_sha256", "passlib pbkdf2-sha256", "passlib pbkdf2-sha512", "phc pbkdf2-sha256", "phc pbkdf2-sha512",
	"ssha", "ssha256", "ssha512",
}

// FuzzVerify: a hash made of a password, in any supported format with any
// salt, is accepted by Supported, verifies with that password and with no
// other — except those the algorithm itself cannot tell apart: bcrypt's
// 72-byte cut and NUL-cycled key (bcryptKey), PBKDF2's trailing NULs
// (hmacKey) — and is to be rehashed.
func FuzzVerify(f *testing.F) {
	for i := range fuzzFormats {
		f.Add(uint8(i), []byte("saltsaltsalt1234"), pwHorse, "wrong password")
		f.Add(uint8(i), []byte{0, 1, 2, 3, 4, 5, 6, 7}, pwPolish, pwPolish+" ")
		f.Add(uint8(i), []byte("$$$$$$$$$$$$"), pw100, pw100Same72)
	}
	f.Add(uint8(0), []byte("s"), "", "\x00")
	// What the algorithms cannot tell apart (found by FuzzVerify: "" and
	// "\x00" verify alike against PBKDF2, testdata/fuzz/FuzzVerify).
	f.Add(uint8(7), []byte("s"), "ab", "ab\x00ab")
	f.Add(uint8(7), []byte("s"), "", "\x00")
	f.Add(uint8(12), []byte("s"), "haslo", "haslo\x00\x00")
	f.Add(uint8(14), []byte("s"), strings.Repeat("x", 128), strings.Repeat("x", 128)+"\x00")
	f.Fuzz(func(t *testing.T, format uint8, salt []byte, pw, other string) {
		name := fuzzFormats[int(format)%len(fuzzFormats)]
		if len(salt) > 64 {
			salt = salt[:64]
		}
		for len(salt) < 8 {
			salt = append(salt, 's')
		}
		hash := makeHash(t, name, pw, salt)
		if err := Supported(hash); err != nil {
			t.Fatalf("%s: Supported(%q) = %v", name, hash, err)
		}
		h := &Hasher{Params: DefaultParams}
		if ok, err := h.Verify(hash, pw); !ok || err != nil {
			t.Fatalf("%s: Verify(%q, its password %q) = %v, %v", name, hash, pw, ok, err)
		}
		same := other == pw
		switch {
		case strings.HasPrefix(name, "bcrypt") || name == "django bcrypt":
			same = bcryptKey(other) == bcryptKey(pw)
		case strings.Contains(name, "pbkdf2-sha512"):
			same = hmacKey(other, sha512.BlockSize) == hmacKey(pw, sha512.BlockSize)
		case strings.Contains(name, "pbkdf2"):
			same = hmacKey(other, sha256.BlockSize) == hmacKey(pw, sha256.BlockSize)
		}
		if ok, err := h.Verify(hash, other); ok != same || err != nil {
			t.Fatalf("%s: Verify(%q of %q, %q) = %v, %v; want %v", name, hash, pw, other, ok, err, same)
		}
		if !h.NeedsRehash(hash) {
			t.Fatalf("%s: NeedsRehash(%q) = false", name, hash)
		}
	})
}

// bcryptKey is what bcrypt makes of a password: its first 72 bytes and a
// NUL, repeated to 72 bytes. Two passwords with the same key verify alike:
// beyond the 72-byte cut, "" and "\x00", or "ab" and "ab\x00ab", are one
// password to bcrypt (OpenBSD's too).
func bcryptKey(pw string) string {
	if len(pw) > 72 {
		pw = pw[:72]
	}
	k := strings.Repeat(pw+"\x00", 72/(len(pw)+1)+1)
	return k[:72]
}

// hmacKey is what HMAC makes of a password as PBKDF2's key: padded with
// NULs to the hash's block, or hashed when longer. Trailing NULs of a
// password within the block do not count ("" and "\x00" are one password
// to PBKDF2 everywhere, Django and passlib included); a longer password is
// compared as is (a hash equal to another password is out of reach).
func hmacKey(pw string, block int) string {
	if len(pw) > block {
		return pw
	}
	return strings.TrimRight(pw, "\x00")
}

// makeHash hashes pw with salt in the named format, with cheap costs,
// writing the format out as the tools that make it do.
func makeHash(t *testing.T, name, pw string, salt []byte) string {
	t.Helper()
	phc := func(variant string, key []byte) string {
		return fmt.Sprintf("$%s$v=19$m=64,t=1,p=1$%s$%s", variant, b64Raw.EncodeToString(salt), b64Raw.EncodeToString(key))
	}
	ab64 := func(b []byte) string { return b64Adapted.EncodeToString(b) }
	bc := func(prefix string, in []byte) string {
		if len(in) > 72 {
			in = in[:72]
		}
		b, err := bcrypt.GenerateFromPassword(in, bcrypt.MinCost)
		if err != nil {
			t.Fatalf("bcrypt: %v", err)
		}
		return prefix + string(b[3:])
	}
	ssha := func(scheme string, sum []byte) string { return scheme + b64Std.EncodeToString(append(sum, salt...)) }
	switch name {
	case "argon2id", "django argon2id", "ldap argon2id":
		s := phc("argon2id", argon2.IDKey([]byte(pw), salt, 1, 64, 1, 32))
		return map[string]string{"argon2id": "", "django argon2id": "argon2", "ldap argon2id": "{ARGON2}"}[name] + s
	case "argon2i", "django argon2i", "ldap argon2i":
		s := phc("argon2i", argon2.Key([]byte(pw), salt, 1, 64, 1, 32))
		return map[string]string{"argon2i": "", "django argon2i": "argon2", "ldap argon2i": "{ARGON2}"}[name] + s
	case "bcrypt 2a":
		return bc("$2a", []byte(pw))
	case "bcrypt 2b":
		return bc("$2b", []byte(pw))
	case "bcrypt 2y":
		return bc("$2y", []byte(pw))
	case "django bcrypt":
		return "bcrypt$" + bc("$2b", []byte(pw))
	case "django bcrypt_sha256":
		sum := sha256.Sum256([]byte(pw))
		return "bcrypt_sha256$" + bc("$2b", []byte(hex.EncodeToString(sum[:])))
	case "django pbkdf2_sha256":
		// Django's salt is text: letters and digits.
		text := make([]byte, len(salt))
		const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		for i, b := range salt {
			text[i] = alnum[int(b)%len(alnum)]
		}
		key, _ := pbkdf2.Key(sha256.New, pw, text, 100, 32)
		return "pbkdf2_sha256$100$" + string(text) + "$" + b64Std.EncodeToString(key)
	case "passlib pbkdf2-sha256":
		key, _ := pbkdf2.Key(sha256.New, pw, salt, 100, 32)
		return "$pbkdf2-sha256$100$" + ab64(salt) + "$" + ab64(key)
	case "passlib pbkdf2-sha512":
		key, _ := pbkdf2.Key(sha512.New, pw, salt, 100, 64)
		return "$pbkdf2-sha512$100$" + ab64(salt) + "$" + ab64(key)
	case "phc pbkdf2-sha256":
		key, _ := pbkdf2.Key(sha256.New, pw, salt, 100, 32)
		return "$pbkdf2-sha256$i=100,l=32$" + b64Raw.EncodeToString(salt) + "$" + b64Raw.EncodeToString(key)
	case "phc pbkdf2-sha512":
		key, _ := pbkdf2.Key(sha512.New, pw, salt, 100, 64)
		return "$pbkdf2-sha512$i=100$" + b64Raw.EncodeToString(salt) + "$" + b64Raw.EncodeToString(key)
	case "ssha":
		h := sha1.New()
		h.Write([]byte(pw))
		h.Write(salt)
		return ssha("{SSHA}", h.Sum(nil))
	case "ssha256":
		h := sha256.New()
		h.Write([]byte(pw))
		h.Write(salt)
		return ssha("{SSHA256}", h.Sum(nil))
	case "ssha512":
		h := sha512.New()
		h.Write([]byte(pw))
		h.Write(salt)
		return ssha("{SSHA512}", h.Sum(nil))
	}
	t.Fatalf("no format %q", name)
	return ""
}

// FuzzParams: what a Hasher whose Params validate writes, Supported
// accepts and NeedsRehash keeps (same parameters); Params that do not
// validate are refused by Hash. The hash is assembled with a dummy key, so
// no parameters are too costly to try.
func FuzzParams(f *testing.F) {
	f.Add(DefaultParams.Memory, DefaultParams.Time, DefaultParams.Threads, DefaultParams.KeyLen, DefaultParams.SaltLen)
	f.Add(CheapParams.Memory, CheapParams.Time, CheapParams.Threads, CheapParams.KeyLen, CheapParams.SaltLen)
	f.Add(uint32(MaxArgon2Memory), uint32(MaxArgon2Time), uint8(1), uint32(32), uint32(16))
	f.Add(uint32(MaxArgon2Memory), uint32(4), uint8(255), uint32(256), uint32(256))
	f.Add(uint32(8), uint32(1), uint8(2), uint32(16), uint32(8))
	f.Fuzz(func(t *testing.T, memory, time uint32, threads uint8, keyLen, saltLen uint32) {
		p := Params{Memory: memory, Time: time, Threads: threads, KeyLen: keyLen, SaltLen: saltLen}
		if err := p.Validate(); err != nil {
			if !errors.Is(err, ErrParams) {
				t.Fatalf("Validate(%+v) = %v, not ErrParams", p, err)
			}
			if p == (Params{}) {
				return // a zero Params means DefaultParams
			}
			if _, herr := (&Hasher{Params: p}).Hash("x"); !errors.Is(herr, ErrParams) {
				t.Fatalf("Hash with %+v = %v, want ErrParams", p, herr)
			}
			return
		}
		hash := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", memory, time, threads,
			b64Raw.EncodeToString(make([]byte, saltLen)), b64Raw.EncodeToString(make([]byte, keyLen)))
		if err := Supported(hash); err != nil {
			t.Fatalf("Params %+v validate, but Supported refuses their hash: %v", p, err)
		}
		if (&Hasher{Params: p}).NeedsRehash(hash) {
			t.Fatalf("NeedsRehash of a hash with the Hasher's own Params %+v = true", p)
		}
	})
}
