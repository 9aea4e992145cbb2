package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"jedenlogin/internal/loadtest"
	"jedenlogin/legacy"
	"jedenlogin/mail"
	"jedenlogin/oidc"
	"jedenlogin/password"
	"jedenlogin/service"
	"jedenlogin/store/sqlstore"
	"jedenlogin/web"
)

// env is a fresh database with one or more servers on it.
type env struct {
	backend string
	dsn     string
	stores  []*sqlstore.Store
	servers []*http.Server
	webs    []*web.Server // closed after servers shut down: background work and mail
	urls    []string
	hasher  *password.Hasher
	closers []func() error
	client  *http.Client
	api     *loadtest.Client // client's requests to urls, round robin
	issuer  string           // the first instance's URL: the OpenID Connect issuer
}

// newEnv creates a fresh database (a SQLite file in a temporary directory,
// or a new PostgreSQL database beside the one pgDSN names) with the schema,
// opens instances stores on it and starts one server per store on
// 127.0.0.1. Call close when done.
//
// The servers take 127.0.0.1 for a trusted proxy, so a scenario can send
// its requests as from many client addresses (loadtest.From) and stay
// under the per-address limits of recovery and public applications, as
// users behind a load balancer do. mailer, when not nil, delivers the
// servers' mail from the outbox.
func newEnv(ctx context.Context, pgDSN string, instances, clients int, h *password.Hasher, keep, withOIDC bool, mailer mail.Sender) (e *env, err error) {
	return newEnvOn(ctx, pgDSN, "", instances, clients, h, keep, withOIDC, mailer)
}

// newEnvOn is newEnv, or, with reuse set, the same servers on the existing
// SQLite file reuse (migrated to this tree's schema, never deleted).
func newEnvOn(ctx context.Context, pgDSN, reuse string, instances, clients int, h *password.Hasher, keep, withOIDC bool, mailer mail.Sender) (e *env, err error) {
	e = &env{hasher: h}
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	switch {
	case reuse != "":
		e.backend = "SQLite"
		if _, err := os.Stat(reuse); err != nil {
			return nil, fmt.Errorf("-reuse: %w", err)
		}
		e.dsn = reuse
		fmt.Fprintf(os.Stderr, "loadgen: reusing the database %s\n", e.dsn)
	case pgDSN != "":
		e.backend = "PostgreSQL"
		dsn, drop, err := freshPostgres(ctx, pgDSN, keep)
		if err != nil {
			return nil, err
		}
		e.dsn = dsn
		e.closers = append(e.closers, drop)
	default:
		e.backend = "SQLite"
		dir, err := os.MkdirTemp("", "jedenlogin-loadgen-")
		if err != nil {
			return nil, fmt.Errorf("temp dir: %w", err)
		}
		e.dsn = filepath.Join(dir, "loadgen.db")
		if keep {
			fmt.Fprintf(os.Stderr, "loadgen: keeping the database %s\n", e.dsn)
		} else {
			e.closers = append(e.closers, func() error { return os.RemoveAll(dir) })
		}
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	service.TuneGC() // as jedenlogin serve does
	for i := range instances {
		st, err := sqlstore.Open(ctx, e.dsn, sqlstore.Options{Migrate: i == 0})
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		e.stores = append(e.stores, st)
		e.closers = append(e.closers, st.Close)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("listen: %w", err)
		}
		if i == 0 {
			e.issuer = "http://" + ln.Addr().String() // every instance serves this one issuer
		}
		// Wired as serve wires it: the service with the server's metrics
		// as its sink, then the server over it.
		metrics := web.NewMetrics()
		svc, err := service.New(service.Config{Store: st, Hasher: h, Logger: logger, PublicURL: e.issuer,
			// The load comes from one address; the per-address limit must
			// not turn the benchmark into a test of the limiter.
			AddressFailureLimit: 1 << 30,
			Mailer:              mailer, Metrics: metrics, HelpURL: web.DefaultHelpURL})
		if err != nil {
			return nil, fmt.Errorf("service: %w", err)
		}
		srv, err := web.NewWithService(svc, metrics, web.Options{
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
		if err != nil {
			svc.Close()
			return nil, fmt.Errorf("web server: %w", err)
		}
		e.webs = append(e.webs, srv)
		handler := srv.Handler()
		if withOIDC {
			p, err := oidc.New(ctx, oidc.Config{Issuer: e.issuer, Store: st, Logger: logger, EndSession: srv.EndSession, AllowInsecure: true})
			if err != nil {
				return nil, fmt.Errorf("oidc provider: %w", err)
			}
			handler = p.Handler(handler)
		}
		hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
		go hs.Serve(ln)
		e.servers = append(e.servers, hs)
		e.urls = append(e.urls, "http://"+ln.Addr().String())
	}
	e.api = loadtest.NewClient(e.urls, clients)
	e.client = e.api.HTTP
	return e, nil
}

// store returns the first instance's store (any instance sees the same data).
func (e *env) store() *sqlstore.Store { return e.stores[0] }

// url returns the next server's base URL, round robin.
func (e *env) url() string {
	return e.api.URL()
}

func (e *env) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range e.servers {
		s.Shutdown(ctx)
	}
	for _, w := range e.webs {
		w.Close()
	}
	if e.client != nil {
		e.client.CloseIdleConnections()
	}
	for i := len(e.closers) - 1; i >= 0; i-- {
		if err := e.closers[i](); err != nil {
			fmt.Fprintf(os.Stderr, "loadgen: cleanup: %v\n", err)
		}
	}
}

// freshPostgres creates a new database on the server dsn names and returns
// its DSN and a func that drops it (or only says where it is, with keep).
func freshPostgres(ctx context.Context, dsn string, keep bool) (string, func() error, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("-db: %w", err)
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, fmt.Errorf("postgres: %w", err)
	}
	defer admin.Close()
	name := fmt.Sprintf("jedenlogin_loadgen_%d_%d", time.Now().Unix(), os.Getpid())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("postgres: create database %s: %w", name, err)
	}
	u.Path = "/" + name
	fresh := u.String()
	drop := func() error {
		if keep {
			fmt.Fprintf(os.Stderr, "loadgen: keeping the database %s\n", name)
			return nil
		}
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return err
	}
	return fresh, drop, nil
}

// importCSV loads a legacy file through the real importer.
func (e *env) importCSV(ctx context.Context, data []byte) error {
	imp := &legacy.Importer{Store: e.store(), Now: time.Now}
	if _, err := imp.Import(ctx, bytes.NewReader(data), int64(len(data))); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

// do sends one JSON request to the next server (loadtest.Client.Do).
func (e *env) do(ctx context.Context, method, path, cookie string, body []byte) ([]byte, *http.Response, error) {
	return e.api.Do(ctx, method, path, cookie, body)
}

// signIn signs in and returns the Cookie header of the new session and the
// body of the answer.
func (e *env) signIn(ctx context.Context, login, pw string) (string, []byte, error) {
	return e.api.SignIn(ctx, login, pw)
}
