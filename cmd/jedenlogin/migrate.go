package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"jedenlogin"
	"jedenlogin/internal/termsafe"
	"jedenlogin/service"
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
	fmt.Fprintf(stdout, "schemat bazy danych w wersji %d (najnowsza %d)\n", cur, latest)
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
	// The block is on the name as typed at sign-in (unknown names are
	// counted too), so a name without a login may still be blocked.
	key := service.LoginKey(name)
	t, err := st.ThrottleState(ctx, key)
	if err != nil {
		return err
	}
	_, lerr := st.LoginByName(ctx, name)
	if lerr != nil && !errors.Is(lerr, jedenlogin.ErrNotFound) {
		return lerr
	}
	exists := lerr == nil
	if !exists && t.Failures == 0 && t.BlockedUntil == nil {
		msg := fmt.Sprintf("unlock: nie ma loginu %s ani blokady tej nazwy (wielkość liter ma znaczenie)", termsafe.String(name))
		if others, err := st.LoginsByFoldedName(ctx, name); err == nil && len(others) > 0 {
			msg += fmt.Sprintf("; czy chodziło o %s?", termsafe.String(others[0].Name))
		}
		fmt.Fprintln(stderr, msg)
		return exitError{1}
	}
	if err := st.ClearThrottle(ctx, key); err != nil {
		return err
	}
	if err := st.AppendAudit(ctx, jedenlogin.AuditEvent{At: time.Now(), Action: jedenlogin.AuditUnblocked, Actor: "cli", Subject: name, Outcome: "ok"}); err != nil {
		return err
	}
	switch {
	case !exists:
		fmt.Fprintf(stdout, "zdjęto blokadę nazwy %s (takiego loginu nie ma; liczono nieudane próby logowania na tę nazwę)\n", termsafe.String(name))
	case t.BlockedUntil != nil && time.Now().Before(*t.BlockedUntil):
		fmt.Fprintf(stdout, "login %s odblokowany\n", name)
	default:
		fmt.Fprintf(stdout, "login %s nie był zablokowany; wyzerowano licznik nieudanych prób (%d)\n", name, t.Failures)
	}
	return nil
}
