package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"jedenlogin"
	"jedenlogin/legacy"
	"jedenlogin/password"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// start is the fake clock's first reading: a weekday morning in Warsaw.
var start = time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)

// Passwords of the fixture logins.
const (
	pwAdam1  = "Adam1-haslo-pierwsze"
	pwAdam2  = "Adam2-haslo-drugie"
	pwAdam3  = "Adam3-haslo-trzecie"
	pwBeataU = "Beata-wielkie-litery"
	pwBeataL = "beata-male-litery"
	pwCelina = "Celina-haslo"
	pwCelin2 = "Celina-drugie-haslo"
	pwDarek  = "Darek-operator-haslo"
	pwEwa    = "Ewa-nieaktywna"
	pwFilip  = "Filip-bcrypt-haslo"
)

// fixtureRows is the legacy file of the tests: one person per situation.
//
//   - Adam Nowak (grouped by e-mail): ADAM1, ADAM2, ADAM3, all uppercase
//     (choose), and the inactive ADAM1x. ADAM3's grant has expired.
//   - Beata Kowalska: BEATA1 and beata.k (choose_uppercase).
//   - Celina Wiśniewska: celina.w and CelinaW2 (generate; CELWIS1 reserved).
//   - Dariusz: DAREK alone (unchanged, done at import), made an operator.
//   - Ewa: ewa.old, inactive, alone.
//   - Filip: FILIP, unchanged, with a bcrypt hash from the old system.
//   - NOHASH: unchanged, without a password hash.
var fixtureRows = [][]string{
	// login, password, status, first, second, last, pesel, email, phone, entity_id, entity_name, parent, function, scopes, valid_to, accepted_at
	{"ADAM1", pwAdam1, "active", "Adam", "Jan", "Nowak", "", "adam@example.pl", "600100200", "SP1", "Szkoła Podstawowa nr 1", "GM1", "kierownik", "sio|wnioski", "2027-08-31", "2024-09-01T10:00:00Z"},
	{"ADAM2", pwAdam2, "active", "Adam", "", "Nowak", "", "adam@example.pl", "600100201", "SP2", "Szkoła Podstawowa nr 2", "GM1", "pracownik", "sio", "2027-08-31", "2025-01-15T10:00:00Z"},
	{"ADAM3", pwAdam3, "active", "Adam", "", "Nowak", "", "adam@example.pl", "", "SP9", "Szkoła Podstawowa nr 9", "GM1", "pracownik", "sio", "2025-12-31", "2023-01-15T10:00:00Z"},
	{"ADAM1x", pwAdam1, "inactive", "Adam", "", "Nowak", "", "adam@example.pl", "", "SP8", "Szkoła Podstawowa nr 8", "GM1", "pracownik", "sio", "", ""},
	{"BEATA1", pwBeataU, "active", "Beata", "", "Kowalska", "", "beata@example.pl", "", "LO1", "I Liceum Ogólnokształcące", "PW1", "pracownik", "sio", "", "2023-05-01T10:00:00Z"},
	{"beata.k", pwBeataL, "active", "Beata", "", "Kowalska", "", "beata@example.pl", "", "LO2", "II Liceum Ogólnokształcące", "PW1", "po_kierownika", "sio", "2026-04-30", "2024-05-01T10:00:00Z"},
	{"celina.w", pwCelina, "active", "Celina", "", "Wiśniewska", "", "celina@example.pl", "", "PP1", "Przedszkole Publiczne nr 1", "GM1", "pracownik", "sio", "2027-01-01", "2024-02-01T10:00:00Z"},
	{"CelinaW2", pwCelin2, "active", "Celina", "", "Wiśniewska", "", "celina@example.pl", "", "PP2", "Przedszkole Publiczne nr 2", "GM1", "pracownik", "sio", "2027-01-01", "2024-03-01T10:00:00Z"},
	{"DAREK", pwDarek, "active", "Dariusz", "", "Operatorski", "", "darek@example.pl", "", "MEN", "Ministerstwo Edukacji Narodowej", "", "pracownik", "sio", "", "2024-01-01T10:00:00Z"},
	{"ewa.old", pwEwa, "inactive", "Ewa", "", "Dawna", "", "ewa@example.pl", "", "SP1", "Szkoła Podstawowa nr 1", "GM1", "pracownik", "sio", "", ""},
	{"FILIP", "bcrypt:" + pwFilip, "active", "Filip", "", "Stary", "", "filip@example.pl", "", "SP2", "Szkoła Podstawowa nr 2", "GM1", "pracownik", "sio", "", ""},
	{"NOHASH", "", "active", "Norbert", "", "Bezhasla", "", "", "", "SP2", "Szkoła Podstawowa nr 2", "GM1", "pracownik", "sio", "", ""},
}

var hasher = &password.Hasher{Params: password.CheapParams}

// env is a server on a fresh database filled with the fixture.
type env struct {
	t     *testing.T
	st    jedenlogin.Store
	clock *clock
	srv   *web.Server
	h     http.Handler
	logs  *bytes.Buffer
}

// newEnv opens a fresh store of backend b, imports the fixture and builds a
// server with cfg (Store, Hasher, Logger and Now filled in).
func newEnv(t *testing.T, b storetest.Backend, cfg web.Config) *env {
	t.Helper()
	st := storetest.Open(t, b.NewDSN(t))
	clk := &clock{t: start}
	importFixture(t, st, clk)
	logs := &bytes.Buffer{}
	cfg.Store = st
	cfg.Hasher = hasher
	cfg.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if cfg.Now == nil {
		cfg.Now = clk.Now
	}
	srv, err := web.New(cfg)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	return &env{t: t, st: st, clock: clk, srv: srv, h: srv.Handler(), logs: logs}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// importFixture writes fixtureRows as a legacy CSV and imports it with the
// real importer; DAREK's person becomes an operator.
func importFixture(t testing.TB, st jedenlogin.Store, clk *clock) {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"login", "password_hash", "status", "first_name", "second_name", "last_name", "pesel", "email", "phone",
		"entity_id", "entity_name", "entity_parent_id", "function", "scopes", "valid_to", "accepted_at"})
	for _, r := range fixtureRows {
		row := append([]string(nil), r...)
		switch pw := row[1]; {
		case pw == "":
		case strings.HasPrefix(pw, "bcrypt:"):
			h, err := bcrypt.GenerateFromPassword([]byte(strings.TrimPrefix(pw, "bcrypt:")), bcrypt.MinCost)
			if err != nil {
				t.Fatal(err)
			}
			row[1] = string(h)
		default:
			h, err := hasher.Hash(pw)
			if err != nil {
				t.Fatal(err)
			}
			row[1] = h
		}
		w.Write(row)
	}
	w.Flush()
	im := &legacy.Importer{Store: st, Now: clk.Now}
	if _, err := im.Import(context.Background(), &buf, int64(buf.Len())); err != nil {
		t.Fatalf("import fixture: %v", err)
	}
	darek := mustLogin(t, st, "DAREK")
	err := st.UpdatePerson(context.Background(), darek.PersonID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		rec.Person.Operator = true
		return nil, nil
	})
	if err != nil {
		t.Fatalf("make DAREK an operator: %v", err)
	}
}

func mustLogin(t testing.TB, st jedenlogin.Store, name string) *jedenlogin.Login {
	t.Helper()
	l, err := st.LoginByName(context.Background(), name)
	if err != nil {
		t.Fatalf("login %s: %v", name, err)
	}
	return l
}

func mustPerson(t testing.TB, st jedenlogin.Store, login string) *jedenlogin.PersonRecord {
	t.Helper()
	rec, err := st.Person(context.Background(), mustLogin(t, st, login).PersonID)
	if err != nil {
		t.Fatalf("person of %s: %v", login, err)
	}
	return rec
}

// req describes one request.
type req struct {
	method, path string
	json         any // marshalled as the JSON body
	form         url.Values
	raw          string // raw body (with contentType)
	contentType  string
	cookies      []*http.Cookie
	addr         string // RemoteAddr; default 192.0.2.10:40000
	header       map[string]string
}

// do serves one request and returns the recorded answer.
func (e *env) do(r req) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	switch {
	case r.json != nil:
		b, err := json.Marshal(r.json)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(b)
		if r.contentType == "" {
			r.contentType = "application/json"
		}
	case r.form != nil:
		body = strings.NewReader(r.form.Encode())
		r.contentType = "application/x-www-form-urlencoded"
	case r.raw != "":
		body = strings.NewReader(r.raw)
	}
	hr := httptest.NewRequest(r.method, "http://konto.example.pl"+r.path, body)
	if r.contentType != "" {
		hr.Header.Set("Content-Type", r.contentType)
	}
	for _, c := range r.cookies {
		hr.AddCookie(c)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	hr.RemoteAddr = "192.0.2.10:40000"
	if r.addr != "" {
		hr.RemoteAddr = r.addr
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, hr)
	return rec
}

// signIn signs in over the API and returns the answer and the session cookie.
func (e *env) signIn(login, pw string) (*httptest.ResponseRecorder, *http.Cookie) {
	e.t.Helper()
	rec := e.do(req{method: "POST", path: "/api/v1/session", json: map[string]string{"login": login, "password": pw}})
	return rec, sessionCookie(rec)
}

// mustSignIn signs in and fails the test unless it answered 200.
func (e *env) mustSignIn(login, pw string) *http.Cookie {
	e.t.Helper()
	rec, c := e.signIn(login, pw)
	if rec.Code != http.StatusOK || c == nil {
		e.t.Fatalf("sign in %s: %d %s", login, rec.Code, rec.Body)
	}
	return c
}

// sessionCookie returns the session cookie a response set, nil when none
// (or when it was cleared).
func sessionCookie(rec *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if (c.Name == "jedenlogin" || c.Name == "__Host-jedenlogin") && c.Value != "" && c.MaxAge >= 0 {
			return c
		}
	}
	return nil
}

// decode parses a JSON answer.
func decode(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("answer is not JSON (%d): %v\n%s", rec.Code, err, rec.Body)
	}
	return m
}

// wantError checks an error answer's status and code.
func wantError(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) map[string]any {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	m := decode(t, rec)
	if m["error"] != code {
		t.Fatalf("error = %v, want %s; body %s", m["error"], code, rec.Body)
	}
	if msg, _ := m["message"].(string); msg == "" {
		t.Fatalf("error %s without a message", code)
	}
	return m
}

// audit returns the audit events with the action, newest first.
func (e *env) audit(action string) []jedenlogin.AuditEvent {
	e.t.Helper()
	evs, err := e.st.Audit(context.Background(), jedenlogin.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf extracts the first CSRF token of a page.
func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf token in page:\n%s", body)
	}
	return m[1]
}

func mustPrefixes(t *testing.T, ss ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, s := range ss {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

type httpRecorder = httptest.ResponseRecorder

func fmtAny(v any) string { return fmt.Sprint(v) }
