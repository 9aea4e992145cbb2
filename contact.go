package jedenlogin

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of contact data.
const (
	MaxEmailLen      = 254 // characters of an address (RFC 5321 path limit)
	MaxEmailLocalLen = 64  // characters before the @
	MaxPhoneLen      = 32  // characters of a phone number, separators included
	MinPhoneDigits   = 9   // a Polish number without the country code
	MaxPhoneDigits   = 15  // the longest international number (ITU-T E.164)
)

// ValidEmail reports whether s is a plain e-mail address local@domain: no
// display name, angle brackets, quotes, comments or white space; a
// dot-atom local part of at most 64 bytes (letters, digits, the RFC 5322
// atext specials, non-ASCII letters, marks and digits; dots neither first,
// last nor doubled); a domain of at least two labels of letters, digits and
// inner hyphens, at most 63 bytes each (non-ASCII letters, marks and digits
// allowed, for internationalised domains, but no non-ASCII space, control
// or format character); valid UTF-8; at most 254 bytes in all. A
// single-label domain (jan@localhost) is refused: nobody outside the
// machine can mail it. It does not trim. This is the one e-mail rule of jedenlogin: the import,
// the application form, contact change and recovery all use it.
func ValidEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || at > MaxEmailLocalLen || at == len(s)-1 || len(s) > MaxEmailLen || !utf8.ValidString(s) {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if local[0] == '.' || local[len(local)-1] == '.' {
		return false
	}
	for i := 0; i < len(local); i++ {
		// (if, not switch: gremlins sees no coverage of case expressions.)
		if c := local[i]; c == '.' {
			if local[i-1] == '.' {
				return false
			}
		} else if c >= utf8.RuneSelf {
			if !nonASCIILetters(local[i:]) {
				return false
			}
		} else if !isAlnum(c) && !isAtext(c) {
			return false
		}
	}
	labels, labelLen := 0, 0
	for i := 0; i <= len(domain); i++ {
		if i == len(domain) || domain[i] == '.' {
			if labelLen == 0 || labelLen > 63 || domain[i-1] == '-' || domain[i-labelLen] == '-' {
				return false
			}
			labels++
			labelLen = 0
			continue
		}
		if c := domain[i]; c >= utf8.RuneSelf {
			if !nonASCIILetters(domain[i:]) {
				return false
			}
		} else if !isAlnum(c) && c != '-' {
			return false // a second @ ends here too
		}
		labelLen++
	}
	return labels >= 2
}

// nonASCIILetters reports whether the character at the start of s, which
// begins with a non-ASCII byte, is a letter, a combining mark or a digit of
// some script — what internationalised addresses are made of — and not
// white space (U+00A0, U+3000), a control character (U+0080–U+009F) or a
// format character such as a bidirectional override (U+202E), which would
// make an address look like another. The loops above come back to the
// continuation bytes of the character; those are not a character's start,
// and pass.
func nonASCIILetters(s string) bool {
	if !utf8.RuneStart(s[0]) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isAtext reports whether c is one of the RFC 5322 atext specials.
func isAtext(c byte) bool {
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '/', '=', '?', '^', '_', '`', '{', '|', '}', '~':
		return true
	}
	return false
}

// NormalizePhone returns s with surrounding white space removed and every
// inner run of white space made one space ("  +48  600 100 200 " → "+48 600
// 100 200"): the form a phone is checked and kept in.
func NormalizePhone(s string) string { return strings.Join(strings.Fields(s), " ") }

// ValidPhone reports whether s, normalised by NormalizePhone, is a phone
// number: 9 to 15 digits (a Polish number with or without the country
// code, any international one), optionally separated by spaces,
// hyphens and parentheses, with an optional + in front, at most 32
// characters in all. "+48 600 100 200", "600-100-200", "(22) 123 45 67"
// pass; "12-34-56" (too few digits for any real number), "600+100200" and
// letters do not. "" is not a phone: callers for which the phone is
// optional skip the check for "". This is the one phone rule of
// jedenlogin: the application form (wniosek) and "Zmiana danych
// kontaktowych" both use it, so a phone accepted in a wniosek can be kept.
func ValidPhone(s string) bool {
	if len(s) > MaxPhoneLen {
		return false
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; '0' <= c && c <= '9' {
			digits++
		} else if !(c == '+' && i == 0 || c == ' ' || c == '-' || c == '(' || c == ')') {
			return false
		}
	}
	return digits >= MinPhoneDigits && digits <= MaxPhoneDigits
}
