package legacy

import "testing"

// TestIssueStringEscapesTerminalControls: a CSV value holding terminal
// escapes (window title, clear screen) or a bidi override is printed
// escaped, never acting on the operator's terminal.
func TestIssueStringEscapesTerminalControls(t *testing.T) {
	is := Issue{Line: 7, Column: "first_name", Message: "imię „\x1b]0;x\a\x1b[2J” \u202ezly"}
	want := `wiersz 7, kolumna first_name: imię „\x1b]0;x\x07\x1b[2J” \u202ezly`
	if got := is.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
