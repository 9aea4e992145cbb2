package legacy

import (
	"reflect"
	"testing"
)

// TestParseUnsafeCharacters: control characters, line breaks and
// bidirectional formatting characters in names, the phone, entity names and
// scopes are removed with a warning naming line and column (the row is
// imported); in an entity id they are an error (ids are keys), and nothing
// of them reaches the operator's terminal raw.
func TestParseUnsafeCharacters(t *testing.T) {
	data := makeCSV(t,
		base("A").with("last_name", "\x1b]0;pwned\a\x1b[2JNowak"),
		base("B").with("entity_id", "E2", "entity_name", "Szkoła\r\nPodstawowa nr 2"), // two lines: 3 and 4
		base("C").with("first_name", "Jan\u202eek", "second_name", "Ma\u2066ria\u2069", "phone", "600\t100\x00200"),
		base("D").with("scopes", "sio|\u200fwnioski"),
		base("E").with("entity_id", "E\u202e9"),
		base("F").with("entity_parent_id", "GM\n1"), // lines 8 and 9
		base("G").with("first_name", "\u202e\u202c"),
	)
	f := mustParse(t, data)
	checkIssues(t, "errors", f.Errors, []wantIssue{
		{7, "entity_id", `identyfikator E\u202e9 zawiera znaki sterujące`},
		{8, "entity_parent_id", `identyfikator GM\n1 zawiera`},
		{10, "first_name", "brak wymaganej wartości"},
	})
	checkIssues(t, "warnings", f.Warnings, []wantIssue{
		{2, "last_name", `zaimportowano ją bez nich: "]0;pwned[2JNowak"`},
		{3, "entity_name", `wartość Szkoła\nPodstawowa nr 2 zawiera`},
		{5, "first_name", `"Janek"`},
		{5, "second_name", `"Maria"`},
		{5, "phone", `"600 100200"`},
		{6, "scopes", `"sio|wnioski"`},
		{10, "first_name", `""`},
	})
	for _, is := range append(f.Errors, f.Warnings...) {
		if s := is.String(); hasUnsafe(s) {
			t.Errorf("issue printed with raw unsafe characters: %q", s)
		}
	}
	byLogin := map[string]Row{}
	for _, r := range f.Rows {
		byLogin[r.Login] = r
	}
	if len(f.Rows) != 4 {
		t.Fatalf("%d rows kept, want A, B, C, D", len(f.Rows))
	}
	if r := byLogin["A"]; r.LastName != "]0;pwned[2JNowak" {
		t.Errorf("A's last name %q", r.LastName)
	}
	if r := byLogin["B"]; r.EntityName != "Szkoła Podstawowa nr 2" {
		t.Errorf("B's entity name %q", r.EntityName)
	}
	if r := byLogin["C"]; r.FirstName != "Janek" || r.SecondName != "Maria" || r.Phone != "600 100200" {
		t.Errorf("C: %q %q %q", r.FirstName, r.SecondName, r.Phone)
	}
	if r := byLogin["D"]; !reflect.DeepEqual(r.Scopes, []string{"sio", "wnioski"}) {
		t.Errorf("D's scopes %q", r.Scopes)
	}
}

func TestRemoveUnsafe(t *testing.T) {
	for in, want := range map[string]string{
		"Nowak":                  "Nowak",
		"Nowak\r\nKowalska":      "Nowak Kowalska",
		"a \t b":                 "a b",
		"\u202eabc\u202c":        "abc",
		"\u0085x\u009b[2J":       "x[2J",
		"Żółć\u061c\u200e\u200f": "Żółć",
	} {
		if got := removeUnsafe(in); got != want {
			t.Errorf("removeUnsafe(%q) = %q, want %q", in, got, want)
		}
		if hasUnsafe(want) {
			t.Errorf("hasUnsafe(%q) = true", want)
		}
	}
	for _, s := range []string{"a\x00", "\x7f", "x\u202a", "\u2069", "x\u0085", "\n"} {
		if !hasUnsafe(s) {
			t.Errorf("hasUnsafe(%q) = false", s)
		}
	}
}
