package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"jedenlogin/password"
	"jedenlogin/store/sqlstore"
)

// errUsage means the flags were wrong; flag has printed why.
var errUsage = errors.New("usage")

// dbFlag registers --db with its environment default.
func dbFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("JEDENLOGIN_DB")
	if def == "" {
		def = "./jedenlogin.db"
	}
	return fs.String("db", def, "database: SQLite file path or postgres:// URL (env JEDENLOGIN_DB)")
}

// hashFlags registers the argon2id parameters (OWASP defaults).
func hashFlags(fs *flag.FlagSet) *password.Params {
	p := password.DefaultParams
	fs.Func("argon2-memory", fmt.Sprintf("argon2id memory in KiB (default %d)", p.Memory), uintSetter(&p.Memory))
	fs.Func("argon2-time", fmt.Sprintf("argon2id iterations (default %d)", p.Time), uintSetter(&p.Time))
	fs.Func("argon2-threads", fmt.Sprintf("argon2id parallelism (default %d)", p.Threads), func(s string) error {
		var v uint32
		if err := uintSetter(&v)(s); err != nil || v == 0 || v > 255 {
			return fmt.Errorf("want 1–255")
		}
		p.Threads = uint8(v)
		return nil
	})
	return &p
}

func uintSetter(dst *uint32) func(string) error {
	return func(s string) error {
		var v uint32
		if _, err := fmt.Sscan(s, &v); err != nil || v == 0 {
			return fmt.Errorf("want a positive whole number, got %q", s)
		}
		*dst = v
		return nil
	}
}

// dbCommand is the preamble every command working on the database shares:
// its flag set with --db, the parse with the count of positional arguments
// checked, and the store opened.
type dbCommand struct {
	fs *flag.FlagSet
	db *string
}

func newDBCommand(name string) *dbCommand {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	return &dbCommand{fs: fs, db: dbFlag(fs)}
}

// parse parses args; with nargs >= 0 another count of positional arguments
// prints usage and returns errUsage.
func (c *dbCommand) parse(args []string, stderr io.Writer, usage string, nargs int) error {
	if err := parseFlags(c.fs, args, stderr); err != nil {
		return err
	}
	if nargs >= 0 && c.fs.NArg() != nargs {
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	return nil
}

// open opens the database of --db (openStore).
func (c *dbCommand) open(ctx context.Context, migrate bool) (*sqlstore.Store, error) {
	return openStore(ctx, *c.db, migrate)
}

// parseFlags parses args, mapping flag errors to errUsage.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitError{0}
		}
		return errUsage
	}
	return nil
}

// openStore opens the database; migrate applies pending schema migrations
// (operator commands that create data do), otherwise an outdated schema is
// refused with advice.
//
// Only the commands that create a database (import, demo, migrate-schema:
// migrate is true) may create a SQLite file; the others refuse a path
// where there is no file, instead of creating an empty database and then
// calling its schema outdated (a mistyped --db).
func openStore(ctx context.Context, dsn string, migrate bool) (*sqlstore.Store, error) {
	if !migrate && isSQLiteFile(dsn) {
		if _, err := os.Stat(dsn); errors.Is(err, fs.ErrNotExist) {
			return nil, errors.New(pl.Msg("cli.db_missing", dsn))
		}
	}
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Migrate: migrate})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redactDSN(dsn), err)
	}
	return st, nil
}

// isSQLiteFile reports whether dsn names a SQLite database by a plain file
// path (not a postgres:// URL, ":memory:" or a file: URI).
func isSQLiteFile(dsn string) bool {
	return dsn != "" && dsn != ":memory:" && !strings.HasPrefix(dsn, "postgres://") &&
		!strings.HasPrefix(dsn, "postgresql://") && !strings.HasPrefix(dsn, "file:")
}
