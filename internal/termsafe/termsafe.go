// Package termsafe makes text from data files and the database safe to
// print on an operator's terminal: control characters (a CSV value holding
// ESC could retitle the window, clear the screen or worse), line breaks
// inside a value, and bidirectional overrides (which make a text read
// differently than it is) are shown escaped instead of acting.
package termsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// String returns s with every character that would act on a terminal
// rather than be shown — C0 and C1 control characters (CR, LF and TAB
// included), DEL, invalid UTF-8, and the bidirectional formatting
// characters — replaced by a Go-style escape (\x1b, \r, \u202e).
func String(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.Is(unicode.Cc, r) || Bidi(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Bidi reports whether r is a bidirectional formatting character
// (embeddings, overrides, isolates and marks) that reorders what follows.
func Bidi(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

func needsEscape(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError || (r >= 0x80 && (unicode.Is(unicode.Cc, r) || Bidi(r))) {
			return true
		}
	}
	return false
}
