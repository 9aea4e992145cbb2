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
	"jedenlogin/store/sqlstore"
)

// runBackup is `jedenlogin backup [--db DSN] FILE`: a consistent copy of a
// SQLite database written while the service keeps serving (Store.Backup).
// PostgreSQL is refused with the way to back it up instead.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	db := dbFlag(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "Usage: jedenlogin backup [--db DSN] PLIK")
		return errUsage
	}
	file := fs.Arg(0)
	st, err := openStore(ctx, *db, false)
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
		fmt.Fprintln(stderr, "backup: bazę PostgreSQL kopiuje się jej własnymi narzędziami: pg_dump -Fc (kopia logiczna) "+
			"albo pg_basebackup z archiwizacją WAL (odtwarzanie do chwili, PITR); zob. README, „Kopie zapasowe”")
		return exitError{1}
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup: zapisano spójną kopię bazy w %s (%.1f s); sprawdź ją: jedenlogin verify --db %[1]s\n",
		termsafe.String(file), time.Since(began).Seconds())
	return nil
}
