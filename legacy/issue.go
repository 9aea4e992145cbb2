package legacy

import (
	"strings"

	"jedenlogin/internal/termsafe"
)

// Issue is a problem found in a legacy file: an error (nothing is imported)
// or a warning (the row is imported, the bad value treated as absent).
type Issue struct {
	Line    int    // line of the file; the header is line 1
	Column  string // column name as in the header; "" when the problem is not in one column
	Message string // for the operator, from the catalogue (Polish)
}

// String formats the issue as "wiersz 17, kolumna status: …" (the
// catalogue's legacy.issue.at*), with the
// control and bidirectional characters a file's values may hold escaped
// (termsafe), so printing it cannot act on the operator's terminal.
func (is Issue) String() string {
	if is.Column == "" {
		return pl.Msg("legacy.issue.at_line", is.Line, termsafe.String(is.Message))
	}
	return pl.Msg("legacy.issue.at_column", is.Line, termsafe.String(is.Column), termsafe.String(is.Message))
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
	return pl.Msg("legacy.invalid_file", plural("legacy.count.errors", n))
}

// Report returns every kept error and warning, one per line, followed by a
// note on the ones left out.
func (e *ValidationError) Report() string {
	var b strings.Builder
	for _, is := range e.Errors {
		b.WriteString(pl.Msg("legacy.report.error", is))
		b.WriteByte('\n')
	}
	if e.ErrorsLeftOut > 0 {
		b.WriteString(pl.Msg("legacy.report.more_shown", plural("legacy.count.errors", e.ErrorsLeftOut), MaxIssues))
		b.WriteByte('\n')
	}
	for _, is := range e.Warnings {
		b.WriteString(pl.Msg("legacy.report.warning", is))
		b.WriteByte('\n')
	}
	if e.WarningsLeftOut > 0 {
		b.WriteString(pl.Msg("legacy.report.more", plural("legacy.count.warnings", e.WarningsLeftOut)))
		b.WriteByte('\n')
	}
	return b.String()
}
