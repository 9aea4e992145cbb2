package legacy

import (
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// appendLower appends s lower-cased (Unicode-aware, ASCII fast path).
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += n
	}
	return dst
}

// foldLetters maps the letters Unicode decomposition does not reduce to
// ASCII, and the Polish ones for speed, to lower-case ASCII.
var foldLetters = map[rune]string{
	'ą': "a", 'ć': "c", 'ę': "e", 'ł': "l", 'ń': "n", 'ó': "o", 'ś': "s", 'ź': "z", 'ż': "z",
	'Ą': "a", 'Ć': "c", 'Ę': "e", 'Ł': "l", 'Ń': "n", 'Ó': "o", 'Ś': "s", 'Ź': "z", 'Ż': "z",
	'ß': "ss", 'ẞ': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ø': "o", 'Ø': "o",
	'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d", 'þ': "th", 'Þ': "th", 'ħ': "h", 'Ħ': "h", 'ı': "i",
}

// appendNormName appends name normalised for comparison (SPEC §5):
// lower-cased, transliterated to ASCII where a letter has an ASCII form
// (diacritics dropped), surrounding space trimmed and inner runs of white
// space reduced to one space. Comparing normalised names makes "Łukasz
// Wójcik" and "lukasz  WOJCIK" the same person.
func appendNormName(dst []byte, name string) []byte {
	start := len(dst)
	space := false
	for i := 0; i < len(name); {
		c := name[i]
		if c < utf8.RuneSelf {
			i++
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
				space = true
				continue
			}
			if space && len(dst) > start {
				dst = append(dst, ' ')
			}
			space = false
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			continue
		}
		r, n := utf8.DecodeRuneInString(name[i:])
		i += n
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && len(dst) > start {
			dst = append(dst, ' ')
		}
		space = false
		if s, ok := foldLetters[r]; ok {
			dst = append(dst, s...)
			continue
		}
		dst = appendDecomposed(dst, r)
	}
	return dst
}

// appendDecomposed appends r's compatibility decomposition without its
// combining marks, lower-cased.
func appendDecomposed(dst []byte, r rune) []byte {
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	d := norm.NFKD.Bytes(buf[:n])
	for len(d) > 0 {
		dr, dn := utf8.DecodeRune(d)
		d = d[dn:]
		if unicode.Is(unicode.Mn, dr) {
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(dr))
	}
	return dst
}

// parseDate parses YYYY-MM-DD into UTC midnight.
func parseDate(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	y, ok1 := atoi(s[0:4])
	m, ok2 := atoi(s[5:7])
	d, ok3 := atoi(s[8:10])
	if !ok1 || !ok2 || !ok3 || y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), true
}

// parseTimestamp parses an RFC 3339 timestamp and returns it in UTC.
func parseTimestamp(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

func atoi(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
