package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"jedenlogin"
	"jedenlogin/consolidation"
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
		fmt.Fprintf(stdout, "NARUSZENIE (osoba %d): %s\n", vi.PersonID, vi.Message)
	}
	if len(violations) > 0 {
		fmt.Fprintf(stdout, "verify: naruszeń: %d (sprawdzono osób: %d)\n", len(violations), persons)
		return exitError{1}
	}
	fmt.Fprintf(stdout, "verify: OK, sprawdzono osób: %d, brak naruszeń\n", persons)
	return nil
}
