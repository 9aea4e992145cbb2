package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"jedenlogin/legacy"
)

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	db := dbFlag(fs)
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
			fmt.Fprintf(stderr, "%s: error: %s\n", path, is)
		}
		for _, is := range verr.Warnings {
			fmt.Fprintf(stderr, "%s: warning: %s\n", path, is)
		}
		fmt.Fprintf(stderr, "%s: %d error(s): nothing was imported. Correct the file and run the import again.\n", path, len(verr.Errors))
		return exitError{1}
	}
	if err != nil {
		return fmt.Errorf("%s: %w (nothing was imported; the import can simply be run again)", path, err)
	}
	for _, is := range sum.Warnings {
		fmt.Fprintf(stderr, "%s: warning: %s\n", path, is)
	}
	fmt.Fprint(stdout, sum.String())
	return nil
}
