package legacygen

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
	"math/rand/v2"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/pbkdf2"
)

// Password is the password behind every hash the generator writes.
const Password = "Stare-Haslo-2019"

// poolSize is how many hashes of each cheap format the pool holds; the
// formats that cost real time to compute (argon2, PBKDF2) hold slowPool,
// which keeps the generator's start (and the tests using it) quick.
const (
	poolSize = 20
	slowPool = 6
)

// bcryptPool are bcrypt hashes (cost 5) of Password. x/crypto/bcrypt takes
// its salt from crypto/rand, so they were made once and are kept here to
// keep the generator deterministic.
var bcryptPool = [poolSize]string{
	"$2a$05$UpecXu3BT68f5u7/omITL.59fB20.1dFEdQzBWibomSpJSLwIdfna",
	"$2a$05$7q7iNkwOgn7jKMdV3stneuSQ2b/DGwbWmkK1ONTPdYZ5hcZ9zik7G",
	"$2a$05$0qdxg21tDBIS9TrC8EI.meLFM5zfraWrfWdhiKqnm/GnJy2fDhCpG",
	"$2a$05$wGkGaLAFsmGPQrdRYZZmK.eVCT.G3iNdJhJQRpZ2NFnWaRosHIgQK",
	"$2a$05$tEE6KUjNz1seDAJezZR6C.Px8Oetoyr1MaUUJrrbG1NgbRYCys92C",
	"$2a$05$/bmG4vHO7DaF8/D5Y.dKPOm1uw2Ho.4GT1oSyaLS50FwKnbDZRr9m",
	"$2a$05$GrjM1YXcqUdB1W7Ru.iAjuPpjdkJdJ5t8iu0cGkeotKdsq4Q5K2Gu",
	"$2a$05$VYo6XkdpAcVwV/kn6uVUxuNkZVedKvPZGJtnNi1j/Fu2pbBqKEMjq",
	"$2a$05$rif99dUCH1SfPOg2P.sra.C1dRJre7mVDLKmSu50x7ZMDp9UNvMxW",
	"$2a$05$B8kyORfrL.VP9b9jJ1WR3.UXC./yFJz7.18.IYWIt/QrqcsyATM6K",
	"$2a$05$m3E.TkPipeESpIqg2z50MubVCrBBRJhnCpjMIk9jQeeI1xN0LKOvm",
	"$2a$05$ZHnf/nqVsIlLRvM8mOeQpO7nnqPazMAjM/g8glwDtGfWOORQ5i/Cu",
	"$2a$05$4lRRxEET/Olop360V4D.2Oz9NbfNrmkgpOKP9MycOpreZL9EQ39dm",
	"$2a$05$QailVpyy48U3tuoW9w8mWO945kPahh1dlW3J4kGAawZu4MJTghyku",
	"$2a$05$qeb4hqmIg30awrHXFgcW0.Bfw/NW7hI6AKjEND7lvSAs9hY.DiWSu",
	"$2a$05$d1qpBucOqWOyguKTF1kUzOMpFle5Or.pNDPybVtcdvw.04xWB0ESe",
	"$2a$05$jak2CK0jIbNI/v9NWPxM3eXermSNFOUGR22ipoNRAx7l5MFwTsTXG",
	"$2a$05$G2ftMYXzCW.ZcY4cD0uHP.rCCVhCP/09SijBMVXb.onjT7uhpKf1K",
	"$2a$05$BIci/y9.jYqCrbNL0XrZBOIlRQy.GUWdr8lfUHWKZO5lc5FxoYOMO",
	"$2a$05$cS1NpX9ifmd40mcBcGZbIe2IC5jFwuIN6y0V0IO6lb9XUk8TO4DzW",
}

// hashFormat is one stored-hash format of SPEC §4 with its share of rows.
type hashFormat struct {
	name   string
	weight int  // per mille of the rows with a hash
	slow   bool // costly to compute: slowPool hashes, not poolSize
	make   func(r *rand.Rand, i int) string
}

var (
	b64Raw     = base64.RawStdEncoding
	b64Std     = base64.StdEncoding
	saltLetter = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

// formats lists every format of SPEC §4.
var formats = []hashFormat{
	{"argon2id", 200, true, func(r *rand.Rand, _ int) string {
		salt := randBytes(r, 16)
		key := argon2.IDKey([]byte(Password), salt, 2, 4096, 1, 32)
		return fmt.Sprintf("$argon2id$v=19$m=4096,t=2,p=1$%s$%s", b64Raw.EncodeToString(salt), b64Raw.EncodeToString(key))
	}},
	{"argon2i", 50, true, func(r *rand.Rand, _ int) string {
		salt := randBytes(r, 16)
		key := argon2.Key([]byte(Password), salt, 3, 4096, 1, 32)
		return fmt.Sprintf("$argon2i$v=19$m=4096,t=3,p=1$%s$%s", b64Raw.EncodeToString(salt), b64Raw.EncodeToString(key))
	}},
	{"bcrypt-2a", 150, false, func(_ *rand.Rand, i int) string { return bcryptPool[i] }},
	{"bcrypt-2b", 120, false, func(_ *rand.Rand, i int) string { return "$2b$" + bcryptPool[i][4:] }},
	{"bcrypt-2y", 80, false, func(_ *rand.Rand, i int) string { return "$2y$" + bcryptPool[i][4:] }},
	{"django-pbkdf2-sha256", 100, true, func(r *rand.Rand, _ int) string {
		salt := randText(r, 12)
		key := pbkdf2.Key([]byte(Password), []byte(salt), 5000, 32, sha256.New)
		return fmt.Sprintf("pbkdf2_sha256$5000$%s$%s", salt, b64Std.EncodeToString(key))
	}},
	{"passlib-pbkdf2-sha256", 60, true, func(r *rand.Rand, _ int) string {
		salt := randBytes(r, 16)
		key := pbkdf2.Key([]byte(Password), salt, 5000, 32, sha256.New)
		return fmt.Sprintf("$pbkdf2-sha256$5000$%s$%s", ab64(salt), ab64(key))
	}},
	{"phc-pbkdf2-sha512", 40, true, func(r *rand.Rand, _ int) string {
		salt := randBytes(r, 16)
		key := pbkdf2.Key([]byte(Password), salt, 5000, 64, sha512.New)
		return fmt.Sprintf("$pbkdf2-sha512$i=5000,l=64$%s$%s", b64Raw.EncodeToString(salt), b64Raw.EncodeToString(key))
	}},
	{"ssha", 100, false, func(r *rand.Rand, _ int) string { return ssha(r, "{SSHA}", sha1.New) }},
	{"ssha256", 60, false, func(r *rand.Rand, _ int) string { return ssha(r, "{SSHA256}", sha256.New) }},
	{"ssha512", 40, false, func(r *rand.Rand, _ int) string { return ssha(r, "{SSHA512}", sha512.New) }},
}

// hashPool holds poolSize hashes of Password per format.
type hashPool struct {
	byFormat [][]string
	total    int // sum of weights
}

// thePool is computed once per process, with salts from a fixed seed, so it
// is the same in every file and every run (and argon2 runs only once).
var thePool = sync.OnceValue(func() *hashPool {
	return newHashPool(rand.New(rand.NewPCG(2019, 4)))
})

// newHashPool computes the pool; salts come from r.
func newHashPool(r *rand.Rand) *hashPool {
	p := &hashPool{}
	for _, f := range formats {
		n := poolSize
		if f.slow {
			n = slowPool
		}
		hs := make([]string, n)
		for i := range hs {
			hs[i] = f.make(r, i)
		}
		p.byFormat = append(p.byFormat, hs)
		p.total += f.weight
	}
	return p
}

// pick returns a hash of a format drawn by weight.
func (p *hashPool) pick(r *rand.Rand) string {
	w := r.IntN(p.total)
	for i, f := range formats {
		if w < f.weight {
			return p.byFormat[i][r.IntN(len(p.byFormat[i]))]
		}
		w -= f.weight
	}
	panic("unreachable")
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func randText(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = saltLetter[r.IntN(len(saltLetter))]
	}
	return string(b)
}

// ab64 is passlib's adapted base64: standard alphabet, '.' for '+', no padding.
func ab64(b []byte) string {
	return strings.ReplaceAll(b64Raw.EncodeToString(b), "+", ".")
}

// ssha returns prefix + base64(digest(password || salt) || salt).
func ssha(r *rand.Rand, prefix string, h func() hash.Hash) string {
	salt := randBytes(r, 8)
	d := h()
	d.Write([]byte(Password))
	d.Write(salt)
	return prefix + b64Std.EncodeToString(append(d.Sum(nil), salt...))
}
