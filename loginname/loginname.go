package loginname

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxUnified is the longest unified login, in characters.
const MaxUnified = 32

// MaxLegacy is the longest legacy login the import accepts, in characters.
const MaxLegacy = 64

// EmptyPrefix is the prefix Prefix returns when neither name contains a
// letter that transliterates to ASCII (e.g. names written only in another
// script): such a person still gets a usable login, X1, X2, …
const EmptyPrefix = "X"

// prefixLetters is how many letters of each name go into a prefix.
const prefixLetters = 3

// IsUnified reports whether name is a unified login: ^[A-Z0-9]{1,32}$.
func IsUnified(name string) bool {
	if len(name) == 0 || len(name) > MaxUnified {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// ValidLegacy reports whether name is acceptable at import: [A-Za-z0-9._-]{1,64}.
func ValidLegacy(name string) bool {
	if len(name) == 0 || len(name) > MaxLegacy {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Fold returns the case-folded form used to compare names ignoring case: the
// name with ASCII letters upper-cased (other bytes unchanged). Two names are
// equal ignoring case exactly when their Fold results are equal. A name with
// no lowercase ASCII letter is returned as is, without allocating.
func Fold(name string) string {
	i := 0
	for i < len(name) && !('a' <= name[i] && name[i] <= 'z') {
		i++
	}
	if i == len(name) {
		return name
	}
	b := []byte(name)
	for ; i < len(b); i++ {
		if 'a' <= b[i] && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

// translit holds the letters whose ASCII form Unicode decomposition does not
// give (Ł, ß, Ø, …) and, for clarity, the Polish letters of SPEC §3.
var translit = map[rune]string{
	'Ą': "A", 'Ć': "C", 'Ę': "E", 'Ł': "L", 'Ń': "N", 'Ó': "O", 'Ś': "S", 'Ź': "Z", 'Ż': "Z",
	'ą': "A", 'ć': "C", 'ę': "E", 'ł': "L", 'ń': "N", 'ó': "O", 'ś': "S", 'ź': "Z", 'ż': "Z",
	'ß': "SS", 'ẞ': "SS", 'Æ': "AE", 'æ': "AE", 'Œ': "OE", 'œ': "OE", 'Ø': "O", 'ø': "O",
	'Đ': "D", 'đ': "D", 'Ð': "D", 'ð': "D", 'Þ': "TH", 'þ': "TH", 'Ħ': "H", 'ħ': "H",
	'ı': "I", 'Ŀ': "L", 'ŀ': "L", 'Ŧ': "T", 'ŧ': "T", 'Ŋ': "N", 'ŋ': "N", 'ĸ': "K",
}

// Prefix returns the generated-login prefix for a person (SPEC §3): the first
// 3 letters of the first name followed by the first 3 letters of the last
// name, transliterated to ASCII (Ą→A … Ż→Z, Ł→L, other letters by Unicode
// compatibility decomposition with the marks dropped), upper-cased.
//
// Letters are counted after transliteration and after dropping everything
// that is not a letter, so hyphens, apostrophes, spaces and digits never
// use up one of the 3: "Anna", "Nowak-Kowalska" → ANNNOW; "O'Neil" → ONE;
// "Li", "Ng" → LING. A letter that transliterates to two (ß→SS) counts as
// two. Letters with no ASCII form (Cyrillic, Greek, …) are dropped; when
// nothing is left of either name the prefix is EmptyPrefix, so Prefix never
// returns "" and its result is a unified login of at most 6 characters.
func Prefix(firstName, lastName string) string {
	var b strings.Builder
	b.Grow(2 * prefixLetters)
	appendLetters(&b, firstName)
	appendLetters(&b, lastName)
	if b.Len() == 0 {
		return EmptyPrefix
	}
	return b.String()
}

// appendLetters writes the first prefixLetters ASCII letters of name's
// transliteration, upper-cased, to b.
func appendLetters(b *strings.Builder, name string) {
	n := 0
	emit := func(s string) {
		for i := 0; i < len(s) && n < prefixLetters; i++ {
			c := s[i]
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			if 'A' <= c && c <= 'Z' {
				b.WriteByte(c)
				n++
			}
		}
	}
	// NFC first, so a letter typed as base + combining mark meets the table.
	for _, r := range norm.NFC.String(name) {
		if n == prefixLetters {
			return
		}
		switch {
		case r < utf8.RuneSelf:
			emit(string(r))
		case translit[r] != "":
			emit(translit[r])
		case unicode.IsLetter(r):
			// Only ASCII letters of the decomposition survive emit; the
			// combining marks and letters of other scripts do not.
			emit(norm.NFKD.String(string(r)))
		}
	}
}

// Allocator hands out the smallest free PREFIX+N against an in-memory set of
// folded names; for the single-writer import. Not safe for concurrent use.
//
// It remembers, per folded prefix, the N below which every PREFIX+N is
// known to be taken, so handing out many names with one prefix costs
// amortised O(1) each instead of rescanning from 1. That is sound because
// names are only ever added, never released (a login name is never reused).
type Allocator struct {
	taken map[string]struct{}
	next  map[string]int // folded prefix → smallest N that may be free
}

// NewAllocator returns an allocator with no names taken; Take marks the
// existing ones.
func NewAllocator() *Allocator {
	return &Allocator{taken: make(map[string]struct{}), next: make(map[string]int)}
}

// Take marks name (any case) as existing, so no name equal to it ignoring
// case is handed out.
func (a *Allocator) Take(name string) {
	a.taken[Fold(name)] = struct{}{}
}

// Taken reports whether a name equal to name ignoring case is taken.
func (a *Allocator) Taken(name string) bool {
	_, ok := a.taken[Fold(name)]
	return ok
}

// Len returns how many distinct folded names are taken.
func (a *Allocator) Len() int { return len(a.taken) }

// Next returns the smallest PREFIX+N (N ≥ 1) not taken ignoring case, and
// takes it. The prefix is upper-cased; "" is treated as EmptyPrefix. Only
// exact folded equality counts: JANKOW01 does not block JANKOW1. The result
// is a unified login when prefix is a Prefix result.
func (a *Allocator) Next(prefix string) string {
	p := Fold(prefix)
	if p == "" {
		p = EmptyPrefix
	}
	n := a.next[p]
	if n < 1 {
		n = 1
	}
	buf := make([]byte, 0, len(p)+8)
	buf = append(buf, p...)
	for {
		buf = strconv.AppendInt(buf[:len(p)], int64(n), 10)
		if _, ok := a.taken[string(buf)]; !ok { // no allocation for the lookup
			break
		}
		n++
	}
	name := string(buf)
	a.taken[name] = struct{}{}
	a.next[p] = n + 1
	return name
}
