// Command jedenlogin is the account system of the education information
// system: it imports the legacy accounts, plans and verifies the one-login
// transition, and serves sign-in, the transition and the account pages.
//
// Run `jedenlogin help` for the subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"jedenlogin/locale"
)

// command is one subcommand of the binary.
type command struct {
	name    string
	summary string // one line for `help`
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "serve the web application and the JSON API (--db, --addr, --trusted-proxy)", runServe},
		{"import", "import legacy accounts from a CSV file: jedenlogin import [--db DSN] FILE.csv", runImport},
		{"plan", "print the one-login transition plan: jedenlogin plan [--db DSN] [--format text|json]", runPlan},
		{"verify", "check the invariants of the data; exit code 1 when any is broken", runVerify},
		{"migrate-schema", "bring the database schema up to date", runMigrateSchema},
		{"demo", "build a fresh demo database with every transition case, print its credentials and serve it", runDemo},
		{"unlock", "lift the sign-in block of a login name: jedenlogin unlock [--db DSN] LOGIN", runUnlock},
		{"create-operator", "make the person behind LOGIN an operator: jedenlogin create-operator [--db DSN] [--revoke] LOGIN", runCreateOperator},
		{"client", "OpenID Connect clients: jedenlogin client add|list|remove|rotate-secret [--db DSN] …", runClient},
		{"keys", "rotate the OpenID Connect signing key: jedenlogin keys rotate [--db DSN] [--alg ES256|RS256]", runKeys},
		{"help", "list the subcommands", nil},
	}
}

// exitError carries a specific exit code; its message is already printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] || c.run == nil {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		var ee exitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &ee):
			return ee.code
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintf(stderr, "jedenlogin %s: %s\n", c.name, locale.Polish.Describe(err))
			return 1
		}
	}
	fmt.Fprintf(stderr, "jedenlogin: unknown subcommand %q\n\n", args[0])
	printHelp(stderr)
	return 2
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "jedenlogin — one login for many entities (SIO account system)")
	fmt.Fprintln(w, "\nUsage: jedenlogin SUBCOMMAND [flags]\n\nSubcommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-15s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nThe database is --db (or $JEDENLOGIN_DB): a SQLite file path (default ./jedenlogin.db) or a postgres:// URL.")
}
