package password

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"
)

// bcryptSaltHash is the 53 characters of salt and hash of a real bcrypt
// hash, to be put after "$2b$NN$".
const bcryptSaltHash = "TupSF.yoxfXnPx56n0PZ0ejzHQOfJupXOWa2Ln7JFBELNeVsb3ehC"

// TestSupportedBcryptShapeAndCost: a bcrypt hash is exactly 60 characters,
// and its cost lies between bcrypt's minimum (4) and MaxBcryptCost (16, about
// 4 s per sign-in): a longer hash or a higher cost is refused at import
// rather than accepted and then failing (or stalling) every sign-in.
func TestSupportedBcryptShapeAndCost(t *testing.T) {
	for _, tc := range []struct {
		name string
		hash string
		want error
	}{
		{"60 characters, cost 4", "$2b$04$" + bcryptSaltHash, nil},
		{"cost 10", "$2a$10$" + bcryptSaltHash, nil},
		{"cost 16, the cap", "$2y$16$" + bcryptSaltHash, nil},
		{"cost 17, over the cap", "$2b$17$" + bcryptSaltHash, ErrParams},
		{"cost 3, under bcrypt's minimum", "$2b$03$" + bcryptSaltHash, ErrParams},
		{"61 characters", "$2b$04$" + bcryptSaltHash + "x", ErrMalformed},
		{"59 characters", "$2b$04$" + bcryptSaltHash[:52], ErrMalformed},
		{"cost not followed by $", "$2b$04x" + bcryptSaltHash, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := Supported(tc.hash); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("Supported = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestPolicyLoginOfThreeCharacters: a login of 3 characters or more inside
// the password is refused; shorter ones are not looked for (SPEC §7).
func TestPolicyLoginOfThreeCharacters(t *testing.T) {
	for _, tc := range []struct {
		name, login string
		refused     bool
	}{
		{"3-character login", "kot", true},
		{"3-character login in other case", "KOT", true},
		{"4-character login", "koty", true},
		{"2-character login", "ko", false},
		{"login not in the password", "pies", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := codes(PolicySIO.Check("Mój!Kotyogrodek!Dom", PolicyContext{Login: tc.login}))
			if slices.Contains(got, ReasonContainsLogin) != tc.refused {
				t.Errorf("reasons %v; refused for containing the login: want %v", got, tc.refused)
			}
		})
	}
}

// heapBytes returns how many bytes f allocates on the heap.
func heapBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestDummyVerifyDoesTheWorkOfVerify checks without a clock that
// DummyVerify (the answer to an unknown login name) does what Verify does
// for a known one: argon2id with the Hasher's own parameters, whose memory
// cost shows in the bytes allocated. A DummyVerify that did nothing, or used
// cheaper parameters, would allocate a fraction of it. The timing test
// (TestDummyVerifyCostsAsMuchAsVerify) does not run under -race; this one
// does.
func TestDummyVerifyDoesTheWorkOfVerify(t *testing.T) {
	for _, p := range []Params{
		{Memory: 4096, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16},
		{Memory: 8192, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16},
	} {
		t.Run(fmt.Sprintf("m=%d,t=%d", p.Memory, p.Time), func(t *testing.T) {
			h := &Hasher{Params: p}
			hash, err := h.Hash(pwHorse)
			if err != nil {
				t.Fatal(err)
			}
			h.DummyVerify("warm up") // makes the dummy hash
			v, ok := dummies.Load(p)
			if !ok || h.NeedsRehash(v.(*dummyHash).hash) {
				t.Fatalf("the dummy hash is not argon2id with the Hasher's params %+v", p)
			}
			real := heapBytes(func() { h.Verify(hash, "wrong password") })
			dummy := heapBytes(func() { h.DummyVerify("wrong password") })
			memory := uint64(p.Memory) * 1024
			if real < memory {
				t.Fatalf("Verify allocated %d bytes, less than its %d of argon2 memory: the measurement is broken", real, memory)
			}
			if dummy < memory || dummy > 2*real {
				t.Errorf("DummyVerify allocated %d bytes, Verify %d (argon2 memory %d); want about the same", dummy, real, memory)
			}
		})
	}
}
