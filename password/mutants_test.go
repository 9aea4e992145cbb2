package password_test

import (
	"errors"
	"testing"

	"jedenlogin/password"
)

// TestParamsValidateLimits: each limit of Params.Validate is inclusive —
// the value at the limit is accepted, one past it refused — so a
// configured argon2id cost at the edge of the range (SPEC §4: configurable)
// is not refused at start-up, nor one past it accepted. Only Validate is
// called: a Hash with 1 GiB of memory is not made.
func TestParamsValidateLimits(t *testing.T) {
	mod := func(f func(*password.Params)) password.Params { p := password.CheapParams; f(&p); return p }
	for _, tc := range []struct {
		name string
		p    password.Params
		ok   bool
	}{
		{"memory exactly 8 KiB per thread", mod(func(p *password.Params) { p.Memory, p.Threads = 16, 2 }), true},
		{"memory exactly 1 GiB", mod(func(p *password.Params) { p.Memory = password.MaxArgon2Memory }), true},
		{"time 1", mod(func(p *password.Params) { p.Time = 1 }), true},
		{"time at the maximum", mod(func(p *password.Params) { p.Time = password.MaxArgon2Time }), true},
		{"memory × time exactly the maximum (1 GiB × 4)", mod(func(p *password.Params) {
			p.Memory, p.Time = password.MaxArgon2Memory, password.MaxArgon2Work/password.MaxArgon2Memory
		}), true},
		{"memory × time one pass past it (1 GiB × 5)", mod(func(p *password.Params) {
			p.Memory, p.Time = password.MaxArgon2Memory, password.MaxArgon2Work/password.MaxArgon2Memory+1
		}), false},
		{"key at the minimum", mod(func(p *password.Params) { p.KeyLen = password.MinKeyLen }), true},
		{"key one below the minimum", mod(func(p *password.Params) { p.KeyLen = password.MinKeyLen - 1 }), false},
		{"key at the maximum", mod(func(p *password.Params) { p.KeyLen = password.MaxFieldLen }), true},
		{"key one past the maximum", mod(func(p *password.Params) { p.KeyLen = password.MaxFieldLen + 1 }), false},
		{"salt of 8 bytes", mod(func(p *password.Params) { p.SaltLen = 8 }), true},
		{"salt of 7 bytes", mod(func(p *password.Params) { p.SaltLen = 7 }), false},
		{"salt at the maximum", mod(func(p *password.Params) { p.SaltLen = password.MaxFieldLen }), true},
		{"one thread", mod(func(p *password.Params) { p.Threads = 1 }), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Validate()
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, password.ErrParams)) {
				t.Errorf("Validate(%+v) = %v, want ok=%v", tc.p, err, tc.ok)
			}
		})
	}
}
