package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"jedenlogin"
	"jedenlogin/internal/termsafe"
	"jedenlogin/service"
)

func runMigrateSchema(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newDBCommand("migrate-schema")
	if err := cmd.parse(args, stderr, "", -1); err != nil {
		return err
	}
	st, err := cmd.open(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	cur, latest, err := st.SchemaStatus(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, pl.Msg("cli.migrate_schema.version", cur, latest))
	return st.AppendAudit(ctx, jedenlogin.AuditEvent{At: time.Now(), Action: jedenlogin.AuditSchemaMigrated, Actor: "cli", Outcome: "ok", Details: fmt.Sprintf(`{"version":%d}`, cur)})
}

func runUnlock(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newDBCommand("unlock")
	if err := cmd.parse(args, stderr, "Usage: jedenlogin unlock [--db DSN] LOGIN", 1); err != nil {
		return err
	}
	name := cmd.fs.Arg(0)
	st, err := cmd.open(ctx, false)
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
		msg := pl.Msg("cli.unlock.unknown", termsafe.String(name))
		if others, err := st.LoginsByFoldedName(ctx, name); err == nil && len(others) > 0 {
			msg += pl.Msg("cli.unlock.did_you_mean", termsafe.String(others[0].Name))
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
		fmt.Fprintln(stdout, pl.Msg("cli.unlock.name_unblocked", termsafe.String(name)))
	case t.BlockedUntil != nil && time.Now().Before(*t.BlockedUntil):
		fmt.Fprintln(stdout, pl.Msg("cli.unlock.unblocked", name))
	default:
		fmt.Fprintln(stdout, pl.Msg("cli.unlock.not_blocked", name, t.Failures))
	}
	return nil
}
