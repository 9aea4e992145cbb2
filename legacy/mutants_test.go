package legacy

import (
	"fmt"
	"testing"
)

// The tests of this file pin rules that mutation testing (scripts/mutate,
// TESTING.md) found without a test of the package.

// TestParseGroupingOtherDiacritics: names compare without any diacritics,
// not only the Polish ones (SPEC §5: "Renée Müller" and "RENEE MULLER"
// with the same e-mail are one person), and letters Unicode does not
// decompose are transliterated (ø, ß).
func TestParseGroupingOtherDiacritics(t *testing.T) {
	for _, tc := range []struct {
		name        string
		first, last [2]string
		key         [2]string
	}{
		{"accents and umlauts", [2]string{"Renée", "RENEE"}, [2]string{"Müller", "muller"},
			[2]string{"email:r@x.pl|renee muller", "email:r@x.pl|renee muller"}},
		{"a letter without decomposition", [2]string{"Søren", "Soren"}, [2]string{"Weiß", "WEISS"},
			[2]string{"email:r@x.pl|soren weiss", "email:r@x.pl|soren weiss"}},
		{"another letter stays another person", [2]string{"Renée", "Renée"}, [2]string{"Müller", "Möller"},
			[2]string{"email:r@x.pl|renee muller", "email:r@x.pl|renee moller"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, makeCSV(t,
				base("A").with("email", "r@x.pl", "first_name", tc.first[0], "last_name", tc.last[0]),
				base("B").with("email", "r@x.pl", "first_name", tc.first[1], "last_name", tc.last[1])))
			checkIssues(t, "errors", f.Errors, nil)
			for i, want := range tc.key {
				if got := f.Rows[i].PersonKey; got != want {
					t.Errorf("row %d key = %q, want %q", i, got, want)
				}
			}
		})
	}
}

// TestParseKeepsAtMostMaxIssues: a file with more errors than MaxIssues
// keeps the first MaxIssues and counts the others, so a wrong file cannot
// exhaust memory and the operator still learns how many there are.
func TestParseKeepsAtMostMaxIssues(t *testing.T) {
	for _, tc := range []struct {
		name     string
		bad      int
		kept     int
		leftOver int
	}{
		{"exactly MaxIssues", MaxIssues, MaxIssues, 0},
		{"two more", MaxIssues + 2, MaxIssues, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := make([]rec, tc.bad)
			for i := range rows {
				rows[i] = base(fmt.Sprintf("L%d", i)).with("status", "zly")
			}
			f := mustParse(t, makeCSV(t, rows...))
			if len(f.Errors) != tc.kept || f.ErrorsLeftOut != tc.leftOver {
				t.Errorf("errors kept %d, left out %d; want %d, %d", len(f.Errors), f.ErrorsLeftOut, tc.kept, tc.leftOver)
			}
			if f.Errors[0].Line != 2 || f.Errors[len(f.Errors)-1].Line != tc.kept+1 {
				t.Errorf("kept lines %d..%d, want the first ones, 2..%d", f.Errors[0].Line, f.Errors[len(f.Errors)-1].Line, tc.kept+1)
			}
		})
	}
}
