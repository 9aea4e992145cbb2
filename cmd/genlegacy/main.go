// Command genlegacy writes a realistic legacy account file for the import
// (SPEC §4): go run ./cmd/genlegacy -n 1000000 -seed 1 -o legacy.csv. The
// same -n and -seed always give the same file; every password hash in it is
// of the password legacygen.Password.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"jedenlogin"
	"jedenlogin/legacy/legacygen"
	"jedenlogin/locale"
)

func main() {
	n := flag.Int("n", 1000, "number of rows (legacy logins)")
	seed := flag.Uint64("seed", 1, "random seed; the same seed gives the same file")
	out := flag.String("o", "-", "output file; - for standard output")
	flag.Parse()
	if err := run(*n, *seed, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genlegacy:", err)
		os.Exit(1)
	}
}

func run(n int, seed uint64, out string) error {
	if n < 0 {
		return fmt.Errorf("-n must not be negative")
	}
	var w io.Writer = os.Stdout
	var f *os.File
	if out != "-" {
		var err error
		if f, err = os.Create(out); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	st, err := legacygen.Generate(w, legacygen.Options{Rows: n, Seed: seed})
	if err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", out, err)
		}
	}
	fmt.Fprintln(os.Stderr, locale.Polish.Msg("cli.genlegacy.summary", st.Rows, st.Persons, st.Entities, st.Warnings, legacygen.Password))
	cases := make([]string, 0, len(st.Cases))
	for c := range st.Cases {
		cases = append(cases, string(c))
	}
	sort.Strings(cases)
	for _, c := range cases {
		fmt.Fprintf(os.Stderr, "  %-18s %d\n", c, st.Cases[jedenlogin.Case(c)])
	}
	return nil
}
