package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"jedenlogin/legacy"
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
	urls    []string
	next    atomic.Uint64
	hasher  *password.Hasher
	closers []func() error
	client  *http.Client
	issuer  string // the first instance's URL: the OpenID Connect issuer
}

// newEnv creates a fresh database (a SQLite file in a temporary directory,
// or a new PostgreSQL database beside the one pgDSN names) with the schema,
// opens instances stores on it and starts one server per store on
// 127.0.0.1. Call close when done.
func newEnv(ctx context.Context, pgDSN string, instances, clients int, h *password.Hasher, keep, withOIDC bool) (e *env, err error) {
	e = &env{hasher: h}
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	if pgDSN != "" {
		e.backend = "PostgreSQL"
		dsn, drop, err := freshPostgres(ctx, pgDSN, keep)
		if err != nil {
			return nil, err
		}
		e.dsn = dsn
		e.closers = append(e.closers, drop)
	} else {
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
		srv, err := web.New(web.Config{Store: st, Hasher: h, Logger: logger, PublicURL: e.issuer,
			// The load comes from one address; the per-address limit must
			// not turn the benchmark into a test of the limiter.
			AddressFailureLimit: 1 << 30})
		if err != nil {
			return nil, fmt.Errorf("web server: %w", err)
		}
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
	e.client = newClient(clients, instances)
	return e, nil
}

// newClient returns the HTTP client of clients concurrent clients of
// instances servers.
func newClient(clients, instances int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConns:        2 * clients * instances,
			MaxIdleConnsPerHost: 2 * clients,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
		Timeout: time.Minute,
		// The API never redirects; a redirect is a wrong answer.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// store returns the first instance's store (any instance sees the same data).
func (e *env) store() *sqlstore.Store { return e.stores[0] }

// url returns the next server's base URL, round robin.
func (e *env) url() string {
	return e.urls[int(e.next.Add(1)-1)%len(e.urls)]
}

func (e *env) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range e.servers {
		s.Shutdown(ctx)
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

// apiError is a non-2xx answer of the API.
type apiError struct {
	Status int
	Code   string
	Body   string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, strings.TrimSpace(e.Body))
}

// do sends one JSON request to the next server; cookie, when not "", is
// sent as the Cookie header. It returns the response body for a 2xx
// answer, and the response (body closed) for its cookies.
func (e *env) do(ctx context.Context, method, path, cookie string, body []byte) ([]byte, *http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.url()+path, rd)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, resp, err
	}
	if resp.StatusCode/100 != 2 {
		ae := &apiError{Status: resp.StatusCode, Body: string(b)}
		if i := bytes.Index(b, []byte(`"error":"`)); i >= 0 {
			rest := b[i+len(`"error":"`):]
			if j := bytes.IndexByte(rest, '"'); j >= 0 {
				ae.Code = string(rest[:j])
			}
		}
		return b, resp, ae
	}
	return b, resp, nil
}

// cookieHeader turns a response's Set-Cookie headers into a Cookie header
// value (cookies being deleted are left out).
func cookieHeader(resp *http.Response) string {
	var parts []string
	for _, c := range resp.Cookies() {
		if c.Value != "" && c.MaxAge >= 0 {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	return strings.Join(parts, "; ")
}

var errNoCookie = errors.New("sign-in answered without a session cookie")

// signIn signs in and returns the Cookie header of the new session and the
// body of the answer.
func (e *env) signIn(ctx context.Context, login, pw string) (string, []byte, error) {
	body, _ := json.Marshal(map[string]string{"login": login, "password": pw})
	b, resp, err := e.do(ctx, http.MethodPost, "/api/v1/session", "", body)
	if err != nil {
		return "", b, err
	}
	c := cookieHeader(resp)
	if c == "" {
		return "", b, errNoCookie
	}
	return c, b, nil
}
