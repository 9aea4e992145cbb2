package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"jedenlogin"
)

// runCreateOperator gives the person behind an existing login the operator
// role (console, approving heads of entities without a parent). Operators
// sign in like everyone else; the role is the person's, not the login's.
func runCreateOperator(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("create-operator", flag.ContinueOnError)
	db := dbFlag(fs)
	revoke := fs.Bool("revoke", false, "take the operator role away instead")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "Usage: jedenlogin create-operator [--db DSN] [--revoke] LOGIN")
		return errUsage
	}
	name := fs.Arg(0)
	st, err := openStore(ctx, *db, false)
	if err != nil {
		return err
	}
	defer st.Close()
	l, err := st.LoginByName(ctx, name)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		fmt.Fprintf(stderr, "create-operator: nie ma loginu %s (wielkość liter ma znaczenie)\n", name)
		return exitError{1}
	} else if err != nil {
		return err
	}
	if l.State != jedenlogin.LoginActive {
		fmt.Fprintf(stderr, "create-operator: login %s nie jest aktywny (stan: %s); wskaż login, którym ta osoba się loguje\n", name, l.State)
		return exitError{1}
	}
	now := time.Now()
	err = st.UpdatePerson(ctx, l.PersonID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		rec.Person.Operator = !*revoke
		outcome := "granted"
		if *revoke {
			outcome = "revoked"
		}
		return []jedenlogin.AuditEvent{{At: now, Action: jedenlogin.AuditOperatorCreated, Actor: "cli", Subject: name, Outcome: outcome}}, nil
	})
	if err != nil {
		return err
	}
	if *revoke {
		fmt.Fprintf(stdout, "osoba z loginem %s nie jest już operatorem\n", name)
	} else {
		fmt.Fprintf(stdout, "osoba z loginem %s jest operatorem\n", name)
	}
	return nil
}
