package demo

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"jedenlogin/locale"
)

// Print writes the credentials as a table readable in a terminal, in Polish
// with English beside it (the catalogue's demo.print.*): every login with its password, state and hash
// kind, then per person what to try and what to expect. It returns the
// first write error.
func (c *Credentials) Print(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintln(ew, pl.Msg("demo.print.title"))
	fmt.Fprintln(ew, pl.Msg("demo.print.passwords_shown"))
	fmt.Fprintln(ew)
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, pl.Msg("demo.print.columns"))
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
			state := pl.Msg("demo.print.active")
			if !l.Active {
				state = pl.Msg("demo.print.inactive")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cas, name, l.Name, l.Password, state, l.HashKind)
		}
		if p.GeneratedLogin != "" {
			fmt.Fprintf(tw, "\t\t%s\t%s\t%s\t\n", p.GeneratedLogin, "—", pl.Msg("demo.print.reserved"))
		}
	}
	tw.Flush()
	fmt.Fprintln(ew)
	fmt.Fprintln(ew, pl.Msg("demo.print.what_to_try"))
	for _, p := range c.Persons {
		fmt.Fprintf(ew, "\n  %s — %s\n", p.Name, p.Case)
		if len(p.Candidates) > 0 {
			fmt.Fprintln(ew, pl.Msg("demo.print.eligible", strings.Join(p.Candidates, ", ")))
		}
		if p.GeneratedLogin != "" {
			fmt.Fprintln(ew, pl.Msg("demo.print.new_login", p.GeneratedLogin))
		}
		fmt.Fprintf(ew, "    %s\n    %s\n", p.Expect, p.ExpectEN)
		// What "Odzyskaj login" and "Nie pamiętasz hasła?" ask for.
		pesel := p.PESEL
		if pesel == "" {
			pesel = pl.Msg("demo.print.none")
		}
		var emails []string
		for _, l := range p.Logins {
			if l.Email != "" && !slices.Contains(emails, l.Email) {
				emails = append(emails, l.Email)
			}
		}
		fmt.Fprintln(ew, pl.Msg("demo.print.recovery", pesel, strings.Join(emails, ", ")))
		for _, g := range p.Grants {
			until := pl.Msg("demo.print.no_end")
			if !g.ValidTo.IsZero() {
				until = pl.Msg("demo.print.until", g.ValidTo.Format("2006-01-02"))
			}
			note := ""
			switch {
			case !g.Valid:
				note = pl.Msg("demo.print.expired")
			case g.Expiring:
				note = pl.Msg("demo.print.expiring")
			}
			fmt.Fprintf(ew, "      • %s (%s), %s, %s%s\n", g.EntityName, g.EntityID, g.Function, until, note)
		}
	}
	return ew.err
}

// pl is the catalogue of the demo's texts.
var pl = locale.Polish

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
