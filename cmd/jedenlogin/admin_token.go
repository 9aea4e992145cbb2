package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"jedenlogin"
	"jedenlogin/service"
)

// runAdminToken is `jedenlogin admin-token add|list|revoke`: the operator
// tokens scripts call the console's JSON API with.
func runAdminToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, pl.Msg("cli.admin_token.usage"))
		return errUsage
	}
	switch args[0] {
	case "add":
		return runAdminTokenAdd(ctx, args[1:], stdout, stderr)
	case "list":
		return runAdminTokenList(ctx, args[1:], stdout, stderr)
	case "revoke":
		return runAdminTokenRevoke(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, pl.Msg("cli.admin_token.unknown_action", args[0]))
	fmt.Fprintln(stderr, pl.Msg("cli.admin_token.usage"))
	return errUsage
}

// parseValidity reads --expires: a Go duration ("720h", "90m") or a number
// of days ("90d"); it must be positive.
func parseValidity(v string) (time.Duration, error) {
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(v, "d"); ok {
		var n int
		if n, err = strconv.Atoi(days); err == nil {
			d = time.Duration(n) * 24 * time.Hour
		}
	} else {
		d, err = time.ParseDuration(v)
	}
	if err != nil || d <= 0 {
		return 0, errors.New(pl.Msg("cli.admin_token.bad_expires", v))
	}
	return d, nil
}

func runAdminTokenAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin-token add", flag.ContinueOnError)
	db := dbFlag(fs)
	name := fs.String("name", "", pl.Msg("cli.admin_token.flag_name"))
	expires := fs.String("expires", "", pl.Msg("cli.admin_token.flag_expires"))
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	var problems []string
	if !jedenlogin.AdminTokenNameRE.MatchString(*name) {
		problems = append(problems, pl.Msg("cli.admin_token.bad_name"))
	}
	var validity time.Duration
	if *expires != "" {
		var err error
		if validity, err = parseValidity(*expires); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if fs.NArg() > 0 {
		problems = append(problems, pl.Msg("cli.admin_token.unexpected_arguments", strings.Join(fs.Args(), " ")))
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "jedenlogin admin-token add: %s\n", strings.Join(problems, "; "))
		fmt.Fprintln(stderr, pl.Msg("cli.admin_token.usage"))
		return errUsage
	}
	st, err := openStore(ctx, *db, false)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now().UTC().Truncate(time.Second)
	token, hash := service.NewAdminToken()
	t := jedenlogin.AdminToken{Name: *name, Hash: hash, CreatedAt: now}
	details := map[string]any{"expires_at": nil}
	if validity > 0 {
		exp := now.Add(validity)
		t.ExpiresAt = &exp
		details["expires_at"] = exp.Format(time.RFC3339)
	}
	err = st.CreateAdminToken(ctx, t, service.AdminTokenAudit(now, "cli", t.Name, "created", details))
	if errors.Is(err, jedenlogin.ErrConflict) {
		fmt.Fprintln(stderr, pl.Msg("cli.admin_token.taken", *name))
		return exitError{1}
	} else if err != nil {
		return fmt.Errorf("admin-token add: %w", err)
	}
	// The token's only appearance: the store keeps its hash.
	fmt.Fprintln(stdout, token)
	until := pl.Msg("cli.admin_token.valid_forever")
	if t.ExpiresAt != nil {
		until = pl.Msg("cli.admin_token.valid_until", t.ExpiresAt.In(service.Warsaw).Format("02.01.2006 15:04"))
	}
	fmt.Fprintln(stderr, pl.Msg("cli.admin_token.created", *name, until))
	return nil
}

func runAdminTokenList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin-token list", flag.ContinueOnError)
	db := dbFlag(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, pl.Msg("cli.admin_token.list_usage"))
		return errUsage
	}
	st, err := openStore(ctx, *db, false)
	if err != nil {
		return err
	}
	defer st.Close()
	ts, err := st.AdminTokens(ctx)
	if err != nil {
		return fmt.Errorf("admin-token list: %w", err)
	}
	now := time.Now()
	when := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.In(service.Warsaw).Format("2006-01-02 15:04")
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, pl.Msg("cli.admin_token.list_header"))
	for _, t := range ts {
		state := pl.Msg("cli.admin_token.state_active")
		switch {
		case t.RevokedAt != nil:
			state = pl.Msg("cli.admin_token.state_revoked")
		case !t.ActiveAt(now):
			state = pl.Msg("cli.admin_token.state_expired")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, state, when(&t.CreatedAt), when(t.ExpiresAt), when(t.LastUsedAt), when(t.RevokedAt))
	}
	return tw.Flush()
}

func runAdminTokenRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin-token revoke", flag.ContinueOnError)
	db := dbFlag(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, pl.Msg("cli.admin_token.revoke_usage"))
		return errUsage
	}
	name := fs.Arg(0)
	st, err := openStore(ctx, *db, false)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now().UTC()
	err = st.RevokeAdminToken(ctx, name, now, service.AdminTokenAudit(now, "cli", name, "revoked", nil))
	switch {
	case errors.Is(err, jedenlogin.ErrNotFound):
		fmt.Fprintln(stderr, pl.Msg("cli.admin_token.not_found", name))
		return exitError{1}
	case errors.Is(err, jedenlogin.ErrConflict):
		fmt.Fprintln(stderr, pl.Msg("cli.admin_token.already_revoked", name))
		return exitError{1}
	case err != nil:
		return fmt.Errorf("admin-token revoke: %w", err)
	}
	fmt.Fprintln(stdout, pl.Msg("cli.admin_token.revoked", name))
	return nil
}
