package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"jedenlogin"
	"jedenlogin/consolidation"
	"jedenlogin/internal/loadtest"
	"jedenlogin/mail"
	"jedenlogin/password"
)

// config is what the flags say.
type config struct {
	db          string // "" = SQLite in a temporary directory
	instances   int
	clients     int
	duration    time.Duration
	users       int
	persons     int
	logins      int // console: legacy logins in the database
	compare     bool
	oidc        bool // mount the OpenID Connect provider (the oidc-* scenarios)
	keep        bool
	reuse       string // console: an existing SQLite file (kept by -keep) instead of a fresh import
	serve       string // me: set up, write the servers' file, serve
	target      string // me: drive the servers of this file
	params      password.Params
	mailer      mail.Sender   // delivers the servers' mail; nil: none is sent
	load        float64       // soak: share of the capacity
	every       time.Duration // soak: interval of the table's lines
	ramp        time.Duration // soak: length of a capacity step
	rampClients int           // soak: the most clients of a capacity step
	rate        float64       // oidc-refresh, oidc-userinfo: offer this many calls per second (open loop); 0: closed loop
}

// drive runs fn as the scenario's clients: in a closed loop for the run's
// time, or, with -rate, offered at that rate (runAt).
func (cfg config) drive(ctx context.Context, fn op) result {
	if cfg.rate > 0 {
		return runAt(ctx, cfg.clients, cfg.rate, cfg.duration, fn)
	}
	return runFor(ctx, cfg.clients, cfg.duration, nil, fn)
}

// argon2 measures raw argon2id verifications with one goroutine per
// GOMAXPROCS, the ceiling for sign-ins.
func argon2(ctx context.Context, cfg config) (result, error) {
	measure, err := argon2Measure(cfg)
	if err != nil {
		return result{}, err
	}
	return measure(ctx, cfg.duration), nil
}

// measureFunc runs a prepared scenario for d and returns what it measured.
type measureFunc func(ctx context.Context, d time.Duration) result

func argon2Measure(cfg config) (measureFunc, error) {
	h := &password.Hasher{Params: cfg.params}
	hash, err := h.Hash(loadtest.Password)
	if err != nil {
		return nil, fmt.Errorf("argon2: %w", err)
	}
	n := runtime.GOMAXPROCS(0)
	return func(ctx context.Context, d time.Duration) result {
		res := runFor(ctx, n, d, nil, func(context.Context, int, int) error {
			ok, err := h.Verify(hash, loadtest.Password)
			if err == nil && !ok {
				err = errors.New("the password does not verify")
			}
			return err
		})
		res.Scenario, res.Backend, res.Unit = "argon2id verify (raw)", "–", "hashes/s"
		return res
	}, nil
}

// compareSlice is how long each turn of signin -compare lasts: the raw
// rate and the sign-in rate are measured in alternating turns, so that
// other work on the machine weighs on both alike.
const compareSlice = 5 * time.Second

// signin measures POST /api/v1/session for cfg.users consolidated users.
// With cfg.compare it also returns the raw argon2id rate, measured in
// turns alternating with the sign-ins over the same total time each.
func signin(ctx context.Context, cfg config) (raw, res result, err error) {
	e, err := prepare(ctx, cfg, func(hash string) ([]byte, error) { return loadtest.UsersCSV(cfg.users, hash) })
	if err != nil {
		return raw, res, err
	}
	defer e.close()
	measure := e.withDBCPU(func(ctx context.Context, d time.Duration) result {
		return runFor(ctx, cfg.clients, d, nil, func(ctx context.Context, client, i int) error {
			login := loadtest.UserLogin((client*7919 + i) % cfg.users)
			_, body, err := e.signIn(ctx, login, loadtest.Password)
			if err != nil {
				return err
			}
			var s struct {
				Login                 string `json:"login"`
				ConsolidationRequired bool   `json:"consolidation_required"`
			}
			if err := json.Unmarshal(body, &s); err != nil {
				return fmt.Errorf("sign-in answer: %w", err)
			}
			if s.Login != login || s.ConsolidationRequired {
				return fmt.Errorf("sign-in answer %s for %s", body, login)
			}
			return nil
		})
	})
	if !cfg.compare {
		res = measure(ctx, cfg.duration)
	} else {
		rawMeasure, err := argon2Measure(cfg)
		if err != nil {
			return raw, res, err
		}
		raw, res = compareTurns(ctx, cfg.duration, rawMeasure, measure)
	}
	res.Scenario, res.Backend, res.Instances, res.Unit = "POST /api/v1/session", e.backend, len(e.urls), "sign-ins/s"
	res.Target = "≥ 90 % of raw argon2id"
	return raw, res, nil
}

// me measures GET /api/v1/me with valid sessions of cfg.users consolidated
// users. With cfg.serve it only sets the servers up and serves (meServe);
// with cfg.target it drives the servers of another process (meTarget).
func me(ctx context.Context, cfg config) (result, error) {
	if cfg.target != "" {
		return meTarget(ctx, cfg)
	}
	e, cookies, err := meSetup(ctx, cfg)
	if err != nil {
		return result{}, err
	}
	defer e.close()
	if cfg.serve != "" {
		return result{}, meServe(ctx, cfg, e, cookies)
	}
	return meDrive(ctx, cfg, e, cookies, nil), nil
}

// meSetup starts the servers on a fresh database of cfg.users users and
// signs each in; it returns the Cookie headers of their sessions.
func meSetup(ctx context.Context, cfg config) (*env, []string, error) {
	e, err := prepare(ctx, cfg, func(hash string) ([]byte, error) { return loadtest.UsersCSV(cfg.users, hash) })
	if err != nil {
		return nil, nil, err
	}
	cookies := make([]string, cfg.users)
	setup := runN(ctx, runtime.GOMAXPROCS(0), cfg.users, func(ctx context.Context, _, i int) error {
		c, _, err := e.signIn(ctx, loadtest.UserLogin(i), loadtest.Password)
		cookies[i] = c
		return err
	})
	if setup.Errors > 0 {
		e.close()
		return nil, nil, fmt.Errorf("me: signing in the users: %d failed, first: %v", setup.Errors, setup.FirstErrors)
	}
	return e, cookies, nil
}

// meServers is what loadgen -serve writes for loadgen -target.
type meServers struct {
	PID     int      `json:"pid"`
	Backend string   `json:"backend"`
	URLs    []string `json:"urls"`
	Cookies []string `json:"cookies"`
}

// meServe writes what -target needs to cfg.serve and serves until ctx
// ends (Ctrl-C).
func meServe(ctx context.Context, cfg config, e *env, cookies []string) error {
	b, err := json.Marshal(meServers{PID: os.Getpid(), Backend: e.backend, URLs: e.urls, Cookies: cookies})
	if err != nil {
		return err
	}
	if err := os.WriteFile(cfg.serve, b, 0o600); err != nil {
		return fmt.Errorf("me: %w", err)
	}
	fmt.Fprintf(os.Stderr, "loadgen: serving %s for %d signed-in users; run loadgen -target %s me, stop with Ctrl-C\n",
		strings.Join(e.urls, " "), len(cookies), cfg.serve)
	<-ctx.Done()
	return nil
}

// meTarget drives the servers a loadgen -serve process started, as written
// in cfg.target, and measures that process's CPU time too.
func meTarget(ctx context.Context, cfg config) (result, error) {
	b, err := os.ReadFile(cfg.target)
	if err != nil {
		return result{}, fmt.Errorf("me: %w", err)
	}
	var srv meServers
	if err := json.Unmarshal(b, &srv); err != nil || len(srv.URLs) == 0 || len(srv.Cookies) == 0 {
		return result{}, fmt.Errorf("me: %s is not what loadgen -serve writes (%v)", cfg.target, err)
	}
	if _, err := pidCPU(srv.PID); err != nil {
		return result{}, fmt.Errorf("me: the serving loadgen: %w", err)
	}
	cfg.users = len(srv.Cookies)
	api := loadtest.NewClient(srv.URLs, cfg.clients)
	e := &env{backend: srv.Backend, urls: srv.URLs, client: api.HTTP, api: api}
	defer e.client.CloseIdleConnections()
	return meDrive(ctx, cfg, e, srv.Cookies, func() (time.Duration, error) { return pidCPU(srv.PID) }), nil
}

// meDrive runs GET /api/v1/me with the sessions for cfg.duration.
func meDrive(ctx context.Context, cfg config, e *env, cookies []string, serverCPU func() (time.Duration, error)) result {
	res := runFor(ctx, cfg.clients, cfg.duration, serverCPU, func(ctx context.Context, client, i int) error {
		n := (client + i*cfg.clients) % cfg.users
		body, _, err := e.do(ctx, http.MethodGet, "/api/v1/me", cookies[n], nil)
		if err != nil {
			return err
		}
		var m struct {
			Login    string            `json:"login"`
			Entities []json.RawMessage `json:"entities"`
		}
		if err := json.Unmarshal(body, &m); err != nil {
			return fmt.Errorf("me answer: %w", err)
		}
		if m.Login != loadtest.UserLogin(n) || len(m.Entities) != 1 {
			return fmt.Errorf("me answer %s for %s", body, loadtest.UserLogin(n))
		}
		return nil
	})
	res.Scenario, res.Backend, res.Instances, res.Unit = "GET /api/v1/me", e.backend, len(e.urls), "req/s"
	res.Target = "≥ 10,000 req/s, p99 < 10 ms"
	return res
}

// confirmReport is what confirm found after the run.
type confirmReport struct {
	Persons, Done, Violations int
	Messages                  []string
	MergedChecked             int
}

// confirm has cfg.persons persons sign in and confirm their one login
// concurrently, then checks the database with the consolidation verifier.
func confirm(ctx context.Context, cfg config) (result, confirmReport, error) {
	var rep confirmReport
	e, err := prepare(ctx, cfg, func(hash string) ([]byte, error) { return loadtest.PersonsCSV(0, cfg.persons, hash) })
	if err != nil {
		return result{}, rep, err
	}
	defer e.close()
	res := runN(ctx, cfg.clients, cfg.persons, func(ctx context.Context, _, i int) error {
		_, err := loadtest.ConfirmPerson(ctx, e.api, i)
		return err
	})
	res.Scenario, res.Backend, res.Instances, res.Unit = "sign-in + POST /api/v1/consolidation/confirm", e.backend, len(e.urls), "persons/s"
	res.Target = "all succeed, 0 violations"

	// A merged login now names the login that replaced it.
	for i := 0; i < min(cfg.persons, 20); i += 2 {
		a, b := loadtest.ChooseLogins(i)
		_, body, err := e.signIn(ctx, a, loadtest.Password)
		var ae *loadtest.APIError
		if !errors.As(err, &ae) || ae.Code != "login_merged" || !json.Valid(body) {
			return res, rep, fmt.Errorf("confirm: sign-in with merged %s: %v, want 409 login_merged naming %s", a, err, b)
		}
		var m struct {
			Unified string `json:"unified_login"`
		}
		json.Unmarshal(body, &m)
		if m.Unified != b {
			return res, rep, fmt.Errorf("confirm: merged %s names %q, want %s", a, m.Unified, b)
		}
		rep.MergedChecked++
	}

	v := consolidation.NewVerifier()
	err = e.store().ForEachPerson(ctx, func(rec *jedenlogin.PersonRecord) error {
		rep.Persons++
		if rec.Person.State == jedenlogin.StateDone {
			rep.Done++
		}
		v.Add(rec)
		return nil
	})
	if err != nil {
		return res, rep, fmt.Errorf("confirm: reading persons: %w", err)
	}
	for _, viol := range v.Finish() {
		rep.Violations++
		if len(rep.Messages) < keepErrors {
			rep.Messages = append(rep.Messages, fmt.Sprintf("person %d: %s", viol.PersonID, viol.Message))
		}
	}
	return res, rep, nil
}

// prepare starts the environment and imports the scenario's legacy file,
// every login with one shared argon2id hash of loadtest.Password.
func prepare(ctx context.Context, cfg config, data func(hash string) ([]byte, error)) (*env, error) {
	h := &password.Hasher{Params: cfg.params}
	hash, err := h.Hash(loadtest.Password)
	if err != nil {
		return nil, fmt.Errorf("hash: %w", err)
	}
	csv, err := data(hash)
	if err != nil {
		return nil, err
	}
	e, err := newEnv(ctx, cfg.db, cfg.instances, cfg.clients, h, cfg.keep, cfg.oidc, cfg.mailer)
	if err != nil {
		return nil, err
	}
	if err := e.importCSV(ctx, csv); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}
