package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"jedenlogin"
	"jedenlogin/consolidation"
	"jedenlogin/internal/termsafe"
)

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	db := dbFlag(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	st, err := openStore(ctx, *db, false)
	if err != nil {
		return err
	}
	defer st.Close()

	limitHeap()
	v := consolidation.NewVerifier()
	persons := 0
	if err := st.ForEachPerson(ctx, func(rec *jedenlogin.PersonRecord) error {
		persons++
		v.Add(rec)
		return nil
	}); err != nil {
		return err
	}
	violations := v.Finish()
	for _, vi := range violations {
		fmt.Fprintf(stdout, "NARUSZENIE (osoba %d): %s\n", vi.PersonID, termsafe.String(vi.Message))
	}
	if len(violations) > 0 {
		fmt.Fprintf(stdout, "verify: naruszeń: %d (sprawdzono osób: %d)\n", len(violations), persons)
		return exitError{1}
	}
	fmt.Fprintf(stdout, "verify: OK, sprawdzono osób: %d, brak naruszeń\n", persons)
	return nil
}

// walkHeapLimit is the soft limit of the Go heap for the commands that walk
// every person (verify, plan --format json). What they keep is modest (the
// verifier: every login name once), but at Go's default the heap may grow
// to twice that before a collection, and with the two readers' SQLite page
// caches outside the heap a million-login database took verify past 1 GiB.
const walkHeapLimit = 448 << 20

// limitHeap sets walkHeapLimit unless GOMEMLIMIT chose a limit.
func limitHeap() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(walkHeapLimit)
	}
}
