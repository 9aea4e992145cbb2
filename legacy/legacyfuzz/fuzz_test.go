package legacyfuzz

import (
	"slices"
	"strings"
	"testing"

	"jedenlogin/legacy"
)

// FuzzParse: legacy.Parse of any file (CheckFile).
func FuzzParse(f *testing.F) {
	for _, s := range Seeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		CheckFile(t, data)
	})
}

// FuzzParseRows: two fuzzed lines after the full header. Each line either
// gives a well-formed row or an error names its line.
func FuzzParseRows(f *testing.F) {
	for _, s := range Seeds() {
		lines := strings.Split(s, "\n")
		if len(lines) >= 3 && strings.HasPrefix(s, strings.Join(legacy.Header(), ",")) {
			f.Add(lines[1], lines[2])
		}
	}
	f.Add(`A,,active,Jan,,Nowak,,,,E1,S,,pracownik,,,,`, `"B",,inactive,"Jan ""J""",,Nowak,,,,E1,S,,pracownik,,,,`)
	header := strings.Join(legacy.Header(), ",")
	f.Fuzz(func(t *testing.T, row1, row2 string) {
		pf := CheckFile(t, []byte(header+"\n"+row1+"\n"+row2+"\n"))
		if strings.ContainsAny(row1+row2, "\r\n\"") {
			// Quotes and line breaks may join the lines into one record, so
			// which line a row starts on is not known here.
			return
		}
		for line, row := range map[int]string{2: row1, 3: row2} {
			if row == "" {
				continue // an empty line is no record
			}
			kept := slices.ContainsFunc(pf.Rows, func(r legacy.Row) bool { return r.Line == line })
			refused := slices.ContainsFunc(pf.Errors, func(is legacy.Issue) bool { return is.Line == line })
			if kept == refused {
				t.Fatalf("line %d: kept %v, an error naming it %v; want exactly one\nrows %+v\nerrors %v", line, kept, refused, pf.Rows, pf.Errors)
			}
		}
	})
}
