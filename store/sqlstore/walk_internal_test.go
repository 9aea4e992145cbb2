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
