package service

import "testing"

// TestThrottleKey: the keys are exactly those stored before ThrottleKey
// existed ("addr:…" for sign-in, "apply:…" for the public form), so the
// counters in a database stay valid; an IPv6 /64 counts as one client.
func TestThrottleKey(t *testing.T) {
	for _, tc := range []struct {
		name, kind, addr, want string
	}{
		{"ipv4", "apply", "192.0.2.10", "apply:192.0.2.10"},
		{"ipv6 folds to its /64", "apply", "2001:db8:1:2:3:4:5:6", "apply:2001:db8:1:2::/64"},
		{"ipv6 neighbour in the same /64", "apply", "2001:db8:1:2:ffff::1", "apply:2001:db8:1:2::/64"},
		{"ipv4 in ipv6 stays itself", "apply", "::ffff:192.0.2.10", "apply:::ffff:192.0.2.10"},
		{"not an address", "apply", "unknown", "apply:unknown"},
		{"sign-in address", "addr", "2001:db8::1", "addr:2001:db8::/64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ThrottleKey(tc.kind, tc.addr); got != tc.want {
				t.Errorf("ThrottleKey(%q, %q) = %q, want %q", tc.kind, tc.addr, got, tc.want)
			}
		})
	}
	// The public form's key as web built it before: "apply:" + AddrKey
	// without its "addr:" prefix.
	for _, addr := range []string{"192.0.2.10", "2001:db8:1:2:3:4:5:6", "::ffff:192.0.2.10"} {
		if old := "apply:" + AddrKey(addr)[len("addr:"):]; ThrottleKey("apply", addr) != old {
			t.Errorf("ThrottleKey(apply, %s) = %q, the stored key is %q", addr, ThrottleKey("apply", addr), old)
		}
	}
}
