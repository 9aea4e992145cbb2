package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"jedenlogin"
	"jedenlogin/internal/termsafe"
	"jedenlogin/store/sqlstore"
)

// runBackup is `jedenlogin backup [--db DSN] FILE`: a consistent copy of a
// SQLite database written while the service keeps serving (Store.Backup).
// PostgreSQL is refused with the way to back it up instead.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newDBCommand("backup")
	if err := cmd.parse(args, stderr, "Usage: jedenlogin backup [--db DSN] PLIK", 1); err != nil {
		return err
	}
	file := cmd.fs.Arg(0)
	st, err := cmd.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	began := time.Now()
	// Audited first, so the copy itself records that it was taken.
	if err := st.AppendAudit(ctx, jedenlogin.AuditEvent{At: began, Action: jedenlogin.AuditBackup, Actor: "cli", Subject: file, Outcome: "started"}); err != nil {
		return err
	}
	if err := st.Backup(ctx, file); errors.Is(err, sqlstore.ErrBackupUnsupported) {
		fmt.Fprintln(stderr, pl.Msg("cli.backup.postgres"))
		return exitError{1}
	} else if err != nil {
		return err
	}
	fmt.Fprintln(stdout, pl.Msg("cli.backup.done", termsafe.String(file), time.Since(began).Seconds()))
	return nil
}
