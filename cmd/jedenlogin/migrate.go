package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"jedenlogin"
)

func runMigrateSchema(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate-schema", flag.ContinueOnError)
	db := dbFlag(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	st, err := openStore(ctx, *db, true)
	if err != nil {
		return err
	}
	defer st.Close()
	cur, latest, err := st.SchemaStatus(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema is at version %d (latest %d)\n", cur, latest)
	return st.AppendAudit(ctx, jedenlogin.AuditEvent{At: time.Now(), Action: jedenlogin.AuditSchemaMigrated, Actor: "cli", Outcome: "ok", Details: fmt.Sprintf(`{"version":%d}`, cur)})
}

func runUnlock(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("unlock", flag.ContinueOnError)
	db := dbFlag(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "Usage: jedenlogin unlock [--db DSN] LOGIN")
		return errUsage
	}
	name := fs.Arg(0)
	st, err := openStore(ctx, *db, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.ClearThrottle(ctx, "login:"+name); err != nil {
		return err
	}
	if err := st.AppendAudit(ctx, jedenlogin.AuditEvent{At: time.Now(), Action: jedenlogin.AuditUnblocked, Actor: "cli", Subject: name, Outcome: "ok"}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "login %s unblocked\n", name)
	return nil
}
