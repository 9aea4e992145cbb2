package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"jedenlogin"
)

// runCreateOperator gives the person behind an existing login the operator
// role (console, approving heads of entities without a parent). Operators
// sign in like everyone else; the role is the person's, not the login's.
func runCreateOperator(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newDBCommand("create-operator")
	revoke := cmd.fs.Bool("revoke", false, "take the operator role away instead")
	if err := cmd.parse(args, stderr, "Usage: jedenlogin create-operator [--db DSN] [--revoke] LOGIN", 1); err != nil {
		return err
	}
	name := cmd.fs.Arg(0)
	st, err := cmd.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	l, err := st.LoginByName(ctx, name)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		fmt.Fprintln(stderr, pl.Msg("cli.operator.unknown", name))
		return exitError{1}
	} else if err != nil {
		return err
	}
	if l.State != jedenlogin.LoginActive {
		fmt.Fprintln(stderr, pl.Msg("cli.operator.inactive", name, l.State))
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
		fmt.Fprintln(stdout, pl.Msg("cli.operator.revoked", name))
	} else {
		fmt.Fprintln(stdout, pl.Msg("cli.operator.granted", name))
	}
	return nil
}
