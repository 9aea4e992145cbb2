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

const adminTokenUsage = `Użycie:
  jedenlogin admin-token add [--db DSN] --name NAZWA [--expires CZAS]
  jedenlogin admin-token list [--db DSN]
  jedenlogin admin-token revoke [--db DSN] NAZWA

Token operatora pozwala skryptom wywoływać API konsoli operatora (/api/v1/admin/…)
z nagłówkiem "Authorization: Bearer <token>"; nigdzie indziej nie działa. Token jest
wypisywany tylko raz (jedyny wiersz na standardowym wyjściu); baza przechowuje tylko
jego skrót. Wszystko, co zrobi, trafia do dziennika zdarzeń jako token:NAZWA, więc
nazwa nie może się powtórzyć, także po unieważnieniu.`

// runAdminToken is `jedenlogin admin-token add|list|revoke`: the operator
// tokens scripts call the console's JSON API with.
func runAdminToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, adminTokenUsage)
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
	fmt.Fprintf(stderr, "jedenlogin admin-token: nieznane działanie %q\n%s\n", args[0], adminTokenUsage)
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
		return 0, fmt.Errorf("--expires %q: podaj dodatni czas ważności, np. 90d (dni), 720h albo 30m", v)
	}
	return d, nil
}

func runAdminTokenAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin-token add", flag.ContinueOnError)
	db := dbFlag(fs)
	name := fs.String("name", "", "nazwa tokenu: skrypt, który go używa (małe litery, cyfry, . _ -; najwyżej 64 znaki)")
	expires := fs.String("expires", "", "czas ważności, np. 90d, 720h (domyślnie bezterminowo, do unieważnienia)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	var problems []string
	if !jedenlogin.AdminTokenNameRE.MatchString(*name) {
		problems = append(problems, "--name: 1–64 znaki: małe litery, cyfry, '.', '_' albo '-', na początku litera lub cyfra")
	}
	var validity time.Duration
	if *expires != "" {
		var err error
		if validity, err = parseValidity(*expires); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("nieoczekiwane argumenty: %s", strings.Join(fs.Args(), " ")))
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "jedenlogin admin-token add: %s\n%s\n", strings.Join(problems, "; "), adminTokenUsage)
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
		fmt.Fprintf(stderr, "jedenlogin admin-token add: token %q już istnieje albo istniał (nazwy nie wracają, także po unieważnieniu); wybierz inną nazwę (jedenlogin admin-token list)\n", *name)
		return exitError{1}
	} else if err != nil {
		return fmt.Errorf("admin-token add: %w", err)
	}
	// The token's only appearance: the store keeps its hash.
	fmt.Fprintln(stdout, token)
	until := "bezterminowo (do unieważnienia)"
	if t.ExpiresAt != nil {
		until = "do " + t.ExpiresAt.In(service.Warsaw).Format("02.01.2006 15:04")
	}
	fmt.Fprintf(stderr, "token operatora %s utworzony, ważny %s; jest wypisany powyżej tylko ten jeden raz — zapisz go w sejfie na hasła skryptu.\n"+
		"Użycie: nagłówek \"Authorization: Bearer <token>\" w API konsoli operatora (/api/v1/admin/…). Unieważnienie: jedenlogin admin-token revoke %s\n",
		*name, until, *name)
	return nil
}

func runAdminTokenList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin-token list", flag.ContinueOnError)
	db := dbFlag(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "Użycie: jedenlogin admin-token list [--db DSN]")
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
	fmt.Fprintln(tw, "NAZWA\tSTAN\tUTWORZONY\tWYGASA\tOSTATNIO UŻYTY\tUNIEWAŻNIONY")
	for _, t := range ts {
		state := "aktywny"
		switch {
		case t.RevokedAt != nil:
			state = "unieważniony"
		case !t.ActiveAt(now):
			state = "wygasł"
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
		fmt.Fprintln(stderr, "Użycie: jedenlogin admin-token revoke [--db DSN] NAZWA")
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
		fmt.Fprintf(stderr, "jedenlogin admin-token revoke: nie ma tokenu %q (jedenlogin admin-token list)\n", name)
		return exitError{1}
	case errors.Is(err, jedenlogin.ErrConflict):
		fmt.Fprintf(stderr, "jedenlogin admin-token revoke: token %q jest już unieważniony\n", name)
		return exitError{1}
	case err != nil:
		return fmt.Errorf("admin-token revoke: %w", err)
	}
	fmt.Fprintf(stdout, "token operatora %s unieważniony: od teraz każde jego użycie dostaje 401\n", name)
	return nil
}
