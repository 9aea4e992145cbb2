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
	"runtime/pprof"
	"syscall"

	"jedenlogin/internal/termsafe"
)

// command is one subcommand of the binary.
type command struct {
	name       string
	summaryKey string // catalogue key of its one line in `help`
	run        func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{name: "serve", summaryKey: "cli.help.serve", run: runServe},
		{name: "import", summaryKey: "cli.help.import", run: runImport},
		{name: "plan", summaryKey: "cli.help.plan", run: runPlan},
		{name: "verify", summaryKey: "cli.help.verify", run: runVerify},
		{name: "backup", summaryKey: "cli.help.backup", run: runBackup},
		{name: "migrate-schema", summaryKey: "cli.help.migrate_schema", run: runMigrateSchema},
		{name: "demo", summaryKey: "cli.help.demo", run: runDemo},
		{name: "unlock", summaryKey: "cli.help.unlock", run: runUnlock},
		{name: "mfa", summaryKey: "cli.help.mfa", run: runMFA},
		{name: "create-operator", summaryKey: "cli.help.create_operator", run: runCreateOperator},
		{name: "admin-token", summaryKey: "cli.help.admin_token", run: runAdminToken},
		{name: "client", summaryKey: "cli.help.client", run: runClient},
		{name: "keys", summaryKey: "cli.help.keys", run: runKeys},
		{name: "notify", summaryKey: "cli.help.notify", run: runNotify},
		{name: "finish", summaryKey: "cli.help.finish", run: runFinish},
		{name: "help", summaryKey: "cli.help.help"},
	}
}

// exitError carries a specific exit code; its message is already printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := startProfile(os.Getenv("JEDENLOGIN_CPUPROFILE"))
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopProfile()
	stop()
	os.Exit(code)
}

// startProfile writes a CPU profile of the whole command to file (the
// environment variable JEDENLOGIN_CPUPROFILE, for `go tool pprof`) when it
// is not empty, and returns the function that ends it.
func startProfile(file string) func() {
	if file == "" {
		return func() {}
	}
	f, err := os.Create(file)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "JEDENLOGIN_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
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
			fmt.Fprintf(stderr, "jedenlogin %s: %s\n", c.name, termsafe.String(pl.Describe(err)))
			return 1
		}
	}
	fmt.Fprintln(stderr, pl.Msg("cli.unknown_command", args[0]))
	fmt.Fprintln(stderr)
	printHelp(stderr)
	return 2
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, pl.Msg("cli.help.title"))
	fmt.Fprintln(w, pl.Msg("cli.help.usage"))
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-15s %s\n", c.name, pl.Msg(c.summaryKey))
	}
	fmt.Fprintln(w, pl.Msg("cli.help.database"))
}
