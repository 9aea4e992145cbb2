package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"jedenlogin"
	"jedenlogin/demo"
	"jedenlogin/password"
	"jedenlogin/service"
	"jedenlogin/web"
)

// serveFlags are the flags shared by serve and demo.
type serveFlags struct {
	db        *string
	addr      *string
	publicURL *string
	proxies   []netip.Prefix
	params    *password.Params
	account   *accountFlags
	metrics   *string
	helpURL   *string
	support   *string
	mfa       service.MFAPolicy
	mfaKey    []byte
}

func registerServeFlags(fs *flag.FlagSet, defaultDB string) *serveFlags {
	f := &serveFlags{}
	if defaultDB == "" {
		f.db = dbFlag(fs)
	} else {
		f.db = fs.String("db", defaultDB, "database: SQLite file path or postgres:// URL")
	}
	f.addr = fs.String("addr", "127.0.0.1:8080", "listen address HOST:PORT")
	f.publicURL = fs.String("public-url", "", "the address users reach, e.g. https://konto.example.gov.pl (default http:// + --addr); https makes cookies __Host- and Secure")
	fs.Func("trusted-proxy", "CIDR of a reverse proxy / load balancer whose X-Forwarded-For is believed (repeatable)", func(s string) error {
		p, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("not a CIDR: %q", s)
		}
		f.proxies = append(f.proxies, p.Masked())
		return nil
	})
	f.metrics = fs.String("metrics-addr", "", "serve /metrics on this address HOST:PORT only, not on --addr (for the monitoring network)")
	f.helpURL = fs.String("help-url", web.DefaultHelpURL, "page with the users' instructions, linked from the pages and every mail")
	f.support = fs.String("support-contact", "", `how users reach the helpdesk, shown on the pages and in every mail, e.g. "tel. 22 123 45 67, pomoc@sio.example.gov.pl"`)
	f.params = hashFlags(fs)
	f.account = registerAccountFlags(fs)
	f.mfa = service.MFAPolicy{Operators: true}
	fs.Func("mfa-key-file", "file holding 64 hex characters (32 bytes): the key that encrypts TOTP secrets in the database (AES-256-GCM); keep it outside the database's backups", func(path string) error {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		k, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(k) != 32 {
			return fmt.Errorf("%s: want 64 hex characters (32 bytes)", path)
		}
		f.mfaKey = k
		return nil
	})
	fs.Func("mfa-required", "who must have a second factor (TOTP or passkey): a comma-separated list of operator, kierownik (a holder of a kierownik or po_kierownika grant), or none (default operator)", func(s string) error {
		p, err := service.ParseMFAPolicy(s)
		if err != nil {
			return err
		}
		f.mfa = p
		return nil
	})
	return f
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	f := registerServeFlags(fs, "")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	st, err := openStore(ctx, *f.db, false)
	if err != nil {
		if errors.Is(err, jedenlogin.ErrSchemaOutdated) {
			fmt.Fprintln(stderr, pl.Msg("cli.serve.schema_outdated", redactDSN(*f.db)))
			return exitError{1}
		}
		return err
	}
	defer st.Close()
	return serve(ctx, st, f, newLogger(stderr), nil)
}

// serve runs the web server until ctx is cancelled, then shuts down
// gracefully. ready, when non-nil, is told the listening address.
func serve(ctx context.Context, st jedenlogin.Store, f *serveFlags, logger *slog.Logger, ready func(addr string)) error {
	public := *f.publicURL
	if public == "" {
		public = "http://" + *f.addr
	}
	mailer, mailDesc, err := f.account.mailer(public, logger)
	if err != nil {
		return err
	}
	policy, err := f.account.passwordPolicy()
	if err != nil {
		return err
	}
	service.TuneGC()
	// cmd wires the concrete types: the service (every workflow) with
	// the server's metrics as its sink, then the server over it, which
	// keeps the service's features as the root package's interfaces.
	help := *f.helpURL
	if help == "" {
		help = web.DefaultHelpURL
	}
	metrics := web.NewMetrics()
	svc, err := service.New(service.Config{
		Store:          st,
		Hasher:         &password.Hasher{Params: *f.params},
		Logger:         logger,
		Mailer:         mailer,
		PublicURL:      public,
		PasswordPolicy: policy,
		PasswordMaxAge: f.account.maxAge,
		Metrics:        metrics,
		HelpURL:        help,
		SupportContact: strings.TrimSpace(*f.support),
		MFARequired:    f.mfa,
		MFAKey:         f.mfaKey,
	})
	if err != nil {
		return err
	}
	srv, err := web.NewWithService(svc, metrics, web.Options{
		TrustedProxies:  f.proxies,
		SecureCookies:   strings.HasPrefix(public, "https://"),
		SeparateMetrics: *f.metrics != "",
	})
	if err != nil {
		svc.Close()
		return err
	}
	defer srv.Close() // after Shutdown: delivers the mail still queued
	ln, err := net.Listen("tcp", *f.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *f.addr, err)
	}
	handler, err := mountOIDC(ctx, st, *f.publicURL, srv, logger)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("serving", "addr", ln.Addr().String(), "public_url", public, "mail", mailDesc,
		"password_policy", policy.Name, "password_max_age", f.account.maxAge.String())
	if ready != nil {
		ready(ln.Addr().String())
	}
	go sweepSessions(ctx, st, srv, logger)
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	servers := []*http.Server{hs}
	if *f.metrics != "" {
		mln, err := net.Listen("tcp", *f.metrics)
		if err != nil {
			hs.Close()
			return fmt.Errorf("listen on %s (--metrics-addr): %w", *f.metrics, err)
		}
		ms := &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
		servers = append(servers, ms)
		logger.Info("serving metrics", "addr", mln.Addr().String())
		go func() { errc <- ms.Serve(mln) }()
	}
	select {
	case err := <-errc:
		for _, s := range servers {
			s.Close()
		}
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var errs error
	for _, s := range servers {
		errs = errors.Join(errs, s.Shutdown(sctx))
	}
	return errs
}

// sweepSessions removes expired sessions once a minute and ends the module
// sessions of grants that expired; every instance may run it, both are
// idempotent.
func sweepSessions(ctx context.Context, st jedenlogin.Store, srv *web.Server, logger *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if _, err := st.DeleteExpiredSessions(ctx, now, now.Add(-web.DefaultIdleTimeout)); err != nil && ctx.Err() == nil {
				logger.Warn("session sweep failed", "err", err)
			}
			// Modules acting for an entity whose grant expired (or was
			// revoked) get a back-channel logout.
			if _, err := srv.EndClientSessionsOfEndedGrants(ctx); err != nil && ctx.Err() == nil {
				logger.Warn("ended grants sweep failed", "err", err)
			}
			if _, err := st.DeleteExpiredOIDC(ctx, now); err != nil && ctx.Err() == nil {
				logger.Warn("oidc sweep failed", "err", err)
			}
			// A throttle counter outlives its window only while a block holds
			// it; the longest window of any kind (recovery, applications) is
			// an hour, so a day-old window is over for every kind.
			if _, err := st.DeleteExpiredThrottles(ctx, now, now.Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
				logger.Warn("throttle sweep failed", "err", err)
			}
			// Used and expired one-time tokens are kept a day for support questions.
			if _, err := st.DeleteExpiredTokens(ctx, now.Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
				logger.Warn("token sweep failed", "err", err)
			}
		}
	}
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	f := registerServeFlags(fs, "./jedenlogin-demo.db")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if strings.HasPrefix(*f.db, "postgres") {
		fmt.Fprintln(stderr, "demo: use a SQLite file; the demo always starts from an empty database")
		return errUsage
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(*f.db + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	st, err := openStore(ctx, *f.db, true)
	if err != nil {
		return err
	}
	defer st.Close()
	creds, err := demo.Build(ctx, st, &password.Hasher{Params: *f.params}, time.Now())
	if err != nil {
		return fmt.Errorf("build demo data: %w", err)
	}
	return serve(ctx, st, f, newLogger(stderr), func(addr string) {
		creds.Print(stdout)
		fmt.Fprintf(stdout, "\nDemo database: %s\nOpen http://%s/ in a browser (Ctrl+C stops).\n", *f.db, addr)
	})
}
