package sqlstore

import (
	"fmt"
	"testing"
)

// TestLoginWords: a word is interned once and found again by the same
// index, below and above the number compared one by one; the 256th
// distinct word is refused (the index is a byte).
func TestLoginWords(t *testing.T) {
	var w loginWords
	for round := range 2 {
		for i := range 255 {
			word := fmt.Sprintf("w%d", i)
			got, ok := w.of([]byte(word))
			if !ok || int(got) != i || w.words[got] != word {
				t.Fatalf("round %d, word %q: index %d, %v; want %d", round, word, got, ok, i)
			}
			// Every word interned so far is still found where it was.
			if j := i / 2; j != i {
				if got, ok := w.of([]byte(fmt.Sprintf("w%d", j))); !ok || int(got) != j {
					t.Fatalf("round %d, after %d words: w%d at %d, %v", round, i+1, j, got, ok)
				}
			}
		}
	}
	if len(w.words) != 255 {
		t.Fatalf("%d words interned, want 255", len(w.words))
	}
	if _, ok := w.of([]byte("one too many")); ok {
		t.Error("a 256th distinct word was interned")
	}
}

// TestIntCols: an integer column scans as database/sql would scan it into
// an *int64 (intCol: NULL refused) or a sql.NullInt64 (nullIntCol),
// whatever form the driver gives it in.
func TestIntCols(t *testing.T) {
	for _, c := range []struct {
		in    any
		want  int64
		valid bool
	}{{int64(-7), -7, true}, {int64(1 << 40), 1 << 40, true}, {nil, 0, false}, {"12", 12, true}, {[]byte("34"), 34, true}, {int32(5), 5, true}} {
		var n nullIntCol
		if err := n.Scan(c.in); err != nil || n.Int64 != c.want || n.Valid != c.valid {
			t.Errorf("nullIntCol.Scan(%#v) = %+v, %v; want %d, valid %v", c.in, n, err, c.want, c.valid)
		}
		var i intCol = 99
		err := i.Scan(c.in)
		if c.valid && (err != nil || int64(i) != c.want) {
			t.Errorf("intCol.Scan(%#v) = %d, %v; want %d", c.in, i, err, c.want)
		}
		if !c.valid && err == nil {
			t.Errorf("intCol.Scan(NULL) = %d, no error", i)
		}
	}
	for _, bad := range []any{"x", 1.5, true} {
		var i intCol
		var n nullIntCol
		if err := i.Scan(bad); err == nil {
			t.Errorf("intCol.Scan(%#v): no error", bad)
		}
		if err := n.Scan(bad); err == nil {
			t.Errorf("nullIntCol.Scan(%#v): no error", bad)
		}
	}
}
