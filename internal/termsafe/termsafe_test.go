package termsafe

import "testing"

func TestString(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain Polish", "Zażółć gęślą jaźń JANKOW1", "Zażółć gęślą jaźń JANKOW1"},
		{"window title and clear screen", "\x1b]0;pwned\a\x1b[2J", `\x1b]0;pwned\x07\x1b[2J`},
		{"CR LF inside a value", "a\r\nb", `a\r\nb`},
		{"tab", "a\tb", `a\tb`},
		{"DEL", "a\x7fb", `a\x7fb`},
		{"C1 CSI", "a\u009bb", `a\u009bb`},
		{"bidi override", "abc\u202edcba", `abc\u202edcba`},
		{"bidi isolate", "x\u2066y\u2069", `x\u2066y\u2069`},
		{"invalid UTF-8", "a\xffb", `a\xffb`},
		{"emoji stays", "ok 👍", "ok 👍"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := String(tc.in); got != tc.want {
				t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
