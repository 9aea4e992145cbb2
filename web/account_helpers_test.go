package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"jedenlogin"
	"jedenlogin/legacy"
	"jedenlogin/mail"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// The self-service fixture adds persons with a PESEL to the shared one
// (whose persons have none, so login recovery cannot find them):
//
//   - Łukasz Wiśniewski: LWISNIEWSKI alone (unchanged, done at import).
//   - Zofia Kowal: ZKOWAL and zofia.k (choose_uppercase, still pending).
const (
	pwLukasz    = "Stare-Haslo-Lukasza"
	pwZofiaU    = "Zofia-Wielkie-Haslo"
	pwZofiaL    = "zofia-male-haslo"
	peselLukasz = "79031512343"
	peselZofia  = "85062207651"
	emailLukasz = "lukasz@sp1.example.pl"
	emailZofia  = "zofia@sp2.example.pl"
	// newPassword satisfies both policies and names nobody.
	newPassword = "Zielony!Ogrodek!Wiosna"
)

var accountRows = [][]string{
	// login, password, status, first, second, last, pesel, email, phone, entity_id, entity_name, parent, function, scopes, valid_to, accepted_at
	{"LWISNIEWSKI", pwLukasz, "active", "Łukasz", "Maria", "Wiśniewski", peselLukasz, emailLukasz, "600 700 800", "SP1", "Szkoła Podstawowa nr 1", "GM1", "pracownik", "sio", "2027-08-31", "2024-09-01T10:00:00Z"},
	{"ZKOWAL", pwZofiaU, "active", "Zofia", "", "Kowal", peselZofia, emailZofia, "", "SP2", "Szkoła Podstawowa nr 2", "GM1", "pracownik", "sio", "2027-08-31", "2024-09-01T10:00:00Z"},
	{"zofia.k", pwZofiaL, "active", "Zofia", "", "Kowal", peselZofia, emailZofia, "", "SP9", "Szkoła Podstawowa nr 9", "GM1", "pracownik", "sio", "2027-08-31", "2023-09-01T10:00:00Z"},
}

// publicURL is the servers' --public-url: mailed links must start with it.
const publicURL = "https://konto.example.gov.pl"

// accountEnv is an env with the self-service fixture and an outbox.
type accountEnv struct {
	*env
	outbox string
}

// newAccountEnv builds an env of backend b whose mail goes to an outbox
// (unless cfg.Mailer is set) and whose links start with publicURL.
func newAccountEnv(t *testing.T, b storetest.Backend, cfg web.Config) *accountEnv {
	t.Helper()
	dir := t.TempDir()
	if cfg.Mailer == nil {
		ob, err := mail.NewOutbox(dir, "Konto SIO <noreply@konto.example.gov.pl>", slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Mailer = ob
	}
	cfg.PublicURL = publicURL
	e := newEnv(t, b, cfg)
	t.Cleanup(func() { e.srv.Close() })
	importAccountRows(t, e.st, e.clock)
	return &accountEnv{env: e, outbox: dir}
}

func importAccountRows(t *testing.T, st jedenlogin.Store, clk *clock) {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"login", "password_hash", "status", "first_name", "second_name", "last_name", "pesel", "email", "phone",
		"entity_id", "entity_name", "entity_parent_id", "function", "scopes", "valid_to", "accepted_at"})
	for _, r := range accountRows {
		row := append([]string(nil), r...)
		h, err := hasher.Hash(row[1])
		if err != nil {
			t.Fatal(err)
		}
		row[1] = h
		w.Write(row)
	}
	w.Flush()
	im := &legacy.Importer{Store: st, Now: clk.Now}
	if _, err := im.Import(context.Background(), &buf, int64(buf.Len())); err != nil {
		t.Fatalf("import self-service fixture: %v", err)
	}
}

// mails returns every message in the outbox addressed to to, oldest first,
// after the background work is done.
func (e *accountEnv) mails(to string) []*mail.Message {
	e.t.Helper()
	e.srv.Flush()
	paths, err := mail.OutboxFiles(e.outbox)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []*mail.Message
	for _, p := range paths {
		m, err := mail.ParseEML(p)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, got := range m.To {
			if strings.EqualFold(got, to) {
				out = append(out, m)
			}
		}
	}
	return out
}

// lastMail returns the newest message to to and fails when there is none.
func (e *accountEnv) lastMail(to string) *mail.Message {
	e.t.Helper()
	ms := e.mails(to)
	if len(ms) == 0 {
		e.t.Fatalf("no mail to %s", to)
	}
	return ms[len(ms)-1]
}

// mailWith returns the message to to whose subject contains subject, after
// the background work is done, and fails when there is none. Status mails
// are sent by several background workers in no fixed order, so a test
// looks for the mail it expects rather than for the newest one.
func (e *accountEnv) mailWith(to, subject string) *mail.Message {
	e.t.Helper()
	ms := e.mails(to)
	if m := withSubject(ms, subject); m != nil {
		return m
	}
	subjects := make([]string, len(ms))
	for i, m := range ms {
		subjects[i] = m.Subject
	}
	e.t.Fatalf("no mail to %s with %q in the subject; got %q", to, subject, subjects)
	return nil
}

// withSubject returns the last of ms whose subject contains subject, or nil.
func withSubject(ms []*mail.Message, subject string) *mail.Message {
	for i := len(ms) - 1; i >= 0; i-- {
		if strings.Contains(ms[i].Subject, subject) {
			return ms[i]
		}
	}
	return nil
}

// linkIn returns the path of the mailed link publicURL+prefix+TOKEN; the
// HTML part must carry the same link.
func linkIn(t *testing.T, m *mail.Message, prefix string) string {
	t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(publicURL+prefix) + `[A-Za-z0-9_-]{43}`)
	link := re.FindString(m.Text)
	if link == "" {
		t.Fatalf("no link %s… in mail %q:\n%s", publicURL+prefix, m.Subject, m.Text)
	}
	if !strings.Contains(m.HTML, link) {
		t.Errorf("the HTML part lacks the link %s", link)
	}
	return strings.TrimPrefix(link, publicURL)
}

var codeRe = regexp.MustCompile(`Kod weryfikacyjny: (\d{6})`)

// codeIn returns the 6-digit code of an e-mail verification mail.
func codeIn(t *testing.T, m *mail.Message) string {
	t.Helper()
	c := codeRe.FindStringSubmatch(m.Text)
	if c == nil {
		t.Fatalf("no code in mail %q:\n%s", m.Subject, m.Text)
	}
	return c[1]
}

// call makes an API request with an optional session cookie.
func (e *accountEnv) call(method, path string, body any, c *http.Cookie) *httpRecorder {
	e.t.Helper()
	r := req{method: method, path: path, json: body}
	if c != nil {
		r.cookies = []*http.Cookie{c}
	}
	return e.do(r)
}

// wantStatus fails unless the answer has the status.
func wantStatus(t *testing.T, rec *httpRecorder, status int) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
}

// auditOutcomes lists the outcomes of the audit events with the action, oldest first.
func (e *accountEnv) auditOutcomes(action string) []string {
	e.t.Helper()
	evs := e.audit(action)
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[len(evs)-1-i] = ev.Outcome
	}
	return out
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// mustOutbox returns an outbox sender writing into dir.
func mustOutbox(t *testing.T, dir string) *mail.Outbox {
	t.Helper()
	ob, err := mail.NewOutbox(dir, "Konto SIO <noreply@konto.example.gov.pl>", discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	return ob
}
