package password

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen uint32
}

// DefaultParams are OWASP's argon2id parameters (m=19456 KiB, t=2, p=1).
var DefaultParams = Params{Memory: 19456, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// CheapParams are for tests other than the tests of hashing itself.
var CheapParams = Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// Errors returned by Verify, Supported and Hash. They are wrapped with a
// description of the problem; use errors.Is to test for them.
var (
	// ErrUnknownFormat: the hash is not in any supported format.
	ErrUnknownFormat = errors.New("unknown password hash format")
	// ErrMalformed: the hash has a supported prefix but a broken structure
	// (missing field, bad number, bad base64, wrong length).
	ErrMalformed = errors.New("malformed password hash")
	// ErrParams: the hash's cost parameters (or a Hasher's Params) lie outside
	// the accepted range, e.g. argon2 memory above 1 GiB or more than 10
	// million PBKDF2 iterations. Such a hash would stall sign-in for minutes
	// or is too weak to be what it claims.
	ErrParams = errors.New("password hash parameters out of the accepted range")
	// ErrTooLong: Hash was given a password longer than MaxPasswordBytes.
	ErrTooLong = errors.New("password too long to hash")
)

// MaxPasswordBytes is the longest password, in bytes, that Hash accepts: the
// limit the web and API faces put on every password they take (sign-in,
// change, activation, recovery), so that no new password is stored whose
// sign-in those faces would refuse. argon2id itself reads the whole
// password, whatever its length: there is no truncation to rely on or to
// guard against, unlike bcrypt's 72 bytes.
const MaxPasswordBytes = 1024

// Limits on the parameters of stored hashes and of a Hasher.
//
// MaxArgon2Work bounds memory × time (KiB × passes), the work of one argon2
// verification: 1 GiB × 4 passes or 64 MiB × 64, a few seconds, like
// MaxBcryptCost and MaxPBKDF2Iterations. MaxArgon2Memory and MaxArgon2Time
// alone let through 1 GiB × 64 passes: over a minute of a core, and a GiB
// of memory, for every sign-in with such a hash.
const (
	MaxArgon2Memory     = 1 << 20 // KiB, i.e. 1 GiB
	MaxArgon2Time       = 64
	MaxArgon2Work       = 4 << 20 // KiB × passes
	MaxPBKDF2Iterations = 10_000_000
	MaxBcryptCost       = 16  // about 4 s per verification on current hardware
	MinKeyLen           = 16  // bytes of a stored argon2 or PBKDF2 hash
	MaxFieldLen         = 256 // decoded bytes of a salt or hash
	minArgon2SaltLen    = 8   // the reference implementation's minimum
)

// Hasher hashes new passwords with argon2id and verifies every supported
// format. A zero Params means DefaultParams. A Hasher is safe for
// concurrent use.
type Hasher struct{ Params Params }

// params returns the argon2id parameters in effect.
func (h *Hasher) params() Params {
	if h.Params == (Params{}) {
		return DefaultParams
	}
	return h.Params
}

// Validate returns an error wrapping ErrParams if p cannot be used to hash
// passwords: memory below 8 KiB per thread or above MaxArgon2Memory, time 0
// or above MaxArgon2Time, memory × time above MaxArgon2Work, no thread, a key shorter than MinKeyLen or a salt
// shorter than 8 bytes, or a key or salt longer than MaxFieldLen.
func (p Params) Validate() error {
	// (if, not switch, here and in unknownFormat: gremlins sees no
	// coverage of case expressions.)
	if p.Threads < 1 {
		return fmt.Errorf("%w: argon2id: threads must be at least 1", ErrParams)
	} else if p.Memory < 8*uint32(p.Threads) {
		return fmt.Errorf("%w: argon2id: memory %d KiB is below 8 KiB per thread", ErrParams, p.Memory)
	} else if p.Memory > MaxArgon2Memory {
		return fmt.Errorf("%w: argon2id: memory %d KiB exceeds %d KiB", ErrParams, p.Memory, MaxArgon2Memory)
	} else if p.Time < 1 || p.Time > MaxArgon2Time {
		return fmt.Errorf("%w: argon2id: time %d is not within 1..%d", ErrParams, p.Time, MaxArgon2Time)
	} else if uint64(p.Memory)*uint64(p.Time) > MaxArgon2Work {
		return fmt.Errorf("%w: argon2id: memory × time %d KiB × %d exceeds %d", ErrParams, p.Memory, p.Time, MaxArgon2Work)
	} else if p.KeyLen < MinKeyLen || p.KeyLen > MaxFieldLen {
		return fmt.Errorf("%w: argon2id: key length %d is not within %d..%d", ErrParams, p.KeyLen, MinKeyLen, MaxFieldLen)
	} else if p.SaltLen < minArgon2SaltLen || p.SaltLen > MaxFieldLen {
		return fmt.Errorf("%w: argon2id: salt length %d is not within %d..%d", ErrParams, p.SaltLen, minArgon2SaltLen, MaxFieldLen)
	}
	return nil
}

// Hash returns an argon2id PHC string for pw, with a fresh random salt.
// Every byte of pw counts (argon2id has no length limit of its own), but pw
// longer than MaxPasswordBytes is refused (ErrTooLong), as is an invalid
// h.Params (ErrParams). Hash never makes bcrypt hashes: no new password's
// meaning depends on bcrypt's 72-byte truncation.
func (h *Hasher) Hash(pw string) (string, error) {
	p := h.params()
	if err := p.Validate(); err != nil {
		return "", err
	}
	if len(pw) > MaxPasswordBytes {
		return "", fmt.Errorf("%w: %d bytes, at most %d", ErrTooLong, len(pw), MaxPasswordBytes)
	}
	salt := make([]byte, p.SaltLen)
	rand.Read(salt) // never returns an error; crashes the program if randomness fails
	return hashWithSalt(p, pw, salt), nil
}

// hashWithSalt returns the argon2id PHC string for pw with the given salt, in
// the reference implementation's exact format.
func hashWithSalt(p Params, pw string, salt []byte) string {
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64Raw.EncodeToString(salt), b64Raw.EncodeToString(key))
}

// Verify reports whether pw matches hash, comparing in constant time. A wrong
// password is (false, nil). A hash in no supported format is an error
// wrapping ErrUnknownFormat, a broken one ErrMalformed, one with absurd cost
// parameters ErrParams; the error never contains the hash.
func (h *Hasher) Verify(hash, pw string) (bool, error) {
	ph, err := parse(hash)
	if err != nil {
		return false, err
	}
	want, got, err := ph.compute(pw)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(want, got) == 1, nil
}

// NeedsRehash reports whether hash is anything other than a well-formed
// PHC argon2id hash (no Django or OpenLDAP wrapper) with exactly h.Params (memory, time, threads, key and salt
// length), i.e. whether a password that just verified against it should be
// hashed again with Hash.
func (h *Hasher) NeedsRehash(hash string) bool {
	ph, err := parse(hash)
	if err != nil || ph.scheme != schemeArgon2id || ph.wrapped {
		return true // a Django or OpenLDAP argon2id too: store it as PHC
	}
	p := h.params()
	return ph.memory != p.Memory || ph.time != p.Time || ph.threads != p.Threads ||
		uint32(ph.keyLen) != p.KeyLen || uint32(ph.saltLen) != p.SaltLen
}

// dummies holds one genuine argon2id hash per Params, made on first use by
// DummyVerify.
var dummies sync.Map // Params → *dummyHash

type dummyHash struct {
	once sync.Once
	hash string
}

// DummyVerify spends the time of one Verify against an argon2id hash with
// h.Params, for unknown login names (equal timing). The result is discarded.
// The first call for given Params also computes the dummy hash once.
func (h *Hasher) DummyVerify(pw string) {
	p := h.params()
	v, _ := dummies.LoadOrStore(p, new(dummyHash))
	d := v.(*dummyHash)
	d.once.Do(func() {
		// The hash of a random secret nobody knows: no password matches it.
		d.hash, _ = (&Hasher{Params: p}).Hash(rand.Text())
	})
	_, _ = h.Verify(d.hash, pw)
}

// Supported returns nil if hash is in a supported format and well formed,
// else an error naming the problem (wrapping ErrUnknownFormat, ErrMalformed
// or ErrParams, never containing the hash). It parses the structure,
// parameters and base64 fields but computes no hash and does not allocate
// for a valid hash, so it is cheap enough for every row of a large import.
func Supported(hash string) error {
	_, err := parse(hash)
	return err
}
