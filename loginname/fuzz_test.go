package loginname

import (
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// Fuzz targets of the login-name rules (TESTING.md, "Fuzzing").

// FuzzPrefix: the prefix of any two names is 1–6 upper-case ASCII letters,
// at most 3 from each name (EmptyPrefix when neither has one); it does not
// depend on how a letter was typed (precomposed or base + combining mark)
// nor on the case the names were written in, and writing more of a name
// never changes the letters already taken.
func FuzzPrefix(f *testing.F) {
	for _, n := range [][2]string{
		{"Jan", "Kowalski"}, {"Łukasz", "Żółć"}, {"Li", "Ng"}, {"Anna", "Nowak-Kowalska"}, {"Sean", "O'Neil"},
		{"Aßa", "Özil"}, {"Jaß", "Þór"}, {"ßßß", "ÆÆÆ"}, {"Přemysl", "Čapek"}, {"Z\u0307ywiec", "E\u0328ba"},
		{" J4n ", "K 0w"}, {"Иван", "Smith"}, {"Иван", "Петров"}, {"", ""}, {"", "Nowak"}, {"ǅemal", "ŉa"},
		{"ﬁona", "Ｗｏｌｆ"}, {"ſara", "ı"}, {"Ⅻ", "①"}, {"\xff\xfe", "A\u030a"}, {"İzabela", "Ꝺ"},
	} {
		f.Add(n[0], n[1], "")
	}
	f.Add("Jan", "Kow", "alski")
	f.Add("A", "E", "\u0301\u0328")
	f.Fuzz(func(t *testing.T, first, last, more string) {
		p := Prefix(first, last)
		if p == "" || len(p) > 2*prefixLetters || strings.Trim(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" || !IsUnified(p) {
			t.Fatalf("Prefix(%q, %q) = %q: want 1–6 letters A–Z", first, last, p)
		}
		hf, hl := half(first), half(last)
		want := hf + hl
		if want == "" {
			want = EmptyPrefix
		}
		if len(hf) > prefixLetters || len(hl) > prefixLetters || p != want {
			t.Fatalf("Prefix(%q, %q) = %q; the names alone give %q and %q", first, last, p, hf, hl)
		}
		if d := Prefix(norm.NFD.String(first), norm.NFD.String(last)); d != p {
			t.Fatalf("Prefix of %q, %q decomposed (NFD) = %q, precomposed %q", first, last, d, p)
		}
		for _, c := range []func(string) string{strings.ToUpper, strings.ToLower, asciiUpper} {
			if q := Prefix(c(first), c(last)); q != p {
				t.Fatalf("Prefix(%q, %q) = %q, but %q in another case (%q, %q)", first, last, p, q, c(first), c(last))
			}
		}
		if h := half(first + more); !strings.HasPrefix(h, hf) {
			t.Fatalf("the letters of %q are %q, of %q %q: writing more changed those taken", first, hf, first+more, h)
		}
	})
}

// half is what one name gives a prefix: Prefix with a last name that gives
// exactly "Q", without that Q.
func half(name string) string { return strings.TrimSuffix(Prefix(name, "Q"), "Q") }

func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}

// FuzzFold: Fold upper-cases exactly the ASCII letters, so it is
// idempotent, keeps the length, leaves a name without lower-case letters
// as is, keeps a legacy login a legacy login, and two legacy logins fold
// equal exactly when they are equal ignoring case.
func FuzzFold(f *testing.F) {
	for _, p := range [][2]string{
		{"JanKow1", "JANKOW1"}, {"jan.kow_1-a", "JAN.KOW_1-A"}, {"", ""}, {"a`{", "A`{"}, {"łukasz", "ŁUKASZ"},
		{"JANKOW1", "JANKOW2"}, {"k", "\u212a"}, {"ſ", "s"}, {"a@", "A`"}, {"\xff", "\xdf"},
	} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		fa := Fold(a)
		if len(fa) != len(a) || Fold(fa) != fa || strings.ContainsAny(fa, "abcdefghijklmnopqrstuvwxyz") {
			t.Fatalf("Fold(%q) = %q: not the same length, not idempotent or lower-case left", a, fa)
		}
		for i := 0; i < len(a); i++ {
			c := a[i]
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			if fa[i] != c {
				t.Fatalf("Fold(%q) = %q: byte %d is %q, want %q", a, fa, i, fa[i], c)
			}
		}
		if !strings.ContainsAny(a, "abcdefghijklmnopqrstuvwxyz") && fa != a {
			t.Fatalf("Fold(%q) = %q for a name without lower-case letters", a, fa)
		}
		if IsUnified(a) && (fa != a || !ValidLegacy(a)) {
			t.Fatalf("unified %q: Fold = %q, ValidLegacy %v", a, fa, ValidLegacy(a))
		}
		if ValidLegacy(a) != ValidLegacy(fa) {
			t.Fatalf("ValidLegacy(%q) = %v but ValidLegacy(Fold) = %v", a, ValidLegacy(a), ValidLegacy(fa))
		}
		if ValidLegacy(a) && ValidLegacy(b) && (fa == Fold(b)) != strings.EqualFold(a, b) {
			t.Fatalf("Fold(%q) == Fold(%q) is %v, EqualFold %v", a, b, fa == Fold(b), strings.EqualFold(a, b))
		}
	})
}

// FuzzAllocator: with any logins taken (any case), the names Next hands out
// for a person's prefix are unified logins PREFIX+N, each the smallest N
// not taken ignoring case, never equal ignoring case to a taken name or to
// one handed out before.
func FuzzAllocator(f *testing.F) {
	f.Add("Jan", "Kowalski", "JANKOW1\nJanKow2", uint8(3))
	f.Add("Jan", "Kowalski", "JANKOW01\njankow3\nJANKOWA1", uint8(4))
	f.Add("Иван", "Петров", "X1\nx2\nX4", uint8(3))
	f.Add("Li", "Ng", "LING1\nling1\nLING2", uint8(2))
	f.Add("Anna", "Nowak", "ANNNOW\nANNNOW0\nANNNOW-1\nANNNOW 1", uint8(2))
	f.Fuzz(func(t *testing.T, first, last, taken string, count uint8) {
		a := NewAllocator()
		existing := map[string]bool{}
		for _, name := range strings.Split(taken, "\n") {
			a.Take(name)
			existing[Fold(name)] = true
		}
		p := Prefix(first, last)
		given := map[string]bool{}
		for range count%8 + 1 {
			name := a.Next(p)
			n, err := strconv.Atoi(strings.TrimPrefix(name, p))
			switch {
			case !IsUnified(name) || len(name) > MaxUnified:
				t.Fatalf("Next(%q) = %q: not a unified login", p, name)
			case !strings.HasPrefix(name, p) || err != nil || n < 1 || strconv.Itoa(n) != name[len(p):]:
				t.Fatalf("Next(%q) = %q: not the prefix and a number N ≥ 1", p, name)
			case existing[Fold(name)] || given[Fold(name)]:
				t.Fatalf("Next(%q) = %q: equal ignoring case to a name taken or handed out before", p, name)
			case !a.Taken(name) || !a.Taken(strings.ToLower(name)):
				t.Fatalf("Next(%q) = %q, not taken after", p, name)
			}
			for m := 1; m < n; m++ {
				if s := p + strconv.Itoa(m); !existing[s] && !given[s] {
					t.Fatalf("Next(%q) = %q, but %s was free", p, name, s)
				}
			}
			given[name] = true
		}
	})
}
