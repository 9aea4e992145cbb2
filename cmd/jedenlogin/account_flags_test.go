package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jedenlogin/demo"
	"jedenlogin/mail"
	"jedenlogin/password"
	"jedenlogin/store/sqlstore"
)

func TestParseAge(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90d", 90 * 24 * time.Hour, true},
		{"0", 0, true},
		{"0d", 0, true},
		{"2160h", 90 * 24 * time.Hour, true},
		{"1h30m", 90 * time.Minute, true},
		{"-5d", 0, false},
		{"-1h", 0, false},
		{"90", 0, false},
		{"dni", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseAge(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("parseAge(%q) = %v, %v; want %v (ok %v)", tc.in, got, err, tc.want, tc.ok)
			}
		})
	}
}

func parseServeFlags(t *testing.T, args ...string) (*serveFlags, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := registerServeFlags(fs, "./x.db")
	return f, fs.Parse(args)
}

func TestAccountFlags(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name    string
		args    []string
		public  string
		mailer  string // "outbox" or "smtp"
		policy  string
		maxAge  time.Duration
		wantErr string
	}{
		{"defaults", []string{"--mail-outbox", dir}, "http://127.0.0.1:8080", "outbox", "sio", 0, ""},
		{"nist, 90 days", []string{"--mail-outbox", dir, "--password-policy", "nist", "--password-max-age", "90d"}, "https://konto.example.gov.pl", "outbox", "nist", 90 * 24 * time.Hour, ""},
		{"smtp", []string{"--smtp", "smtp://u:tajne@mx.example.pl:587", "--mail-from", "Konto <konto@example.gov.pl>"}, "https://konto.example.gov.pl", "smtp", "sio", 0, ""},
		{"unknown policy", []string{"--mail-outbox", dir, "--password-policy", "strict"}, "https://x.pl", "", "", 0, "--password-policy"},
		{"bad smtp URL", []string{"--smtp", "http://mx.example.pl"}, "https://x.pl", "", "", 0, "--smtp"},
		{"bad from", []string{"--mail-outbox", dir, "--mail-from", "nie adres"}, "https://x.pl", "", "", 0, "--mail-outbox"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parseServeFlags(t, tc.args...)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			m, desc, err := f.account.mailer(tc.public, newLogger(io.Discard))
			if err == nil {
				var p *password.Policy
				p, err = f.account.passwordPolicy()
				if err == nil && (p.Name != tc.policy || f.account.maxAge != tc.maxAge) {
					t.Errorf("policy %s, max age %v; want %s, %v", p.Name, f.account.maxAge, tc.policy, tc.maxAge)
				}
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one naming %s", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "tajne") {
					t.Errorf("the SMTP password reached the error: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			switch tc.mailer {
			case "outbox":
				if _, ok := m.(*mail.Outbox); !ok {
					t.Errorf("mailer %T, want the outbox", m)
				}
			case "smtp":
				if _, ok := m.(*mail.SMTPSender); !ok {
					t.Errorf("mailer %T, want SMTP", m)
				}
			}
			if strings.Contains(desc, "tajne") {
				t.Errorf("the SMTP password reached the log line: %s", desc)
			}
		})
	}
	if _, err := parseServeFlags(t, "--password-max-age", "zawsze"); err == nil {
		t.Errorf("--password-max-age zawsze accepted")
	}
}

// TestServeMailsRecoveryLinks: serve with --mail-outbox and --public-url
// writes the reset mail (links from the public URL) to the outbox, also
// when it shuts down right after answering.
func TestServeMailsRecoveryLinks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "serve.db"), sqlstore.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	creds, err := demo.Build(ctx, st, &password.Hasher{Params: password.CheapParams}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dp := creds.Person(demo.Unchanged)
	rec, err := st.Person(ctx, dp.PersonID)
	if err != nil {
		t.Fatal(err)
	}
	acc := rec.Person.Account
	outbox := t.TempDir()
	f, err := parseServeFlags(t, "--addr", "127.0.0.1:0", "--public-url", "https://konto.example.gov.pl",
		"--mail-outbox", outbox, "--argon2-memory", "64", "--argon2-time", "1")
	if err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, st, f, newLogger(io.Discard), func(a string) { addrc <- a }) }()
	addr := <-addrc

	body := `{"login":"` + dp.Logins[0].Name + `","first_name":"` + acc.FirstName + `","last_name":"` + acc.LastName +
		`","pesel":"` + acc.PESEL + `","email":"` + acc.Email + `"}`
	resp, err := http.Post("http://"+addr+"/api/v1/recovery/password", "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("recovery request: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	m, err := mail.Latest(outbox, acc.Email)
	if err != nil {
		t.Fatalf("no reset mail in the outbox after shutdown: %v", err)
	}
	if !strings.Contains(m.Text, "https://konto.example.gov.pl/reset-hasla/") {
		t.Errorf("reset link not built from --public-url:\n%s", m.Text)
	}
}

// TestServeMetricsAddr: with --metrics-addr the metrics are served there
// and no longer on the users' listener.
func TestServeMetricsAddr(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "m.db"), sqlstore.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	maddr := l.Addr().String()
	l.Close()
	f, err := parseServeFlags(t, "--addr", "127.0.0.1:0", "--metrics-addr", maddr, "--mail-outbox", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, st, f, newLogger(io.Discard), func(a string) { addrc <- a }) }()
	addr := <-addrc
	get := func(url string) (int, string) {
		t.Helper()
		for range 50 { // the metrics listener starts just after the ready call
			resp, err := http.Get(url)
			if err != nil {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp.StatusCode, string(b)
		}
		t.Fatalf("GET %s: no answer", url)
		return 0, ""
	}
	if code, _ := get("http://" + addr + "/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics on the users' listener: %d, want 404", code)
	}
	if code, body := get("http://" + maddr + "/metrics"); code != http.StatusOK || !strings.Contains(body, "jedenlogin_") {
		t.Errorf("/metrics on --metrics-addr: %d %.200s", code, body)
	}
	if code, _ := get("http://" + addr + "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}
