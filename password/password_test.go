package password

import (
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestVerifyKnownVectors(t *testing.T) {
	h := &Hasher{Params: DefaultParams}
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			if err := Supported(v.hash); err != nil {
				t.Fatalf("Supported: %v", err)
			}
			ok, err := h.Verify(v.hash, v.pw)
			if err != nil || !ok {
				t.Fatalf("Verify(right password) = %v, %v; want true, nil", ok, err)
			}
			// Each differs from the password within its first 72 bytes, the
			// part bcrypt reads.
			for _, wrong := range []string{"y" + v.pw, ""} {
				if ok, err := h.Verify(v.hash, wrong); err != nil || ok {
					t.Errorf("Verify(wrong password %q) = %v, %v; want false, nil", wrong, ok, err)
				}
			}
			if got := h.NeedsRehash(v.hash); got != v.rehash {
				t.Errorf("NeedsRehash = %v, want %v", got, v.rehash)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	h := &Hasher{Params: DefaultParams}
	for _, v := range rehashVectors {
		t.Run(v.name, func(t *testing.T) {
			if err := Supported(v.hash); err != nil {
				t.Fatalf("Supported: %v", err)
			}
			if !h.NeedsRehash(v.hash) {
				t.Error("NeedsRehash = false, want true")
			}
		})
	}
}

func TestBcryptIgnoresBytesAfter72(t *testing.T) {
	// Legacy bcrypt implementations hashed only the first 72 bytes; a user
	// who typed a longer password must still get in with it, and with its
	// 72-byte prefix, exactly as before the import.
	const hash = "$2b$04$R4SQRPRNBXDhwwJHYG2dv.5zeo9.iEUzQbebp8aP4jzgpfEKYHoJa" // of pwLong
	h := &Hasher{}
	for _, pw := range []string{pwLong, pwLong[:72], pwLong[:72] + "other tail"} {
		if ok, err := h.Verify(hash, pw); err != nil || !ok {
			t.Errorf("Verify(%q) = %v, %v; want true, nil", pw, ok, err)
		}
	}
	if ok, _ := h.Verify(hash, pwLong[:71]); ok {
		t.Error("Verify(first 71 bytes) = true, want false")
	}
}

// secretParts returns the parts of a stored hash that an error message must
// not repeat: every '$'-separated field of 8 or more characters except the
// algorithm identifier and numbers.
func secretParts(hash string) []string {
	var parts []string
	first := true
	for _, f := range strings.FieldsFunc(hash, func(r rune) bool { return r == '$' || r == '{' || r == '}' }) {
		if first {
			first = false
			continue
		}
		if len(f) >= 8 && strings.Trim(f, "0123456789") != "" {
			parts = append(parts, f)
		}
	}
	return parts
}

func TestMalformedAndUnsupported(t *testing.T) {
	const (
		salt16  = "c2FsdHNhbHRzYWx0MTIzNA"
		sum32   = "bRQuGGxI47XCGoycLn6junJV+y61u4Ke2qbEVPieWqE"
		bcrypt  = "TupSF.yoxfXnPx56n0PZ0ejzHQOfJupXOWa2Ln7JFBELNeVsb3ehC"
		django  = "Zl+lyCNH2rrqTOx/793V0XRQk7wCSUFEqShwBRrPAiI="
		passlib = "9Xc/DW6wO.g83/z8h27EcOtkKbWPlGRk0z1A/j3xeqo"
	)
	tests := []struct {
		name    string
		hash    string
		want    error
		message string // a substring the error message must contain
	}{
		{"argon2id missing hash", "$argon2id$v=19$m=64,t=1,p=1$" + salt16, ErrMalformed, "want 4 fields"},
		{"argon2id extra field", "$argon2id$v=19$m=64,t=1,p=1$" + salt16 + "$" + sum32 + "$x", ErrMalformed, "want 4 fields"},
		{"argon2id empty salt", "$argon2id$v=19$m=64,t=1,p=1$$" + sum32, ErrMalformed, "empty"},
		{"argon2id salt not base64", "$argon2id$v=19$m=64,t=1,p=1$c2Fs*HNhbHRzYWx0$" + sum32, ErrMalformed, "salt is not valid base64"},
		{"argon2id hash padded", "$argon2id$v=19$m=64,t=1,p=1$" + salt16 + "$" + sum32 + "=", ErrMalformed, "hash is not valid base64"},
		{"argon2id hash url alphabet", "$argon2id$v=19$m=64,t=1,p=1$" + salt16 + "$" + strings.ReplaceAll(sum32, "+", "-"), ErrMalformed, "hash is not valid base64"},
		{"argon2id params out of order", "$argon2id$v=19$t=1,m=64,p=1$" + salt16 + "$" + sum32, ErrMalformed, "m=…,t=…,p=…"},
		{"argon2id memory not a number", "$argon2id$v=19$m=lots,t=1,p=1$" + salt16 + "$" + sum32, ErrMalformed, "memory m is not a decimal number"},
		{"argon2id negative time", "$argon2id$v=19$m=64,t=-1,p=1$" + salt16 + "$" + sum32, ErrMalformed, "time t is not a decimal number"},
		{"argon2id memory over 1 GiB", "$argon2id$v=19$m=2097152,t=1,p=1$" + salt16 + "$" + sum32, ErrParams, "memory m 2097152"},
		{"argon2id memory below 8 KiB per thread", "$argon2id$v=19$m=8,t=1,p=2$" + salt16 + "$" + sum32, ErrParams, "memory m 8"},
		{"argon2id time 0", "$argon2id$v=19$m=64,t=0,p=1$" + salt16 + "$" + sum32, ErrParams, "time t 0"},
		{"argon2id time huge", "$argon2id$v=19$m=64,t=100000,p=1$" + salt16 + "$" + sum32, ErrParams, "time t 100000"},
		{"argon2id threads 0", "$argon2id$v=19$m=64,t=1,p=0$" + salt16 + "$" + sum32, ErrParams, "parallelism p 0"},
		{"argon2id number overflow", "$argon2id$v=19$m=99999999999999999999999,t=1,p=1$" + salt16 + "$" + sum32, ErrMalformed, "memory m"},
		{"argon2id short salt", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + sum32, ErrMalformed, "salt is shorter than 8 bytes"},
		{"argon2id short hash", "$argon2id$v=19$m=64,t=1,p=1$" + salt16 + "$bRQuGGxI47U", ErrMalformed, "hash is shorter than 16 bytes"},
		{"argon2id huge salt", "$argon2id$v=19$m=64,t=1,p=1$" + strings.Repeat("A", 400) + "$" + sum32, ErrMalformed, "salt is longer than 256 bytes"},
		{"argon2id version 16", "$argon2id$v=16$m=64,t=1,p=1$" + salt16 + "$" + sum32, ErrUnknownFormat, "version 16"},
		{"argon2id no version", "$argon2id$m=64,t=1,p=1$" + salt16 + "$" + sum32, ErrUnknownFormat, "version 16"},
		{"argon2id version garbage", "$argon2id$v=x$m=64,t=1,p=1$" + salt16 + "$" + sum32, ErrMalformed, "version"},
		{"argon2id trailing newline", "$argon2id$v=19$m=64,t=1,p=1$" + salt16 + "$" + sum32 + "\n", ErrMalformed, "control"},
		{"argon2id inner space", "$argon2id$v=19$m=64, t=1,p=1$" + salt16 + "$" + sum32, ErrMalformed, "space"},

		{"bcrypt truncated", "$2b$04$" + bcrypt[:40], ErrMalformed, "want 60 characters"},
		{"bcrypt cost 31", "$2b$31$" + bcrypt, ErrParams, "cost 31"},
		{"bcrypt cost 3", "$2y$03$" + bcrypt, ErrParams, "cost 3"},
		{"bcrypt cost not a number", "$2a$x4$" + bcrypt, ErrMalformed, "cost is not a decimal number"},
		{"bcrypt bad character", "$2a$04$" + strings.Replace(bcrypt, "T", "+", 1), ErrMalformed, "not bcrypt base64"},

		{"django missing hash", "pbkdf2_sha256$1000$CgU7rNqz9hUV7TzXhRkkU2", ErrMalformed, "want 3 fields"},
		{"django iterations 0", "pbkdf2_sha256$0$CgU7rNqz9hUV7TzXhRkkU2$" + django, ErrParams, "iterations 0"},
		{"django iterations 20M", "pbkdf2_sha256$20000000$CgU7rNqz9hUV7TzXhRkkU2$" + django, ErrParams, "iterations 20000000"},
		{"django iterations exponent", "pbkdf2_sha256$1e3$CgU7rNqz9hUV7TzXhRkkU2$" + django, ErrMalformed, "iterations is not a decimal number"},
		{"django hash unpadded", "pbkdf2_sha256$1000$CgU7rNqz9hUV7TzXhRkkU2$" + strings.TrimSuffix(django, "="), ErrMalformed, "hash is not valid base64"},
		{"django hash short", "pbkdf2_sha256$1000$CgU7rNqz9hUV7TzXhRkkU2$Zl+lyCNH2rrqTOx/", ErrMalformed, "shorter than 16 bytes"},

		{"passlib plus in salt", "$pbkdf2-sha256$1500$EoIwRoixdk4J+eidUwrh/A$" + passlib, ErrMalformed, "salt is not valid base64"},
		{"passlib rounds not a number", "$pbkdf2-sha256$many$EoIwRoixdk4JQeidUwrh/A$" + passlib, ErrMalformed, "iterations is not a decimal number"},
		{"passlib rounds 11M", "$pbkdf2-sha512$11000000$EoIwRoixdk4JQeidUwrh/A$" + passlib, ErrParams, "iterations 11000000"},
		{"passlib missing salt", "$pbkdf2-sha256$1500$" + passlib, ErrMalformed, "want 3 fields"},
		{"phc wrong l", "$pbkdf2-sha256$i=1000,l=16$o/nCexHgTVWIuw9uLTxKWw$ttfEg0SsgjhK3/PcLxuJSRadIbhysIAF+6Cpt2T/oW0", ErrMalformed, "key length l does not match"},
		{"phc unknown param", "$pbkdf2-sha256$i=1000,x=32$o/nCexHgTVWIuw9uLTxKWw$ttfEg0SsgjhK3/PcLxuJSRadIbhysIAF+6Cpt2T/oW0", ErrMalformed, "i=…[,l=…]"},

		{"ssha digest only, no salt", "{SSHA}+rNhM8aiuBY+IFZac9/RGyeJnVk=", ErrMalformed, "no salt"},
		{"ssha not base64", "{SSHA}+rNhM8aiuBY+IFZac9/RGyeJnVmVcVa!", ErrMalformed, "not valid base64"},
		{"ssha empty", "{SSHA}", ErrMalformed, "SSHA"},
		{"ssha512 with sha1-sized value", "{SSHA512}+rNhM8aiuBY+IFZac9/RGyeJnVmVcVay", ErrMalformed, "no salt"},

		{"md5-crypt", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/", ErrUnknownFormat, `(prefix "$1$")`},
		{"sha512-crypt", "$6$rounds=5000$saltsalt$abcdefghijklmnop", ErrUnknownFormat, `(prefix "$6$")`},
		{"argon2d", "$argon2d$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0MTIzNA$NwBdYYYQZp1DXy14hj/jqYPBHKCV0MOVjYC9brluamE", ErrUnknownFormat, `(prefix "$argon2d$")`},
		{"ldap md5", "{MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==", ErrUnknownFormat, `(prefix "{MD5}")`},
		{"ldap unsalted sha", "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", ErrUnknownFormat, `(prefix "{SHA}")`},
		{"django pbkdf2_sha1", "pbkdf2_sha1$260000$saltsaltsalt$aGFzaGhhc2hoYXNo", ErrUnknownFormat, `(prefix "pbkdf2_sha1$")`},
		{"plain text password", "hunter2hunter2", ErrUnknownFormat, "(no recognised prefix)"},
		{"plain text with dollar", "mysecret$hunter22", ErrUnknownFormat, "(no recognised prefix)"},
		{"plain text starting with dollar", "$mysecret password$", ErrUnknownFormat, "(no recognised prefix)"},
		{"hex md5", "5f4dcc3b5aa765d61d8327deb882cf99", ErrUnknownFormat, "(no recognised prefix)"},
		{"leading space", " $2b$04$" + bcrypt, ErrUnknownFormat, "(no recognised prefix)"},
		{"upper-case argon2id", "$ARGON2ID$v=19$m=64,t=1,p=1$" + salt16 + "$" + sum32, ErrUnknownFormat, `(prefix "$ARGON2ID$")`},
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
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q repeats part of the hash %q", err, secret)
				}
			}
			if strings.Contains(tt.message, "no recognised prefix") && strings.Contains(err.Error(), strings.TrimSpace(tt.hash)[:4]) {
				t.Errorf("error %q repeats the start of an unrecognised value", err)
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

func TestSupportedDoesNotAllocate(t *testing.T) {
	for _, v := range vectors {
		if n := testing.AllocsPerRun(20, func() { _ = Supported(v.hash) }); n != 0 {
			t.Errorf("%s: Supported allocates %v times per call, want 0", v.name, n)
		}
	}
}

var phcArgon2id = regexp.MustCompile(`^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$`)

func TestHashDefaultParams(t *testing.T) {
	var h Hasher // the zero Hasher uses DefaultParams
	a, err := h.Hash(pwPolish)
	if err != nil {
		t.Fatal(err)
	}
	m := phcArgon2id.FindStringSubmatch(a)
	if m == nil || m[1] != "19456" || m[2] != "2" || m[3] != "1" || len(m[4]) != 22 || len(m[5]) != 43 {
		t.Fatalf("Hash = %q, want $argon2id$v=19$m=19456,t=2,p=1$<16-byte salt>$<32-byte hash>", a)
	}
	if ok, err := h.Verify(a, pwPolish); err != nil || !ok {
		t.Errorf("Verify(own hash) = %v, %v; want true, nil", ok, err)
	}
	if (&Hasher{Params: DefaultParams}).NeedsRehash(a) {
		t.Error("NeedsRehash(own hash) = true, want false")
	}
	if !(&Hasher{Params: CheapParams}).NeedsRehash(a) {
		t.Error("NeedsRehash with other params = false, want true")
	}
}

func TestHashMatchesReferenceImplementation(t *testing.T) {
	// The first vector was made by the argon2 CLI with the salt
	// "saltsaltsalt1234" and DefaultParams; our encoder must produce the
	// very same string.
	want := vectors[0].hash
	if got := hashWithSalt(DefaultParams, pwHorse, []byte("saltsaltsalt1234")); got != want {
		t.Errorf("hashWithSalt = %q, want %q", got, want)
	}
}

func TestHashCheapParamsRoundtrip(t *testing.T) {
	h := &Hasher{Params: CheapParams}
	a, err := h.Hash("")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("Hash = %q, want CheapParams", a)
	}
	if ok, err := h.Verify(a, ""); err != nil || !ok {
		t.Errorf("Verify(empty password) = %v, %v; want true, nil", ok, err)
	}
	if ok, err := h.Verify(a, " "); err != nil || ok {
		t.Errorf("Verify(space) = %v, %v; want false, nil", ok, err)
	}
	if b, _ := h.Hash(""); a == b {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if h.NeedsRehash(a) {
		t.Error("NeedsRehash = true, want false")
	}
	if !(&Hasher{Params: DefaultParams}).NeedsRehash(a) {
		t.Error("NeedsRehash with DefaultParams = false, want true")
	}
	other := CheapParams
	other.SaltLen = 8
	if !(&Hasher{Params: other}).NeedsRehash(a) {
		t.Error("NeedsRehash with another salt length = false, want true")
	}
}

func TestParamsValidate(t *testing.T) {
	mod := func(f func(*Params)) Params { p := DefaultParams; f(&p); return p }
	tests := []struct {
		name string
		p    Params
		ok   bool
	}{
		{"default", DefaultParams, true},
		{"cheap", CheapParams, true},
		{"no threads", mod(func(p *Params) { p.Threads = 0 }), false},
		{"memory below 8 KiB per thread", mod(func(p *Params) { p.Memory, p.Threads = 15, 2 }), false},
		{"memory over 1 GiB", mod(func(p *Params) { p.Memory = 1<<20 + 1 }), false},
		{"time 0", mod(func(p *Params) { p.Time = 0 }), false},
		{"time too high", mod(func(p *Params) { p.Time = 65 }), false},
		{"key too short", mod(func(p *Params) { p.KeyLen = 8 }), false},
		{"salt too short", mod(func(p *Params) { p.SaltLen = 4 }), false},
		{"salt too long", mod(func(p *Params) { p.SaltLen = 1000 }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrParams)) {
				t.Fatalf("Validate = %v, want ok=%v", err, tt.ok)
			}
			_, herr := (&Hasher{Params: tt.p}).Hash("x")
			if (herr == nil) != tt.ok {
				t.Errorf("Hash error = %v, want ok=%v", herr, tt.ok)
			}
		})
	}
}

func TestDummyVerifyCostsAsMuchAsVerify(t *testing.T) {
	if raceEnabled {
		t.Skip("timing is not meaningful under the race detector")
	}
	h := &Hasher{Params: DefaultParams}
	hash, err := h.Hash(pwHorse)
	if err != nil {
		t.Fatal(err)
	}
	h.DummyVerify("warm up") // makes the dummy hash
	fastest := func(f func()) time.Duration {
		best := time.Hour
		for range 3 {
			start := time.Now()
			f()
			best = min(best, time.Since(start))
		}
		return best
	}
	real := fastest(func() { h.Verify(hash, "wrong password") })
	dummy := fastest(func() { h.DummyVerify("wrong password") })
	// Loose bounds: the machine is shared, but a DummyVerify that skipped
	// argon2 (microseconds) or ran it twice would fall outside.
	if dummy < real/2 || dummy > real*2 {
		t.Errorf("DummyVerify took %v, Verify %v; want about the same", dummy, real)
	}
	v, ok := dummies.Load(DefaultParams)
	if !ok || h.NeedsRehash(v.(*dummyHash).hash) {
		t.Errorf("the dummy hash is not argon2id with the Hasher's params")
	}
}

func TestConcurrentUse(t *testing.T) {
	h := &Hasher{Params: CheapParams}
	v := vectors[2]
	if v.name != "argon2id cheap params polish" {
		t.Fatalf("vectors reordered: vectors[2] is %q", v.name)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			h.DummyVerify("x")
			if ok, err := h.Verify(v.hash, v.pw); !ok || err != nil {
				t.Errorf("goroutine %d: Verify = %v, %v", i, ok, err)
			}
			if _, err := h.Hash("x"); err != nil {
				t.Errorf("goroutine %d: Hash: %v", i, err)
			}
		})
	}
	wg.Wait()
}

// BenchmarkArgon2idDefault measures one argon2id hash with DefaultParams, the
// raw rate that sign-in throughput is compared against.
func BenchmarkArgon2idDefault(b *testing.B) {
	h := &Hasher{Params: DefaultParams}
	for b.Loop() {
		if _, err := h.Hash(pwHorse); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSupported measures the import's per-row hash check.
func BenchmarkSupported(b *testing.B) {
	for b.Loop() {
		for _, v := range vectors {
			if err := Supported(v.hash); err != nil {
				b.Fatal(err)
			}
		}
	}
}
