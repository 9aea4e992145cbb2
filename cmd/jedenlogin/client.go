package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"jedenlogin"
	"jedenlogin/oidc"
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

var clientIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

const clientUsage = `Usage:
  jedenlogin client add [--db DSN] --id ID --name NAME --redirect-uri URI [--redirect-uri URI…]
                        [--post-logout-redirect-uri URI…] [--backchannel-logout-uri URI] [--public] [--alg ES256|RS256]
  jedenlogin client list [--db DSN]
  jedenlogin client remove [--db DSN] ID
  jedenlogin client rotate-secret [--db DSN] ID`

// runClient is `jedenlogin client add|list|remove|rotate-secret`: the
// OpenID Connect clients (modules) registered by operators.
func runClient(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, clientUsage)
		return errUsage
	}
	switch args[0] {
	case "add":
		return runClientAdd(ctx, args[1:], stdout, stderr)
	case "list":
		return runClientList(ctx, args[1:], stdout, stderr)
	case "remove", "rotate-secret":
		return runClientChange(ctx, args[0], args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "jedenlogin client: unknown action %q\n%s\n", args[0], clientUsage)
	return errUsage
}

// checkURI accepts an absolute http(s) URI without a fragment: redirect
// URIs match exactly, so what is registered is what a module must send.
func checkURI(flagName, v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" || strings.Contains(v, "#") {
		return fmt.Errorf("--%s %q: want an absolute http(s) URI without a fragment", flagName, v)
	}
	return nil
}

func runClientAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("client add", flag.ContinueOnError)
	db := dbFlag(fs)
	id := fs.String("id", "", "client id (letters, digits, . _ -)")
	name := fs.String("name", "", "the module's name, shown to people")
	var redirects, logouts listFlag
	fs.Var(&redirects, "redirect-uri", "redirect URI, matched exactly (repeatable, at least one)")
	fs.Var(&logouts, "post-logout-redirect-uri", "where RP-initiated logout may return, matched exactly (repeatable)")
	backchannel := fs.String("backchannel-logout-uri", "", "the module's back-channel logout URI")
	public := fs.Bool("public", false, "a public client (no secret; PKCE with S256 required)")
	alg := fs.String("alg", jedenlogin.AlgES256, "ID token signing algorithm: ES256 or RS256")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	var problems []string
	if !clientIDRE.MatchString(*id) {
		problems = append(problems, "--id: 1–64 letters, digits, '.', '_' or '-'")
	}
	if strings.TrimSpace(*name) == "" {
		problems = append(problems, "--name is required")
	}
	if len(redirects) == 0 {
		problems = append(problems, "at least one --redirect-uri is required")
	}
	for _, u := range redirects {
		if err := checkURI("redirect-uri", u); err != nil {
			problems = append(problems, err.Error())
		}
	}
	for _, u := range logouts {
		if err := checkURI("post-logout-redirect-uri", u); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if *backchannel != "" {
		if err := checkURI("backchannel-logout-uri", *backchannel); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if *alg != jedenlogin.AlgES256 && *alg != jedenlogin.AlgRS256 {
		problems = append(problems, "--alg: ES256 or RS256")
	}
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected arguments: %s", strings.Join(fs.Args(), " ")))
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "jedenlogin client add: %s\n%s\n", strings.Join(problems, "; "), clientUsage)
		return errUsage
	}
	st, err := openStore(ctx, *db, false)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now().UTC()
	c := jedenlogin.OIDCClient{
		ID: *id, Name: strings.TrimSpace(*name), Public: *public, RedirectURIs: redirects, PostLogoutRedirectURIs: logouts,
		BackchannelLogoutURI: *backchannel, SigningAlg: *alg, CreatedAt: now,
	}
	var secret string
	if !*public {
		secret, c.SecretHash = oidc.NewClientSecret()
	}
	if err := st.CreateOIDCClient(ctx, c, clientAudit(now, "add", &c)); errors.Is(err, jedenlogin.ErrConflict) {
		fmt.Fprintf(stderr, "jedenlogin client add: a client %q exists already (jedenlogin client list)\n", *id)
		return exitError{1}
	} else if err != nil {
		return fmt.Errorf("client add: %w", err)
	}
	if secret != "" {
		// The secret's only appearance: the store keeps its hash.
		fmt.Fprintln(stdout, secret)
		fmt.Fprintf(stderr, "client %s added; its secret (above) is shown only now\n", *id)
	} else {
		fmt.Fprintf(stderr, "public client %s added\n", *id)
	}
	return nil
}

func clientAudit(at time.Time, what string, c *jedenlogin.OIDCClient) jedenlogin.AuditEvent {
	return jedenlogin.AuditEvent{At: at, Action: jedenlogin.AuditOIDCClient, Actor: "cli", Subject: "client:" + c.ID, Outcome: "ok",
		Details: fmt.Sprintf(`{"change":%q,"public":%t,"redirect_uris":%d}`, what, c.Public, len(c.RedirectURIs))}
}

func runClientList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newDBCommand("client list")
	if err := cmd.parse(args, stderr, "", -1); err != nil {
		return err
	}
	st, err := cmd.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	cs, err := st.OIDCClients(ctx)
	if err != nil {
		return fmt.Errorf("client list: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTYPE\tALG\tREDIRECT URIS\tPOST-LOGOUT URIS\tBACK-CHANNEL LOGOUT")
	for _, c := range cs {
		kind := "confidential"
		if c.Public {
			kind = "public"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, kind, c.SigningAlg,
			strings.Join(c.RedirectURIs, " "), dash(strings.Join(c.PostLogoutRedirectURIs, " ")), dash(c.BackchannelLogoutURI))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// runClientChange is `client remove ID` and `client rotate-secret ID`.
func runClientChange(ctx context.Context, action string, args []string, stdout, stderr io.Writer) error {
	cmd := newDBCommand("client " + action)
	if err := cmd.parse(args, stderr, fmt.Sprintf("Usage: jedenlogin client %s [--db DSN] ID", action), 1); err != nil {
		return err
	}
	id := cmd.fs.Arg(0)
	st, err := cmd.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now().UTC()
	var secret string
	switch action {
	case "remove":
		err = st.DeleteOIDCClient(ctx, id, clientAudit(now, "remove", &jedenlogin.OIDCClient{ID: id}))
	default:
		err = st.UpdateOIDCClient(ctx, id, func(c *jedenlogin.OIDCClient) ([]jedenlogin.AuditEvent, error) {
			if c.Public {
				return nil, errPublicClient
			}
			secret, c.SecretHash = oidc.NewClientSecret()
			return []jedenlogin.AuditEvent{clientAudit(now, "rotate-secret", c)}, nil
		})
	}
	switch {
	case errors.Is(err, jedenlogin.ErrNotFound):
		fmt.Fprintf(stderr, "jedenlogin client %s: no client %q (jedenlogin client list)\n", action, id)
		return exitError{1}
	case errors.Is(err, errPublicClient):
		fmt.Fprintf(stderr, "jedenlogin client rotate-secret: %s is a public client and has no secret\n", id)
		return exitError{1}
	case err != nil:
		return fmt.Errorf("client %s: %w", action, err)
	}
	if secret != "" {
		fmt.Fprintln(stdout, secret)
		fmt.Fprintf(stderr, "client %s has a new secret (above), shown only now; the old one no longer works\n", id)
	} else {
		fmt.Fprintf(stderr, "client %s removed with its tokens\n", id)
	}
	return nil
}

var errPublicClient = errors.New("public client")

// runKeys is `jedenlogin keys rotate [--db DSN] [--alg ES256|RS256]`.
func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "Usage: jedenlogin keys rotate [--db DSN] [--alg ES256|RS256]"
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	cmd := newDBCommand("keys rotate")
	alg := cmd.fs.String("alg", jedenlogin.AlgES256, "algorithm of the new signing key: ES256 or RS256")
	if err := cmd.parse(args[1:], stderr, usage, 0); err != nil {
		return err
	}
	if *alg != jedenlogin.AlgES256 && *alg != jedenlogin.AlgRS256 {
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	st, err := cmd.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now().UTC()
	k, err := oidc.RotateKey(ctx, st, *alg, now, oidc.KeyRetireAfter, "cli")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "new %s key %s signs from now on; the previous one stays published until %s\n",
		*alg, k.ID, now.Add(oidc.KeyRetireAfter).Format(time.RFC3339))
	return nil
}
