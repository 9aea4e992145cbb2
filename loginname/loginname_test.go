package loginname

import (
	"fmt"
	"strings"
	"testing"
)

func TestIsUnified(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"letters and digits", "JANKOW1", true},
		{"digits only", "12345", true},
		{"digit 0", "JANKOW10", true},
		{"every digit", "A0123456789", true},
		{"first and last letters", "AZ", true},
		{"byte after Z", "JANKOW[", false},
		{"byte before A", "@JANKOW", false},
		{"byte after 9", "JANKOW1:", false},
		{"byte before 0", "JANKOW/1", false},
		{"one letter", "X", true},
		{"32 characters", strings.Repeat("A", 32), true},
		{"33 characters", strings.Repeat("A", 33), false},
		{"empty", "", false},
		{"lowercase letter", "JanKow1", false},
		{"dot", "JAN.KOW", false},
		{"underscore", "JAN_KOW", false},
		{"hyphen", "JAN-KOW", false},
		{"Polish letter", "ŁUKZOL1", false},
		{"space", "JAN KOW", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsUnified(tt.in); got != tt.want {
				t.Errorf("IsUnified(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidLegacy(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"mixed case", "JanKow5", true},
		{"dot underscore hyphen", "jan.kow_alski-2", true},
		{"64 characters", strings.Repeat("a", 64), true},
		{"65 characters", strings.Repeat("a", 65), false},
		{"empty", "", false},
		{"space", "jan kow", false},
		{"at sign", "jan@kow", false},
		{"Polish letter", "łukasz", false},
		{"unified", "JANKOW1", true},
		{"first and last of each class", "AZaz09._-", true},
		{"byte after z", "jan{", false},
		{"byte before a", "jan`", false},
		{"byte after Z", "JAN[", false},
		{"byte before A", "@JAN", false},
		{"byte after 9", "jan:", false},
		{"byte before 0", "jan/", false},
		{"slash", "jan/kow", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidLegacy(tt.in); got != tt.want {
				t.Errorf("ValidLegacy(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"JanKow1", "JANKOW1"},
		{"JANKOW1", "JANKOW1"},
		{"jan.kow_1-a", "JAN.KOW_1-A"},
		{"", ""},
		{"zofia.k", "ZOFIA.K"},
		{"az", "AZ"},
		{"ZOFIAz", "ZOFIAZ"},
		{"a`{", "A`{"},
		{"łukasz", "łUKASZ"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Fold(tt.in); got != tt.want {
				t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestFoldUnifiedDoesNotAllocate: Fold runs for every login name of an
// import; a name with nothing to fold is returned as is.
func TestFoldUnifiedDoesNotAllocate(t *testing.T) {
	name := strings.Repeat("JANKOW", 5) + "12"
	if n := testing.AllocsPerRun(100, func() { _ = Fold(name) }); n != 0 {
		t.Errorf("Fold(%q) allocates %v times", name, n)
	}
}

func TestPrefix(t *testing.T) {
	tests := []struct {
		name        string
		first, last string
		want        string
	}{
		{"plain", "Jan", "Kowalski", "JANKOW"},
		{"Polish letters", "Łukasz", "Żółć", "LUKZOL"},
		{"lowercase Polish letters", "łucja", "ąęś", "LUCAES"},
		{"short names", "Li", "Ng", "LING"},
		{"hyphenated surname", "Anna", "Nowak-Kowalska", "ANNNOW"},
		{"hyphen within first three", "Jo-Anna", "Ko-Wal", "JOAKOW"},
		{"apostrophe", "Sean", "O'Neil", "SEAONE"},
		{"Zażółć Gęślą", "Zażółć", "Gęślą", "ZAZGES"},
		{"German umlaut", "Jürgen", "Müller", "JURMUL"},
		{"sharp s counts as two letters", "Aßa", "Özil", "ASSOZI"},
		{"a multi-letter transliteration is cut at the third letter", "Jaß", "Þór", "JASTHO"},
		{"thorn counts as two letters", "Ola", "Þór", "OLATHO"},
		{"three multi-letter letters", "ßßß", "ÆÆÆ", "SSSAEA"},
		{"Czech", "Přemysl", "Čapek", "PRECAP"},
		{"French", "Élodie", "Façade", "ELOFAC"},
		{"Scandinavian", "Søren", "Ærø", "SORAER"},
		{"combining marks typed separately", "Z\u0307ywiec", "E\u0328ba", "ZYWEBA"},
		{"spaces and digits dropped", " J4n ", "K 0w", "JNKW"},
		{"Cyrillic letters dropped", "Иван", "Smith", "SMI"},
		{"no letters at all", "Иван", "Петров", EmptyPrefix},
		{"empty names", "", "", EmptyPrefix},
		{"first name empty", "", "Nowak", "NOW"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Prefix(tt.first, tt.last)
			if got != tt.want {
				t.Errorf("Prefix(%q, %q) = %q, want %q", tt.first, tt.last, got, tt.want)
			}
			if !IsUnified(got) || len(got) > 6 {
				t.Errorf("Prefix(%q, %q) = %q is not a unified login of at most 6 characters", tt.first, tt.last, got)
			}
		})
	}
}

func TestAllocatorNext(t *testing.T) {
	tests := []struct {
		name   string
		taken  []string
		prefix string
		want   []string // successive Next results
	}{
		{"nothing taken", nil, "JANKOW", []string{"JANKOW1", "JANKOW2"}},
		{"spec example", []string{"JANKOW1", "JanKow2"}, "JANKOW", []string{"JANKOW3", "JANKOW4"}},
		{"mixed-case legacy blocks ignoring case", []string{"JanKow1"}, "JANKOW", []string{"JANKOW2"}},
		{"gap is filled first", []string{"JANKOW1", "JANKOW3"}, "JANKOW", []string{"JANKOW2", "JANKOW4"}},
		{"leading zero does not block", []string{"JANKOW01"}, "JANKOW", []string{"JANKOW1"}},
		{"other prefix does not block", []string{"JANKOWA1", "JANKO1"}, "JANKOW", []string{"JANKOW1"}},
		{"lowercase prefix is upper-cased", nil, "jankow", []string{"JANKOW1"}},
		{"empty prefix", []string{"X1"}, "", []string{"X2"}},
		{"past nine", []string{"LING1", "LING2", "LING3", "LING4", "LING5", "LING6", "LING7", "LING8", "LING9"}, "LING", []string{"LING10"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAllocator()
			for _, n := range tt.taken {
				a.Take(n)
			}
			for _, want := range tt.want {
				if got := a.Next(tt.prefix); got != want {
					t.Fatalf("Next(%q) = %q, want %q", tt.prefix, got, want)
				}
				if !a.Taken(strings.ToLower(want)) {
					t.Fatalf("%q not taken after Next returned it", want)
				}
			}
		})
	}
}

func TestAllocatorTakeAfterNext(t *testing.T) {
	// Names taken after the hint moved past them and names ahead of it must
	// both be respected.
	a := NewAllocator()
	a.Next("ANNNOW") // ANNNOW1
	a.Take("annnow2")
	a.Take("ANNNOW4")
	for _, want := range []string{"ANNNOW3", "ANNNOW5"} {
		if got := a.Next("ANNNOW"); got != want {
			t.Fatalf("Next = %q, want %q", got, want)
		}
	}
}

func TestAllocatorManySamePrefix(t *testing.T) {
	a := NewAllocator()
	seen := make(map[string]bool)
	for i := 1; i <= 5000; i++ {
		got := a.Next("JANKOW")
		if want := fmt.Sprintf("JANKOW%d", i); got != want {
			t.Fatalf("call %d: Next = %q, want %q", i, got, want)
		}
		if seen[got] {
			t.Fatalf("%q handed out twice", got)
		}
		seen[got] = true
	}
}

// BenchmarkAllocator takes a million legacy names and hands out a million
// generated ones over a skewed set of prefixes (many persons share one).
func BenchmarkAllocator(b *testing.B) {
	const n = 1_000_000
	prefixes := make([]string, 500)
	for i := range prefixes {
		prefixes[i] = fmt.Sprintf("P%03dX", i)
	}
	legacy := make([]string, n)
	for i := range legacy {
		legacy[i] = fmt.Sprintf("p%03dx%d", i%len(prefixes), i/len(prefixes)*2+1)
	}
	b.ResetTimer()
	for b.Loop() {
		a := NewAllocator()
		for _, name := range legacy {
			a.Take(name)
		}
		for i := range n {
			// Half the persons share the first prefix: the worst case
			// for a per-prefix scan.
			p := prefixes[0]
			if i%2 == 1 {
				p = prefixes[i%len(prefixes)]
			}
			a.Next(p)
		}
		if a.Len() != 2*n {
			b.Fatalf("Len = %d, want %d", a.Len(), 2*n)
		}
	}
}
