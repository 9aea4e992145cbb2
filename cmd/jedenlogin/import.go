package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"jedenlogin/legacy"
)

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	db := dbFlag(fs)
	warnFile := fs.String("warnings", "", "write every warning to this file (the terminal shows the first 50)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: jedenlogin import [--db DSN] FILE.csv")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	st, err := openStore(ctx, *db, true)
	if err != nil {
		return err
	}
	defer st.Close()

	im := &legacy.Importer{Store: st, Progress: stderr, Now: time.Now}
	sum, err := im.Import(ctx, f, size)
	var verr *legacy.ValidationError
	if errors.As(err, &verr) {
		for _, is := range verr.Errors {
			fmt.Fprintln(stderr, pl.Msg("cli.import.error", path, is))
		}
		if verr.ErrorsLeftOut > 0 {
			fmt.Fprintln(stderr, pl.Msg("cli.import.errors_left_out", path, verr.ErrorsLeftOut))
		}
		if err := reportWarnings(stderr, path, *warnFile, verr.Warnings, verr.WarningsLeftOut); err != nil {
			return err
		}
		fmt.Fprintln(stderr, pl.Msg("cli.import.fix_file", path, verr))
		return exitError{1}
	}
	if err != nil {
		return fmt.Errorf("%s: %w%s", path, err, pl.Msg("cli.import.nothing_imported"))
	}
	if err := reportWarnings(stderr, path, *warnFile, sum.Warnings, sum.WarningsLeftOut); err != nil {
		return err
	}
	fmt.Fprint(stdout, sum.String())
	return nil
}

// shownWarnings is how many warnings the terminal shows; --warnings gets all.
const shownWarnings = 50

// reportWarnings prints the first warnings and, when asked, writes all of
// them to a file.
func reportWarnings(stderr io.Writer, path, file string, ws []legacy.Issue, leftOut int) error {
	for i, is := range ws {
		if i == shownWarnings {
			fmt.Fprint(stderr, pl.Msg("cli.import.warnings_left_out", path, len(ws)-shownWarnings+leftOut))
			if file == "" {
				fmt.Fprint(stderr, pl.Msg("cli.import.warnings_option"))
			}
			fmt.Fprintln(stderr)
			break
		}
		fmt.Fprintln(stderr, pl.Msg("cli.import.warning", path, is))
	}
	if file == "" {
		return nil
	}
	var b strings.Builder
	for _, is := range ws {
		fmt.Fprintln(&b, pl.Msg("cli.import.warning", path, is))
	}
	if leftOut > 0 {
		fmt.Fprintln(&b, pl.Msg("cli.import.warnings_not_kept", path, leftOut))
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("%s: %w", pl.Msg("cli.import.warnings_write"), err)
	}
	fmt.Fprintln(stderr, pl.Msg("cli.import.warnings_written", path, len(ws)+leftOut, file))
	return nil
}
