package legacy

import (
	"fmt"
	"io"
	"strings"
	"time"

	"jedenlogin"
)

// String is the summary the CLI prints after an import, in Polish.
func (s *Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Import zakończony w %s.\n", s.Duration.Round(10*time.Millisecond))
	fmt.Fprintf(&b, "Wiersze pliku:             %s\n", groupDigits(s.RowsRead))
	fmt.Fprintf(&b, "Nowe loginy:               %s\n", groupDigits(s.LoginsNew))
	fmt.Fprintf(&b, "Loginy już w bazie:        %s (pominięte)\n", groupDigits(s.LoginsPresent))
	fmt.Fprintf(&b, "Nowe osoby:                %s (PESEL: %s, e-mail i nazwisko: %s, pojedynczy login: %s)\n",
		groupDigits(s.PersonsNew), groupDigits(s.Grouping[jedenlogin.GroupedByPESEL]),
		groupDigits(s.Grouping[jedenlogin.GroupedByEmail]), groupDigits(s.Grouping[jedenlogin.GroupedByLogin]))
	fmt.Fprintf(&b, "Osoby uzupełnione:         %s\n", groupDigits(s.PersonsUpdated))
	fmt.Fprintf(&b, "Podmioty nowe/zmienione:   %s / %s\n", groupDigits(s.EntitiesNew), groupDigits(s.EntitiesUpdated))
	fmt.Fprintf(&b, "Upoważnienia:              %s\n", groupDigits(s.Grants))
	if s.PersonsNew+s.PersonsUpdated > 0 {
		b.WriteString("Przypadki przejścia na jeden login (nowe i uzupełnione osoby):\n")
		for _, c := range jedenlogin.Cases {
			fmt.Fprintf(&b, "  %-18s %s\n", c, groupDigits(s.Cases[c]))
		}
	}
	fmt.Fprintf(&b, "Osoby bez zmian, zakończone od razu: %s\n", groupDigits(s.Completed))
	fmt.Fprintf(&b, "Zarezerwowane nowe loginy:           %s\n", groupDigits(s.GeneratedLogins))
	if s.MergedAtOnce > 0 {
		fmt.Fprintf(&b, "Loginy dołączone od razu do jednego loginu osoby: %s\n", groupDigits(s.MergedAtOnce))
	}
	n := len(s.Warnings) + s.WarningsLeftOut
	fmt.Fprintf(&b, "Ostrzeżenia:               %s\n", groupDigits(n))
	return b.String()
}

// Print writes the summary followed by every kept warning.
func (s *Summary) Print(w io.Writer) error {
	var b strings.Builder
	b.WriteString(s.String())
	for _, is := range s.Warnings {
		b.WriteString("ostrzeżenie: ")
		b.WriteString(is.String())
		b.WriteByte('\n')
	}
	if s.WarningsLeftOut > 0 {
		fmt.Fprintf(&b, "… i %s więcej (pokazano pierwsze %d)\n", plural(s.WarningsLeftOut, "ostrzeżenie", "ostrzeżenia", "ostrzeżeń"), MaxIssues)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
