package legacy

import (
	"strings"
	"unicode"

	"jedenlogin/internal/termsafe"
)

// Text that a file may hold but no one should see: control characters
// (C0, DEL, C1; CR, LF and TAB included) act on terminals and break lines
// in mails and reports, and bidirectional formatting characters
// (termsafe.Bidi: U+202A–202E, U+2066–2069, U+200E/F, U+061C) make a name
// read differently than it is written ("Nowak" shown for "kawoN").

// cleanedColumns are the free-text columns whose unsafe characters the
// import removes, with a warning: names, the phone and the scopes.
var cleanedColumns = [...]column{colFirstName, colSecondName, colLastName, colPhone, colEntityName, colScopes}

// keyColumns are the columns that are keys: a value holding unsafe
// characters is an error, since removing them could make it another key.
var keyColumns = [...]column{colEntityID, colEntityParentID}

// unsafeRune reports a control or bidirectional formatting character.
func unsafeRune(r rune) bool { return unicode.Is(unicode.Cc, r) || termsafe.Bidi(r) }

// hasUnsafe reports whether s holds a control or bidirectional formatting
// character; plain ASCII text and UTF-8 text without such characters pass
// at the cost of a byte loop.
func hasUnsafe(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b < 0x20 || b == 0x7f {
			return true
		}
		if b >= 0x80 {
			for _, r := range s[i:] {
				if unsafeRune(r) {
					return true
				}
			}
			return false
		}
	}
	return false
}

// removeUnsafe returns s with line breaks and tabs turned into spaces,
// other control and bidirectional formatting characters removed, and runs
// of spaces this leaves collapsed to one.
func removeUnsafe(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || r == ' ':
			space = true
			continue
		case unsafeRune(r):
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
