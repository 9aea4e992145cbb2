package legacy

import (
	"fmt"
	"strings"

	"jedenlogin/internal/termsafe"
)

// Issue is a problem found in a legacy file: an error (nothing is imported)
// or a warning (the row is imported, the bad value treated as absent).
type Issue struct {
	Line    int    // line of the file; the header is line 1
	Column  string // column name as in the header; "" when the problem is not in one column
	Message string // Polish, for the operator
}

// String formats the issue as "wiersz 17, kolumna status: …", with the
// control and bidirectional characters a file's values may hold escaped
// (termsafe), so printing it cannot act on the operator's terminal.
func (is Issue) String() string {
	if is.Column == "" {
		return fmt.Sprintf("wiersz %d: %s", is.Line, termsafe.String(is.Message))
	}
	return fmt.Sprintf("wiersz %d, kolumna %s: %s", is.Line, termsafe.String(is.Column), termsafe.String(is.Message))
}

// MaxIssues is how many errors, and separately how many warnings, a parse
// keeps; further ones are only counted, so a wrong file cannot exhaust
// memory.
const MaxIssues = 10_000

// issueList keeps the first MaxIssues issues and counts the rest.
type issueList struct {
	list    []Issue
	leftOut int
}

func (l *issueList) add(is Issue) {
	if len(l.list) < MaxIssues {
		l.list = append(l.list, is)
		return
	}
	l.leftOut++
}

func (l *issueList) count() int { return len(l.list) + l.leftOut }

// ValidationError is returned by Import when the file has errors; nothing
// was imported.
type ValidationError struct {
	Errors   []Issue
	Warnings []Issue
	// ErrorsLeftOut and WarningsLeftOut count issues beyond MaxIssues.
	ErrorsLeftOut, WarningsLeftOut int
}

// Error says how many errors the file has and that nothing was imported.
func (e *ValidationError) Error() string {
	n := len(e.Errors) + e.ErrorsLeftOut
	return fmt.Sprintf("import: plik zawiera %s; nic nie zaimportowano", plural(n, "błąd", "błędy", "błędów"))
}

// Report returns every kept error and warning, one per line, followed by a
// note on the ones left out.
func (e *ValidationError) Report() string {
	var b strings.Builder
	for _, is := range e.Errors {
		b.WriteString("błąd: ")
		b.WriteString(is.String())
		b.WriteByte('\n')
	}
	if e.ErrorsLeftOut > 0 {
		fmt.Fprintf(&b, "… i %s więcej (pokazano pierwsze %d)\n", plural(e.ErrorsLeftOut, "błąd", "błędy", "błędów"), MaxIssues)
	}
	for _, is := range e.Warnings {
		b.WriteString("ostrzeżenie: ")
		b.WriteString(is.String())
		b.WriteByte('\n')
	}
	if e.WarningsLeftOut > 0 {
		fmt.Fprintf(&b, "… i %s więcej\n", plural(e.WarningsLeftOut, "ostrzeżenie", "ostrzeżenia", "ostrzeżeń"))
	}
	return b.String()
}

// plural returns "n word" with the Polish plural form for n: one (1), few
// (2–4, 22–24, …) or many.
func plural(n int, one, few, many string) string {
	w := many
	switch {
	case n == 1:
		w = one
	case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
		w = few
	}
	return fmt.Sprintf("%d %s", n, w)
}
