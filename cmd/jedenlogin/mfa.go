package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"jedenlogin"
	"jedenlogin/password"
	"jedenlogin/service"
)

// runMFA is `jedenlogin mfa reset [--db DSN] LOGIN --reason TEXT`: an
// operator removes every second factor of the person behind LOGIN (a lost
// phone, lost recovery codes). The service audits it with the reason, ends
// the person's sessions and mails them; at the next sign-in they enrol
// again where the policy requires it.
func runMFA(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "Usage: jedenlogin mfa reset [--db DSN] LOGIN --reason TEKST [--smtp URL | --mail-outbox KATALOG] [--public-url URL]"
	if len(args) == 0 || args[0] != "reset" {
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	fs := flag.NewFlagSet("mfa reset", flag.ContinueOnError)
	db := dbFlag(fs)
	reason := fs.String("reason", "", "why the factors are removed (required; audited)")
	public := fs.String("public-url", "http://localhost", "the address users reach (the default sender's host)")
	account := registerAccountFlags(fs)
	// Flags may follow the login, as the usage line writes them.
	var pos []string
	rest := args[1:]
	for {
		if err := parseFlags(fs, rest, stderr); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos, rest = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	if len(pos) != 1 || *reason == "" {
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	st, err := openStore(ctx, *db, false)
	if err != nil {
		return err
	}
	defer st.Close()
	logger := newLogger(stderr)
	mailer, _, err := account.mailer(*public, logger)
	if err != nil {
		return err
	}
	svc, err := service.New(service.Config{
		Store: st, Hasher: &password.Hasher{Params: password.DefaultParams}, Logger: logger,
		Mailer: mailer, PublicURL: *public,
	})
	if err != nil {
		return err
	}
	err = svc.MFA.ResetMFA(ctx, "cli", "", pos[0], *reason)
	svc.Close() // delivers the mail
	if err != nil {
		he := jedenlogin.AsError(err)
		if he.Code == jedenlogin.EINTERNAL {
			return err
		}
		fmt.Fprintf(stderr, "mfa reset: %s\n", pl.Text(he.Text))
		return exitError{1}
	}
	fmt.Fprintln(stdout, pl.Msg("cli.mfa.reset_done", pos[0]))
	return nil
}
