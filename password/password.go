package password

// STUB: owned by the password helper; replace entirely.

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

// Hasher hashes new passwords with argon2id and verifies every supported format.
type Hasher struct{ Params Params }

// Hash returns an argon2id PHC string for pw.
func (h *Hasher) Hash(pw string) (string, error) { panic("not implemented") }

// Verify reports whether pw matches hash, in constant time; an unsupported
// or malformed hash is an error.
func (h *Hasher) Verify(hash, pw string) (bool, error) { panic("not implemented") }

// NeedsRehash reports whether hash is not argon2id with h.Params.
func (h *Hasher) NeedsRehash(hash string) bool { panic("not implemented") }

// DummyVerify spends the time of one Verify against an argon2id hash with
// h.Params, for unknown login names (equal timing).
func (h *Hasher) DummyVerify(pw string) { panic("not implemented") }

// Supported returns nil if hash is in a supported format and well formed,
// else an error naming the problem (used by import validation).
func Supported(hash string) error { panic("not implemented") }
