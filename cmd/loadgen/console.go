package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"jedenlogin"
	"jedenlogin/legacy"
	"jedenlogin/legacy/legacygen"
	"jedenlogin/password"
)

// consoleSample is how many logins the search queries are drawn from.
const consoleSample = 2000

// console measures the operator console on a database of cfg.logins
// realistic legacy logins (legacygen, as bench/import.sh): GET /konsola,
// the progress page (persons per case and state, consolidations per day),
// with one client, and the person search GET /api/v1/admin/persons?q=…
// with cfg.clients, for queries drawn from the data: logins in lower case
// (found ignoring case), PESELs, e-mail addresses and "first last" names.
func console(ctx context.Context, cfg config) ([]result, error) {
	e, err := newEnvOn(ctx, cfg.db, cfg.reuse, cfg.instances, cfg.clients, &password.Hasher{Params: cfg.params}, cfg.keep, false, nil)
	if err != nil {
		return nil, err
	}
	defer e.close()
	st := e.store()
	db := st.DB()
	logins := cfg.logins
	if cfg.reuse == "" {
		if err := consoleImport(ctx, e, cfg.logins); err != nil {
			return nil, err
		}
	} else if err := db.QueryRowContext(ctx, "SELECT count(*) FROM logins").Scan(&logins); err != nil {
		return nil, fmt.Errorf("console: count logins: %w", err)
	}
	// The operator: a person done at import (one uppercase login).
	var name string
	var pid int64
	if err := db.QueryRowContext(ctx, `SELECT l.name, p.id FROM persons p JOIN logins l ON l.id = p.unified_login_id
		WHERE p.state = 'done' AND l.state = 'active' ORDER BY p.id LIMIT 1`).Scan(&name, &pid); err != nil {
		return nil, fmt.Errorf("console: find a person to be the operator: %w", err)
	}
	if err := st.UpdatePerson(ctx, pid, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		rec.Person.Operator = true
		return nil, nil
	}); err != nil {
		return nil, fmt.Errorf("console: make %s an operator: %w", name, err)
	}
	cookie, body, err := e.signIn(ctx, name, legacygen.Password)
	if err != nil {
		return nil, fmt.Errorf("console: sign in as %s: %w (%s)", name, err, body)
	}
	queries, err := consoleQueries(ctx, e, logins)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "loadgen: console: progress page for %v…\n", cfg.duration)
	progress := runFor(ctx, 1, cfg.duration, nil, func(ctx context.Context, _, _ int) error {
		b, _, err := e.do(ctx, http.MethodGet, "/konsola", cookie, nil)
		if err == nil && !strings.Contains(string(b), "<svg") {
			err = fmt.Errorf("progress page without its chart: %.200s", b)
		}
		return err
	})
	progress.Scenario, progress.Backend, progress.Instances, progress.Unit = fmt.Sprintf("GET /konsola (%d logins)", logins), e.backend, len(e.urls), "pages/s"
	progress.Target = "≤ 200 ms on 1M logins"
	search := func(qs []consoleQuery, d time.Duration) result {
		return runFor(ctx, cfg.clients, d, nil, func(ctx context.Context, client, i int) error {
			q := qs[(client+i*cfg.clients)%len(qs)]
			b, _, err := e.do(ctx, http.MethodGet, "/api/v1/admin/persons?q="+url.QueryEscape(q.q), cookie, nil)
			if err != nil {
				return err
			}
			var m struct {
				Persons []json.RawMessage `json:"persons"`
			}
			if err := json.Unmarshal(b, &m); err != nil {
				return fmt.Errorf("search answer: %w", err)
			}
			if q.hits && len(m.Persons) == 0 {
				return fmt.Errorf("search %q (%s) found nobody", q.q, q.kind)
			}
			if !q.hits && q.kind == kindNoMatch && len(m.Persons) != 0 {
				return fmt.Errorf("search %q (%s) found %d persons", q.q, q.kind, len(m.Persons))
			}
			return nil
		})
	}
	// The headline: the mix of the first measurements (login, PESEL,
	// e-mail, "first last"), so that figures stay comparable.
	var mix []consoleQuery
	kinds := map[string][]consoleQuery{}
	for _, q := range queries {
		if q.mix {
			mix = append(mix, q)
		}
		kinds[q.kind] = append(kinds[q.kind], q)
	}
	fmt.Fprintf(os.Stderr, "loadgen: console: search for %v…\n", cfg.duration)
	mixed := search(mix, cfg.duration)
	mixed.Scenario, mixed.Backend, mixed.Instances, mixed.Unit = fmt.Sprintf("GET /api/v1/admin/persons?q= (%d logins)", logins), e.backend, len(e.urls), "searches/s"
	mixed.Target = "p99 ≤ 50 ms on 1M logins (SQLite)"
	out := []result{progress, mixed}
	// Then each kind of query alone, for a quarter of -t each: which
	// shapes are slow (CPU per search and latency per kind).
	per := max(time.Second, cfg.duration/4)
	for _, k := range consoleKinds {
		if len(kinds[k]) == 0 {
			continue
		}
		fmt.Fprintf(os.Stderr, "loadgen: console: search by %s for %v…\n", k, per)
		r := search(kinds[k], per)
		r.Scenario, r.Backend, r.Instances, r.Unit = "… search by "+k, e.backend, len(e.urls), "searches/s"
		out = append(out, r)
	}
	return out, nil
}

// consoleImport generates n legacy rows into a temporary file and imports
// it, printing how long each took.
func consoleImport(ctx context.Context, e *env, n int) error {
	dir, err := os.MkdirTemp("", "jedenlogin-console-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "legacy.csv")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	began := time.Now()
	if _, err := legacygen.Generate(f, legacygen.Options{Rows: n, Seed: 1}); err != nil {
		f.Close()
		return fmt.Errorf("console: generate: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "loadgen: console: generated %d legacy rows in %v; importing…\n", n, time.Since(began).Round(time.Millisecond))
	f, err = os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	began = time.Now()
	imp := &legacy.Importer{Store: e.store(), Now: time.Now}
	if _, err := imp.Import(ctx, f, fi.Size()); err != nil {
		return fmt.Errorf("console: import: %w", err)
	}
	fmt.Fprintf(os.Stderr, "loadgen: console: imported in %v\n", time.Since(began).Round(time.Millisecond))
	return nil
}

// The kinds of search query: the first four make the headline mix.
const (
	kindLogin     = "login (lower case)"
	kindPESEL     = "PESEL"
	kindEmail     = "e-mail"
	kindFirstLast = `"first last"`
	kindLastFirst = `"last first"`
	kindLast      = "last name alone"
	kindPrefix    = "login prefix"
	kindNoMatch   = "no match"
)

var consoleKinds = []string{kindLogin, kindPESEL, kindEmail, kindFirstLast, kindLastFirst, kindLast, kindPrefix, kindNoMatch}

// consoleQuery is one search: its kind, the text, whether it must find
// somebody, whether it belongs to the headline mix.
type consoleQuery struct {
	kind, q   string
	hits, mix bool
}

// consoleQueries draws search queries from about consoleSample logins
// spread over the table: the login in lower case, its PESEL, its e-mail
// and "first last" (the headline mix); "last first", the last name alone
// (a common name: thousands of logins), the login's first four letters
// (a prefix, which exact search does not find) and a text nobody has.
func consoleQueries(ctx context.Context, e *env, logins int) ([]consoleQuery, error) {
	step := max(1, logins/consoleSample)
	rows, err := e.store().DB().QueryContext(ctx, fmt.Sprintf(
		"SELECT name, pesel, email, first_name, last_name FROM logins WHERE id %% %d = 0 ORDER BY id LIMIT %d", step, consoleSample))
	if err != nil {
		return nil, fmt.Errorf("console: sample logins: %w", err)
	}
	defer rows.Close()
	var qs []consoleQuery
	n := 0
	for rows.Next() {
		var name, pesel, email, first, last string
		if err := rows.Scan(&name, &pesel, &email, &first, &last); err != nil {
			return nil, fmt.Errorf("console: sample logins: %w", err)
		}
		n++
		qs = append(qs, consoleQuery{kind: kindLogin, q: strings.ToLower(name), hits: true, mix: true})
		first, last = strings.TrimSpace(first), strings.TrimSpace(last)
		for _, q := range []consoleQuery{{kind: kindPESEL, q: pesel}, {kind: kindEmail, q: email}, {kind: kindFirstLast, q: strings.TrimSpace(first + " " + last)}} {
			if strings.TrimSpace(q.q) != "" {
				q.hits, q.mix = true, true
				qs = append(qs, q)
			}
		}
		if first != "" && last != "" {
			qs = append(qs, consoleQuery{kind: kindLastFirst, q: last + " " + first, hits: true})
		}
		if last != "" && !strings.ContainsAny(last, " ") {
			qs = append(qs, consoleQuery{kind: kindLast, q: last, hits: true})
		}
		if r := []rune(strings.ToLower(name)); len(r) > 4 {
			qs = append(qs, consoleQuery{kind: kindPrefix, q: string(r[:4])})
		}
		qs = append(qs, consoleQuery{kind: kindNoMatch, q: fmt.Sprintf("xq%07dzz", n)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("console: sample logins: %w", err)
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("console: no logins to search for")
	}
	return qs, nil
}
