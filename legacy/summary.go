package legacy

import (
	"fmt"
	"io"
	"strings"
	"time"

	"jedenlogin"
)

// String is the summary the CLI prints after an import, in the
// catalogue's Polish (legacy.summary.*).
func (s *Summary) String() string {
	var b lines
	b.msg("legacy.summary.done", s.Duration.Round(10*time.Millisecond))
	b.msg("legacy.summary.rows", groupDigits(s.RowsRead))
	b.msg("legacy.summary.logins_new", groupDigits(s.LoginsNew))
	b.msg("legacy.summary.logins_present", groupDigits(s.LoginsPresent))
	b.msg("legacy.summary.persons_new",
		groupDigits(s.PersonsNew), groupDigits(s.Grouping[jedenlogin.GroupedByPESEL]),
		groupDigits(s.Grouping[jedenlogin.GroupedByEmail]), groupDigits(s.Grouping[jedenlogin.GroupedByLogin]))
	b.msg("legacy.summary.persons_updated", groupDigits(s.PersonsUpdated))
	b.msg("legacy.summary.entities", groupDigits(s.EntitiesNew), groupDigits(s.EntitiesUpdated))
	b.msg("legacy.summary.grants", groupDigits(s.Grants))
	if s.PersonsNew+s.PersonsUpdated > 0 {
		b.msg("legacy.summary.cases")
		for _, c := range jedenlogin.Cases {
			fmt.Fprintf(&b, "  %-18s %s\n", c, groupDigits(s.Cases[c]))
		}
	}
	b.msg("legacy.summary.completed", groupDigits(s.Completed))
	b.msg("legacy.summary.generated", groupDigits(s.GeneratedLogins))
	if s.MergedAtOnce > 0 {
		b.msg("legacy.summary.merged", groupDigits(s.MergedAtOnce))
	}
	b.msg("legacy.summary.warnings", groupDigits(len(s.Warnings)+s.WarningsLeftOut))
	return b.String()
}

// lines builds text a line per catalogue message.
type lines struct{ strings.Builder }

// msg adds the catalogue's text of key with args as a line.
func (b *lines) msg(key string, args ...any) {
	b.WriteString(pl.Msg(key, args...))
	b.WriteByte('\n')
}

// Print writes the summary followed by every kept warning.
func (s *Summary) Print(w io.Writer) error {
	var b strings.Builder
	b.WriteString(s.String())
	for _, is := range s.Warnings {
		b.WriteString(pl.Msg("legacy.report.warning", is))
		b.WriteByte('\n')
	}
	if s.WarningsLeftOut > 0 {
		b.WriteString(pl.Msg("legacy.report.more_shown", plural("legacy.count.warnings", s.WarningsLeftOut), MaxIssues))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
