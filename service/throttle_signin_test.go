package service_test

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/service"
	"jedenlogin/store/storetest"
)

// signInStep is one sign-in of a throttle scenario and the answer it must
// get: code "" for a success, else the error's code and message key, and
// for invalid_credentials the attempts left.
type signInStep struct {
	name, addr string
	right      bool // the correct password, else a wrong one
	code, key  string
	remaining  int
}

// TestSignInThrottle: the sign-in limits of SPEC §8 through
// Sessions.SignIn, with LoginFailureLimit 3 and AddressFailureLimit 4 — the
// attempts left count down, the failure that reaches the name's limit
// blocks it (also for the right password), a success clears the name's
// count and is not held against its address, an address is blocked after
// more than AddressFailureLimit failures, and a refusal for a blocked name
// counts as a failure of its address while one for a blocked address does
// not.
func TestSignInThrottle(t *testing.T) {
	const a, b = "192.0.2.7", "198.51.100.9"
	ok := func(name, addr string) signInStep { return signInStep{name: name, addr: addr, right: true} }
	bad := func(name, addr string, remaining int) signInStep {
		return signInStep{name: name, addr: addr, code: jedenlogin.CodeInvalidCredentials, key: "signin.invalid", remaining: remaining}
	}
	nameBlocked := func(name, addr string, right bool) signInStep {
		return signInStep{name: name, addr: addr, right: right, code: jedenlogin.CodeTooManyAttempts, key: "signin.blocked"}
	}
	addrBlocked := func(name, addr string, right bool) signInStep {
		return signInStep{name: name, addr: addr, right: right, code: jedenlogin.CodeTooManyAttempts, key: "signin.address_blocked"}
	}
	for _, tc := range []struct {
		name  string
		steps []signInStep
	}{
		{"attempts left count down, the third failure blocks the name", []signInStep{
			bad("JANEK", a, 2), bad("JANEK", a, 1), nameBlocked("JANEK", a, false),
			nameBlocked("JANEK", b, true), // the right password, from elsewhere too
		}},
		{"a success clears the name's count", []signInStep{
			bad("JANEK", a, 2), bad("JANEK", a, 1), ok("JANEK", a), bad("JANEK", a, 2),
		}},
		{"unknown names count for the name too", []signInStep{
			bad("NIKT", a, 2), bad("NIKT", a, 1), nameBlocked("NIKT", a, false),
		}},
		{"the address blocks after more than AddressFailureLimit failures", []signInStep{
			bad("N1", a, 2), bad("N2", a, 2), bad("N3", a, 2), bad("N4", a, 2),
			addrBlocked("N5", a, false),
			addrBlocked("JANEK", a, true), // the right password too
			ok("JANEK", b),                // another address is not blocked
		}},
		{"successes are not held against their address", []signInStep{
			ok("JANEK", a), ok("JANEK", a), ok("JANEK", a), ok("JANEK", a), ok("JANEK", a),
			bad("N1", a, 2), bad("N2", a, 2), bad("N3", a, 2), bad("N4", a, 2),
			addrBlocked("N5", a, false),
		}},
		{"a refusal for a blocked name counts for its address", []signInStep{
			bad("JANEK", a, 2), bad("JANEK", a, 1), nameBlocked("JANEK", a, false), // address count 3
			nameBlocked("JANEK", a, false), // refused: 4
			addrBlocked("N1", a, false),    // 5 > 4
		}},
		{"a refusal for a blocked address is not counted again", []signInStep{
			bad("N1", a, 2), bad("N2", a, 2), bad("N3", a, 2), bad("N4", a, 2),
			addrBlocked("N5", a, false), addrBlocked("N6", a, false), addrBlocked("N7", a, false),
			ok("JANEK", b),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newThrottleFixture(t)
			for i, s := range tc.steps {
				pw := "zle-haslo"
				if s.right {
					pw = pwJanek
				}
				res, err := f.svc.Sessions.SignIn(context.Background(), jedenlogin.SignInRequest{Name: s.name, Password: pw, Addr: s.addr})
				if s.code == "" {
					if err != nil || res == nil {
						t.Fatalf("step %d, %s from %s: %v, want a session", i+1, s.name, s.addr, err)
					}
					continue
				}
				he := jedenlogin.AsError(err)
				if he == nil || he.Code != s.code || he.Key != s.key {
					t.Fatalf("step %d, %s from %s: %v, want %s %s", i+1, s.name, s.addr, err, s.code, s.key)
				}
				if s.code == jedenlogin.CodeInvalidCredentials {
					if got := he.Extra["remaining_attempts"]; got != s.remaining {
						t.Errorf("step %d, %s: remaining_attempts %v, want %d", i+1, s.name, got, s.remaining)
					}
				} else if he.RetryAfter != 15*time.Minute {
					t.Errorf("step %d, %s: Retry-After %v, want the 15-minute block", i+1, s.name, he.RetryAfter)
				}
			}
		})
	}
}

// TestSignInThrottleAudit: each failed sign-in and each refusal for a
// blocked name is audited with its reason, the block of a name and of an
// address once each, when it begins; refusals for a blocked address are not
// audited (they would flood the log).
func TestSignInThrottleAudit(t *testing.T) {
	f := newThrottleFixture(t)
	const a = "192.0.2.7"
	for _, name := range []string{"JANEK", "JANEK", "JANEK", "JANEK", "NIKT", "N1", "N2", "N3"} {
		f.svc.Sessions.SignIn(context.Background(), jedenlogin.SignInRequest{Name: name, Password: "zle-haslo", Addr: a})
	}
	var got []string
	for _, ev := range f.audit(t) {
		got = append(got, ev.Action+" "+ev.Subject+" "+ev.Outcome+" "+ev.Details)
	}
	want := []string{
		`sign_in_failed JANEK failed {"during":"sign_in","reason":"wrong_password"}`,
		`sign_in_failed JANEK failed {"during":"sign_in","reason":"wrong_password"}`,
		`sign_in_failed JANEK blocked {"during":"sign_in","reason":"wrong_password"}`,
		`blocked login:JANEK blocked {"failures":3,"until":"2026-03-10T08:15:00Z"}`,
		`sign_in_failed JANEK blocked {"during":"sign_in","reason":"blocked"}`,              // refused: address count 4
		`sign_in_failed NIKT address_blocked {"during":"sign_in","reason":"unknown_login"}`, // 5 > 4
		`blocked addr:192.0.2.7 blocked {"failures":5,"until":"2026-03-10T08:15:00Z"}`,
	}
	if len(got) != len(want) {
		t.Fatalf("audit log:\n%q\nwant:\n%q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("audit event %d: %s, want %s", i+1, got[i], want[i])
		}
	}
}

// throttleFixture is a service with LoginFailureLimit 3 and
// AddressFailureLimit 4 on a database holding JANEK.
type throttleFixture struct {
	st  jedenlogin.Store
	svc *service.Service
}

func newThrottleFixture(t *testing.T) *throttleFixture {
	t.Helper()
	st := storetest.Open(t, storetest.Backends(t)[0].NewDSN(t))
	now := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	h, err := hasher.Hash(pwJanek)
	if err != nil {
		t.Fatal(err)
	}
	importRows(t, st, now,
		[]string{"JANEK", h, "active", "Jan", "", "Kowalski", peselJanek, "jan@example.pl", "", "SP1", "Szkoła Podstawowa nr 1", "", "pracownik", "sio", "", ""},
	)
	svc, err := service.New(service.Config{
		Store: st, Hasher: hasher, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return now }, Mailer: &outbox{}, PublicURL: "https://konto.example.pl",
		LoginFailureLimit: 3, AddressFailureLimit: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return &throttleFixture{st: st, svc: svc}
}

// audit returns the sign-in failures and blocks, oldest first.
func (f *throttleFixture) audit(t *testing.T) []jedenlogin.AuditEvent {
	t.Helper()
	var out []jedenlogin.AuditEvent
	for _, action := range []string{jedenlogin.AuditSignInFailed, jedenlogin.AuditBlocked} {
		evs, err := f.st.Audit(context.Background(), jedenlogin.AuditFilter{Action: action})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, evs...)
	}
	slices.SortFunc(out, func(x, y jedenlogin.AuditEvent) int { return cmp.Compare(x.ID, y.ID) })
	return out
}
