package web_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"jedenlogin/mail"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// smtpSink is a real SMTP server (emersion/go-smtp) on 127.0.0.1 that
// keeps what it receives.
type smtpSink struct {
	addr string
	mu   sync.Mutex
	msgs []sinkMessage
}

type sinkMessage struct {
	from string
	to   []string
	data []byte
}

func (k *smtpSink) messages() []sinkMessage {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]sinkMessage(nil), k.msgs...)
}

func startSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	k := &smtpSink{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: k}, nil }))
	srv.Domain = "mx.test"
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Second, 5*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k.addr = l.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			t.Errorf("smtp server: %v", err)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		srv.Close()
		<-done
	})
	return k
}

type sinkSession struct {
	sink *smtpSink
	from string
	to   []string
}

func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error   { s.to = append(s.to, to); return nil }
func (s *sinkSession) Reset()                                      { s.from, s.to = "", nil }
func (s *sinkSession) Logout() error                               { return nil }
func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.sink.mu.Lock()
	defer s.sink.mu.Unlock()
	s.sink.msgs = append(s.sink.msgs, sinkMessage{from: s.from, to: s.to, data: b})
	return nil
}

// TestRecoveryOverSMTP: the password reset mail travels through a real SMTP
// server, and its link sets the password.
func TestRecoveryOverSMTP(t *testing.T) {
	sink := startSMTPSink(t)
	sender, err := mail.NewSMTP("smtp://"+sink.addr+"?starttls=none&timeout=5s", "Konto SIO <noreply@konto.example.gov.pl>", discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	e := newAccountEnv(t, storetest.Backends(t)[0], web.Config{Mailer: sender})

	wantStatus(t, e.call("POST", "/api/v1/recovery/password", lukaszPasswordRecovery(), nil), http.StatusAccepted)
	e.srv.Flush()
	msgs := sink.messages()
	if len(msgs) != 1 {
		t.Fatalf("SMTP server got %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.from != "noreply@konto.example.gov.pl" || strings.Join(got.to, ",") != emailLukasz {
		t.Errorf("envelope from %q to %v", got.from, got.to)
	}
	m, err := mail.Parse(bytes.NewReader(got.data))
	if err != nil {
		t.Fatalf("parse the delivered message: %v", err)
	}
	path := linkIn(t, m, "/reset-hasla/")
	wantStatus(t, e.call("POST", "/api/v1/recovery/password/"+strings.TrimPrefix(path, "/reset-hasla/"), map[string]string{"new_password": newPassword}, nil), http.StatusNoContent)
	e.mustSignIn("LWISNIEWSKI", newPassword)
	e.srv.Flush()
	if n := len(sink.messages()); n != 2 {
		t.Errorf("SMTP server got %d messages, want 2 (the link and the notice)", n)
	}
	if files, _ := mail.OutboxFiles(e.outbox); len(files) != 0 {
		t.Errorf("with SMTP configured, %d messages went to the outbox", len(files))
	}
}

// TestMailFailureIsLogged: an unreachable SMTP server changes nothing in
// the answer; the failure is logged without the message body, and the
// message stays queued in the outbox for its retry, which /metrics shows.
func TestMailFailureIsLogged(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	sender, err := mail.NewSMTP("smtp://"+addr+"?starttls=none&timeout=2s", "noreply@konto.example.gov.pl", discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	e := newAccountEnv(t, storetest.Backends(t)[0], web.Config{Mailer: sender})
	wantStatus(t, e.call("POST", "/api/v1/recovery/password", lukaszPasswordRecovery(), nil), http.StatusAccepted)
	e.srv.Flush()
	logs := e.logs.String()
	if !strings.Contains(logs, "mail delivery failed") || !strings.Contains(logs, addr) {
		t.Errorf("delivery failure not logged:\n%s", logs)
	}
	if strings.Contains(logs, "/reset-hasla/") {
		t.Errorf("the secret link reached the log")
	}
	if got := e.auditOutcomes("recovery_requested"); strings.Join(got, " ") != "sent" {
		t.Errorf("audit outcomes %v, want sent (the link queued)", got)
	}
	metrics := e.call("GET", "/metrics", nil, nil).Body.String()
	if !strings.Contains(metrics, "\njedenlogin_mail_outbox_queued 1\n") {
		t.Errorf("/metrics does not show the one message waiting for its retry:\n%s", grepLines(metrics, "outbox"))
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
