package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

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
func openStore(ctx context.Context, dsn string, migrate bool) (*sqlstore.Store, error) {
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Migrate: migrate})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redactDSN(dsn), err)
	}
	return st, nil
}
