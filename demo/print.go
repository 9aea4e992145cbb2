package demo

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// Print writes the credentials as a table readable in a terminal, in Polish
// with English beside it: every login with its password, state and hash
// kind, then per person what to try and what to expect. It returns the
// first write error.
func (c *Credentials) Print(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintln(ew, "Konta demonstracyjne jedenlogin / jedenlogin demo accounts")
	fmt.Fprintln(ew, "(hasła są jawne tylko w demo / passwords are shown only in the demo)")
	fmt.Fprintln(ew)
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Przypadek / case\tOsoba / person\tLogin\tHasło / password\tStan / state\tHash")
	fmt.Fprintln(tw, "----------------\t--------------\t-----\t----------------\t------------\t----")
	for _, p := range c.Persons {
		for i, l := range p.Logins {
			cas, name := "", ""
			if i == 0 {
				cas, name = string(p.Case), p.Name
				if p.Operator {
					cas += " (operator)"
				}
			}
			state := "aktywny / active"
			if !l.Active {
				state = "nieaktywny / inactive"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cas, name, l.Name, l.Password, state, l.HashKind)
		}
		if p.GeneratedLogin != "" {
			fmt.Fprintf(tw, "\t\t%s\t%s\t%s\t\n", p.GeneratedLogin, "—", "zarezerwowany / reserved")
		}
	}
	tw.Flush()
	fmt.Fprintln(ew)
	fmt.Fprintln(ew, "Co sprawdzić / what to try:")
	for _, p := range c.Persons {
		fmt.Fprintf(ew, "\n  %s — %s\n", p.Name, p.Case)
		if len(p.Candidates) > 0 {
			fmt.Fprintf(ew, "    do wyboru / eligible: %s\n", strings.Join(p.Candidates, ", "))
		}
		if p.GeneratedLogin != "" {
			fmt.Fprintf(ew, "    nowy login / new login: %s\n", p.GeneratedLogin)
		}
		fmt.Fprintf(ew, "    %s\n    %s\n", p.Expect, p.ExpectEN)
		// What "Odzyskaj login" and "Nie pamiętasz hasła?" ask for.
		pesel := p.PESEL
		if pesel == "" {
			pesel = "brak / none"
		}
		var emails []string
		for _, l := range p.Logins {
			if l.Email != "" && !slices.Contains(emails, l.Email) {
				emails = append(emails, l.Email)
			}
		}
		fmt.Fprintf(ew, "    do odzyskiwania / for recovery: PESEL %s, e-mail %s\n", pesel, strings.Join(emails, ", "))
		for _, g := range p.Grants {
			until := "bezterminowo / no end"
			if !g.ValidTo.IsZero() {
				until = "do / until " + g.ValidTo.Format("2006-01-02")
			}
			note := ""
			switch {
			case !g.Valid:
				note = " — wygasło / expired"
			case g.Expiring:
				note = " — wygasa wkrótce, PRZEDŁUŻ / expires soon, extend"
			}
			fmt.Fprintf(ew, "      • %s (%s), %s, %s%s\n", g.EntityName, g.EntityID, g.Function, until, note)
		}
	}
	return ew.err
}

// errWriter remembers the first write error and drops later writes.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
