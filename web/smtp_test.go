package web_test

import (
	"bytes"
	"net"
	"net/http"
	"strings"
	"testing"

	"jedenlogin/internal/smtptest"
	"jedenlogin/mail"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// TestRecoveryOverSMTP: the password reset mail travels through a real SMTP
// server, and its link sets the password.
func TestRecoveryOverSMTP(t *testing.T) {
	sink := smtptest.Start(t)
	sender, err := mail.NewSMTP(sink.URL("5s"), "Konto SIO <noreply@konto.example.gov.pl>", discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	e := newAccountEnv(t, storetest.Backends(t)[0], web.Config{Mailer: sender})

	wantStatus(t, e.call("POST", "/api/v1/recovery/password", lukaszPasswordRecovery(), nil), http.StatusAccepted)
	e.srv.Flush()
	msgs := sink.Messages()
	if len(msgs) != 1 {
		t.Fatalf("SMTP server got %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.From != "noreply@konto.example.gov.pl" || strings.Join(got.To, ",") != emailLukasz {
		t.Errorf("envelope from %q to %v", got.From, got.To)
	}
	m, err := mail.Parse(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatalf("parse the delivered message: %v", err)
	}
	path := linkIn(t, m, "/reset-hasla/")
	wantStatus(t, e.call("POST", "/api/v1/recovery/password/"+strings.TrimPrefix(path, "/reset-hasla/"), map[string]string{"new_password": newPassword}, nil), http.StatusNoContent)
	e.mustSignIn("LWISNIEWSKI", newPassword)
	e.srv.Flush()
	if n := len(sink.Messages()); n != 2 {
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
