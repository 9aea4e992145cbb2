package password

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// foreign returns the generated vector called name.
func foreign(t *testing.T, name string) vector {
	t.Helper()
	for _, v := range foreignVectors {
		if v.name == name {
			return v
		}
	}
	t.Fatalf("no vector %q in vectors_django_test.go", name)
	return vector{}
}

// TestForeignBcryptSHA256PreHash: Django's bcrypt_sha256 is bcrypt of the
// lower-case hex SHA-256 digest of the UTF-8 password, nothing else.
func TestForeignBcryptSHA256PreHash(t *testing.T) {
	h := &Hasher{}
	for _, name := range []string{"django bcrypt_sha256", "django bcrypt_sha256 polish"} {
		v := foreign(t, name)
		inner := strings.TrimPrefix(v.hash, "bcrypt_sha256$")
		sum := sha256.Sum256([]byte(v.pw))
		for _, tc := range []struct {
			pw   string
			want bool
		}{
			{hex.EncodeToString(sum[:]), true},
			{strings.ToUpper(hex.EncodeToString(sum[:])), false},
			{v.pw, false},
		} {
			if ok, err := h.Verify(inner, tc.pw); err != nil || ok != tc.want {
				t.Errorf("%s: Verify(inner bcrypt, %q) = %v, %v; want %v", name, tc.pw, ok, err, tc.want)
			}
		}
	}
}

// TestForeignWrappedNeedsRehash: a Django or OpenLDAP argon2id hash is
// rehashed even when its parameters are the Hasher's, so that every
// password ends up as a PHC string.
func TestForeignWrappedNeedsRehash(t *testing.T) {
	h := &Hasher{Params: DefaultParams}
	v := foreign(t, "ldap argon2id default params")
	inner := strings.TrimPrefix(v.hash, "{ARGON2}")
	if h.NeedsRehash(inner) {
		t.Fatalf("NeedsRehash(%q) = true: the vector's inner hash is not DefaultParams", inner)
	}
	if !h.NeedsRehash(v.hash) {
		t.Error("NeedsRehash({ARGON2} with DefaultParams) = false, want true")
	}
}

// TestForeignLDAPSchemeCase: OpenLDAP matches {ARGON2} in any case; the
// argon2 variant after it is case-sensitive, as libargon2 reads it.
func TestForeignLDAPSchemeCase(t *testing.T) {
	h := &Hasher{}
	v := foreign(t, "ldap argon2i polish")
	lower := "{argon2}" + strings.TrimPrefix(v.hash, "{ARGON2}")
	if ok, err := h.Verify(lower, v.pw); err != nil || !ok {
		t.Errorf("Verify({argon2}…) = %v, %v; want true, nil", ok, err)
	}
	upper := "{ARGON2}$ARGON2I$" + strings.TrimPrefix(v.hash, "{ARGON2}$argon2i$")
	if err := Supported(upper); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Supported({ARGON2}$ARGON2I$…) = %v, want ErrUnknownFormat", err)
	}
}

// TestForeignMalformed: broken Django and OpenLDAP hashes are refused, by
// Supported (the import) and Verify alike, with an error naming what is
// wrong and repeating nothing secret of the hash.
func TestForeignMalformed(t *testing.T) {
	// The parts of three generated vectors, which the table breaks.
	a := strings.Split(foreign(t, "django argon2id polish").hash, "$") // argon2 argon2id v=19 m=256,t=1,p=2 salt sum
	salt, sum := a[4], a[5]
	bc := strings.TrimPrefix(foreign(t, "django bcrypt").hash, "bcrypt$$2b$05$")
	l := strings.Split(foreign(t, "ldap argon2i polish").hash, "$") // {ARGON2} argon2i v=19 m=256,t=1,p=1 salt sum
	ldap := l[4] + "$" + l[5]
	if len(a) != 6 || len(l) != 6 || len(bc) != 53 {
		t.Fatalf("the generated vectors changed form: %q, %q, %q", a, l, bc)
	}
	broken := func(s string) string { return s[:4] + "*" + s[5:] } // not base64
	tests := []struct {
		name    string
		hash    string
		want    error
		message string
	}{
		{"django argon2 salt not base64", "argon2$argon2id$v=19$m=256,t=1,p=2$" + broken(salt) + "$" + sum, ErrMalformed, "django argon2id: salt is not valid base64"},
		{"django argon2 hash padded", "argon2$argon2id$v=19$m=256,t=1,p=2$" + salt + "$" + sum + "==", ErrMalformed, "django argon2id: hash is not valid base64"},
		{"django argon2 missing hash", "argon2$argon2id$v=19$m=256,t=1,p=2$" + salt, ErrMalformed, "django argon2id: want 4 fields"},
		{"django argon2 empty salt", "argon2$argon2i$v=19$m=256,t=1,p=2$$" + sum, ErrMalformed, "django argon2i: field 3"},
		{"django argon2 memory 4 GiB", "argon2$argon2id$v=19$m=4194304,t=1,p=2$" + salt + "$" + sum, ErrParams, "django argon2id: memory m 4194304"},
		{"django argon2 time 1000", "argon2$argon2id$v=19$m=256,t=1000,p=2$" + salt + "$" + sum, ErrParams, "time t 1000"},
		{"django argon2 lanes 0", "argon2$argon2id$v=19$m=256,t=1,p=0$" + salt + "$" + sum, ErrParams, "parallelism p 0"},
		{"django argon2 lanes 1000", "argon2$argon2id$v=19$m=256,t=1,p=1000$" + salt + "$" + sum, ErrParams, "parallelism p 1000"},
		// argon2-cffi before 16.0 (Django 1.10) wrote Argon2 1.0 without v=.
		{"django argon2 version 1.0", "argon2$argon2i$m=256,t=1,p=2$" + salt + "$" + sum, ErrUnknownFormat, "django argon2i version 16"},
		{"django argon2d", "argon2$argon2d$v=19$m=256,t=1,p=2$" + salt + "$" + sum, ErrUnknownFormat, `(prefix "argon2$argon2d$")`},
		{"django argon2 with a dollar", "argon2$$argon2id$v=19$m=256,t=1,p=2$" + salt + "$" + sum, ErrUnknownFormat, `(prefix "argon2$")`},
		{"django argon2 other text", "argon2$mysecretpassword$", ErrUnknownFormat, `(prefix "argon2$")`},

		{"django bcrypt truncated", "bcrypt$$2b$05$" + bc[:30], ErrMalformed, "django bcrypt: want 60 characters"},
		{"django bcrypt cost 31", "bcrypt$$2b$31$" + bc, ErrParams, "django bcrypt: cost 31"},
		{"django bcrypt_sha256 cost 20", "bcrypt_sha256$$2b$20$" + bc, ErrParams, "django bcrypt_sha256: cost 20"},
		{"django bcrypt_sha256 bad character", "bcrypt_sha256$$2b$05$" + bc[:5] + "+" + bc[6:], ErrMalformed, "django bcrypt_sha256: salt and hash are not bcrypt base64"},
		{"django bcrypt missing dollar", "bcrypt$2b$05$" + bc, ErrUnknownFormat, `(prefix "bcrypt$")`},
		{"django bcrypt empty", "bcrypt$", ErrUnknownFormat, `(prefix "bcrypt$")`},
		{"django bcrypt_sha256 md5-crypt inside", "bcrypt_sha256$$1$saltsalt$qjXMvbEw8oaL.CzflDugX/", ErrUnknownFormat, `(prefix "bcrypt_sha256$$1$")`},

		{"ldap argon2 empty", "{ARGON2}", ErrUnknownFormat, `(prefix "{ARGON2}")`},
		{"ldap argon2 no dollar", "{ARGON2}argon2i$v=19$m=256,t=1,p=1$" + ldap, ErrUnknownFormat, `(prefix "{ARGON2}")`},
		{"ldap argon2d", "{ARGON2}$argon2d$v=19$m=256,t=1,p=1$" + ldap, ErrUnknownFormat, `(prefix "{ARGON2}$argon2d$")`},
		{"ldap argon2 missing params", "{ARGON2}$argon2i$v=19$" + ldap, ErrMalformed, "ldap ARGON2 argon2i: want 4 fields"},
		{"ldap argon2 params misspelt", "{ARGON2}$argon2i$v=19$mem=256,t=1,p=1$" + ldap, ErrMalformed, "ldap ARGON2 argon2i: parameters are not m=…,t=…,p=…"},
		{"ldap argon2 memory 2 GiB", "{ARGON2}$argon2i$v=19$m=2097152,t=1,p=1$" + ldap, ErrParams, "ldap ARGON2 argon2i: memory m 2097152"},
		{"ldap argon2 salt not base64", "{ARGON2}$argon2id$v=19$m=256,t=1,p=1$" + broken(l[4]) + "$" + l[5], ErrMalformed, "salt is not valid base64"},
		{"ldap argon2 short hash", "{ARGON2}$argon2id$v=19$m=256,t=1,p=1$" + l[4] + "$" + l[5][:16], ErrMalformed, "hash is shorter than 16 bytes"},
		{"ldap argon2 newline", "{ARGON2}$argon2i$v=19$m=256,t=1,p=1$" + ldap + "\n", ErrMalformed, "control"},
	}
	h := &Hasher{Params: CheapParams}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Supported(tt.hash)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Supported = %v, want an error wrapping %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("Supported = %q, want it to contain %q", err, tt.message)
			}
			for _, secret := range secretParts(tt.hash) {
				if secret == "argon2id" || secret == "argon2i" { // the variant after a wrapper
					continue
				}
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q repeats part of the hash %q", err, secret)
				}
			}
			ok, verr := h.Verify(tt.hash, "any password")
			if ok || verr == nil || verr.Error() != err.Error() {
				t.Errorf("Verify = %v, %v; want false and the error of Supported", ok, verr)
			}
			if !h.NeedsRehash(tt.hash) {
				t.Error("NeedsRehash = false, want true")
			}
		})
	}
}

// TestNewPasswordsDoNotTruncate: a legacy bcrypt hash of a 100-byte password
// accepts, as bcrypt always has, every password sharing its first 72 bytes;
// the argon2id hash that replaces it after the sign-in (NeedsRehash, then
// Hash of what was typed) accepts the full password only.
func TestNewPasswordsDoNotTruncate(t *testing.T) {
	h := &Hasher{Params: CheapParams}
	legacy := foreign(t, "django bcrypt 100 bytes")
	if len(pw100) != 100 || pw100Same72[:72] != pw100[:72] || pw100Same72 == pw100 {
		t.Fatalf("pw100 and pw100Same72 are not 100 bytes sharing the first 72")
	}
	for _, pw := range []string{pw100, pw100Same72, pw100[:72]} {
		if ok, err := h.Verify(legacy.hash, pw); err != nil || !ok {
			t.Errorf("legacy bcrypt: Verify(%q) = %v, %v; want true (bcrypt reads 72 bytes)", pw, ok, err)
		}
	}
	if !h.NeedsRehash(legacy.hash) {
		t.Fatal("NeedsRehash(legacy bcrypt) = false")
	}
	rehashed, err := h.Hash(pw100)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{pw100, true}, {pw100Same72, false}, {pw100[:72], false}, {pw100[:99], false}} {
		if ok, err := h.Verify(rehashed, tc.pw); err != nil || ok != tc.want {
			t.Errorf("after rehash: Verify(%q) = %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
	// The other 100-byte vectors never truncated.
	for _, v := range foreignVectors {
		if v.pw == pw100 && v.name != legacy.name {
			if ok, err := h.Verify(v.hash, pw100Same72); err != nil || ok {
				t.Errorf("%s: Verify(pw100Same72) = %v, %v; want false", v.name, ok, err)
			}
		}
	}
}

// TestHashRefusesOverMaxPasswordBytes: Hash takes passwords up to
// MaxPasswordBytes, every byte counting, and refuses longer ones; the zero
// Policy refuses them too, so that no face stores what it cannot sign in.
func TestHashRefusesOverMaxPasswordBytes(t *testing.T) {
	h := &Hasher{Params: CheapParams}
	longest := strings.Repeat("ż", MaxPasswordBytes/2) // 2 bytes each
	hash, err := h.Hash(longest)
	if err != nil {
		t.Fatalf("Hash(%d bytes) = %v", len(longest), err)
	}
	if ok, _ := h.Verify(hash, longest[:len(longest)-2]+"z"); ok {
		t.Error("a password differing in its last character verifies")
	}
	if _, err := h.Hash(longest + "a"); !errors.Is(err, ErrTooLong) || !strings.Contains(err.Error(), "1025 bytes, at most 1024") {
		t.Errorf("Hash(%d bytes) = %v, want ErrTooLong naming both lengths", len(longest)+1, err)
	}
	reasons := Policy{}.Check(longest+"a", PolicyContext{})
	if len(reasons) != 1 || reasons[0].Code != ReasonTooLong {
		t.Errorf("zero Policy on %d bytes = %v, want too_long", len(longest)+1, reasons)
	}
	if reasons := (Policy{}).Check(longest, PolicyContext{}); reasons != nil {
		t.Errorf("zero Policy on %d bytes = %v, want nil", len(longest), reasons)
	}
	// The presets' 256 characters are at most 1024 bytes.
	for _, p := range []Policy{PolicySIO, PolicyNIST} {
		if p.MaxLength*utf8.UTFMax > MaxPasswordBytes {
			t.Errorf("%s: MaxLength %d characters may exceed MaxPasswordBytes", p.Name, p.MaxLength)
		}
	}
}
