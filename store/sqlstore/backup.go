package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrBackupUnsupported is Backup's answer on a database that is backed up
// by its own tools: PostgreSQL (pg_dump, WAL archiving).
var ErrBackupUnsupported = errors.New("backup: this database is backed up with its own tools")

// Backup writes a consistent copy of the database to the new file path
// while the database stays in use: SQLite's VACUUM INTO reads one snapshot
// (a read transaction; under WAL, writers go on meanwhile) into a
// temporary file next to path, which is checked (PRAGMA quick_check),
// synced and only then renamed to path, so a file at path is always a
// whole backup. An existing path is an error (nothing is overwritten).
// ErrBackupUnsupported on PostgreSQL.
func (s *Store) Backup(ctx context.Context, path string) (err error) {
	if s.d.backupInto == "" {
		return ErrBackupUnsupported
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("backup: %s exists; choose a new file", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	// VACUUM INTO refuses a file that is not empty; an empty one it fills.
	defer func() {
		if err != nil {
			os.Remove(tmpName)
		}
	}()
	if _, err := s.db.ExecContext(ctx, s.d.backupInto, tmpName); err != nil {
		return fmt.Errorf("backup: write copy: %w", err)
	}
	if err := quickCheck(ctx, tmpName); err != nil {
		return fmt.Errorf("backup: check copy: %w", err)
	}
	if err := syncFile(tmpName); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("backup: %s appeared meanwhile; choose a new file", path)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return syncFile(dir)
}

// quickCheck opens the SQLite file at path on its own and runs PRAGMA
// quick_check on it.
func quickCheck(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("quick_check: %s", res)
	}
	return nil
}

// syncFile flushes a file or directory to stable storage.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}
