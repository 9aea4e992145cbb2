package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	gomail "github.com/wneessen/go-mail"
)

const (
	testUser = "jedenlogin"
	testPass = "Tajne-Hasło-SMTP-7"
)

// received is one message as the test server got it.
type received struct {
	from string
	to   []string
	data []byte
	tls  bool   // the session was encrypted when DATA arrived
	user string // the authenticated user, "" without AUTH
}

// tlsMode says how the test server offers TLS.
type tlsMode int

const (
	plainOnly   tlsMode = iota // no TLS at all
	startTLS                   // STARTTLS on a plain listener
	implicitTLS                // TLS from the first byte
)

// testServer is a real SMTP server (emersion/go-smtp) on 127.0.0.1:0.
type testServer struct {
	host string
	port int
	// mechs are the AUTH mechanisms offered (PLAIN, LOGIN); empty: no AUTH,
	// and anyone may send.
	mechs []string

	mu   sync.Mutex
	msgs []received
}

func (s *testServer) addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

func (s *testServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

// startServer runs a test SMTP server until the test ends. AUTH is only
// offered on an encrypted connection, as on real servers.
func startServer(t *testing.T, mode tlsMode, mechs ...string) *testServer {
	t.Helper()
	ts := &testServer{host: "127.0.0.1", mechs: mechs}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: ts, conn: c}, nil
	}))
	srv.Domain = "mx.test"
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Second, 5*time.Second
	srv.ErrorLog = smtpLogger{t}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	switch mode {
	case startTLS:
		srv.TLSConfig = serverTLS(t)
	case implicitTLS:
		srv.TLSConfig = serverTLS(t)
		l = tls.NewListener(l, srv.TLSConfig)
	}
	ts.port = l.Addr().(*net.TCPAddr).Port
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := srv.Serve(l)
		if err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			t.Errorf("smtp server: %v", err)
		}
	}()
	t.Cleanup(func() {
		// Close the listener too: srv.Close before Serve has registered it
		// would leave Serve accepting forever.
		l.Close()
		srv.Close()
		<-done
	})
	return ts
}

type smtpLogger struct{ t *testing.T }

func (l smtpLogger) Printf(format string, v ...any) { l.t.Logf("smtp server: "+format, v...) }
func (l smtpLogger) Println(v ...any)               { l.t.Log(append([]any{"smtp server:"}, v...)...) }

// serverTLS returns a TLS config with a fresh self-signed certificate for
// 127.0.0.1.
func serverTLS(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mx.test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

type session struct {
	srv  *testServer
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (s *session) AuthMechanisms() []string { return s.srv.mechs }

func (s *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if user != testUser || pass != testPass {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}
	switch mech {
	case "PLAIN":
		return sasl.NewPlainServer(func(identity, user, pass string) error { return check(user, pass) }), nil
	case "LOGIN":
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if len(s.srv.mechs) > 0 && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	s.srv.msgs = append(s.srv.msgs, received{from: s.from, to: s.to, data: b, tls: isTLS, user: s.user})
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// loginServer is the server side of the LOGIN mechanism, which go-sasl no
// longer ships.
type loginServer struct {
	check    func(user, pass string) error
	step     int
	username string
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		if len(response) > 0 { // initial response carries the user name
			l.username = string(response)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 2:
		l.username = string(response)
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.username, string(response))
	}
}

func smtpURL(scheme string, ts *testServer, userinfo, query string) string {
	u := scheme + "://"
	if userinfo != "" {
		u += userinfo + "@"
	}
	u += ts.addr()
	if query != "" {
		u += "?" + query
	}
	return u
}

var testUserinfo = testUser + ":" + strings.ReplaceAll(testPass, "ł", "%C5%82")

func TestSMTPDelivers(t *testing.T) {
	tests := []struct {
		name     string
		mode     tlsMode
		mechs    []string
		scheme   string
		userinfo string
		query    string
		wantTLS  bool
		wantUser string
	}{
		{"STARTTLS with AUTH PLAIN", startTLS, []string{"PLAIN", "LOGIN"}, "smtp", testUserinfo, "insecure_skip_verify=1", true, testUser},
		{"STARTTLS with AUTH LOGIN only", startTLS, []string{"LOGIN"}, "smtp", testUserinfo, "insecure_skip_verify=1", true, testUser},
		{"implicit TLS with AUTH PLAIN", implicitTLS, []string{"PLAIN"}, "smtps", testUserinfo, "insecure_skip_verify=true", true, testUser},
		{"STARTTLS without AUTH", startTLS, nil, "smtp", "", "insecure_skip_verify=1", true, ""},
		{"opportunistic STARTTLS, server without TLS", plainOnly, nil, "smtp", "", "starttls=opportunistic", false, ""},
		{"opportunistic STARTTLS, server with TLS", startTLS, nil, "smtp", "", "starttls=opportunistic&insecure_skip_verify=1", true, ""},
		{"no TLS", plainOnly, nil, "smtp", "", "starttls=none", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, tt.mode, tt.mechs...)
			logger, logs := logLines()
			s, err := NewSMTP(smtpURL(tt.scheme, ts, tt.userinfo, tt.query), testFrom, logger)
			if err != nil {
				t.Fatal(err)
			}
			want := sampleMessage()
			want.To = append(want.To, "kopia@example.pl")
			if err := s.Send(t.Context(), want); err != nil {
				t.Fatal(err)
			}
			got := ts.received()
			if len(got) != 1 {
				t.Fatalf("server received %d messages, want 1", len(got))
			}
			r := got[0]
			if r.tls != tt.wantTLS {
				t.Errorf("encrypted = %v, want %v", r.tls, tt.wantTLS)
			}
			if r.user != tt.wantUser {
				t.Errorf("authenticated as %q, want %q", r.user, tt.wantUser)
			}
			if r.from != "noreply@sio.example.gov.pl" {
				t.Errorf("MAIL FROM = %q", r.from)
			}
			if strings.Join(r.to, ",") != "zofia@example.pl,kopia@example.pl" {
				t.Errorf("RCPT TO = %q", r.to)
			}
			checkWire(t, r.data, want)

			lines := decodeLog(t, logs)
			if len(lines) != 1 || lines[0]["subject"] != want.Subject || lines[0]["server"] != ts.addr() {
				t.Errorf("log = %s, want one line with subject and server", logs)
			}
			if strings.Contains(logs.String(), secretInBody) || strings.Contains(logs.String(), testPass) {
				t.Errorf("log contains the body or the password: %s", logs)
			}
		})
	}
}

func TestSMTPConcurrentSends(t *testing.T) {
	ts := startServer(t, startTLS, "PLAIN")
	s, err := NewSMTP(smtpURL("smtp", ts, testUserinfo, "insecure_skip_verify=1"), testFrom, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			m := sampleMessage()
			m.Subject = fmt.Sprintf("wiadomość %d", i)
			if err := s.Send(t.Context(), m); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(ts.received()); n != 5 {
		t.Errorf("server received %d messages, want 5", n)
	}
}

func TestSMTPFailures(t *testing.T) {
	closed := func(t *testing.T) *testServer {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		return &testServer{host: "127.0.0.1", port: port}
	}
	tests := []struct {
		name     string
		server   func(t *testing.T) *testServer
		scheme   string
		userinfo string
		query    string
		wantIn   string // a part of the error a user would need
	}{
		{"unreachable server", closed, "smtp", testUserinfo, "timeout=2s", "connection refused"},
		{"wrong password", func(t *testing.T) *testServer { return startServer(t, startTLS, "PLAIN") },
			"smtp", testUser + ":zle-haslo", "insecure_skip_verify=1", "Authentication failed"},
		{"wrong password over implicit TLS with LOGIN", func(t *testing.T) *testServer { return startServer(t, implicitTLS, "LOGIN") },
			"smtps", testUser + ":zle-haslo", "insecure_skip_verify=1", "Authentication failed"},
		{"STARTTLS mandatory, server has none", func(t *testing.T) *testServer { return startServer(t, plainOnly) },
			"smtp", "", "", "STARTTLS"},
		{"self-signed certificate not trusted", func(t *testing.T) *testServer { return startServer(t, startTLS, "PLAIN") },
			"smtp", testUserinfo, "", "certificate"},
		{"implicit TLS certificate not trusted", func(t *testing.T) *testServer { return startServer(t, implicitTLS, "PLAIN") },
			"smtps", testUserinfo, "", "certificate"},
		{"server requires AUTH, none given", func(t *testing.T) *testServer { return startServer(t, startTLS, "PLAIN") },
			"smtp", "", "insecure_skip_verify=1", "authenticate"},
		{"user given, server offers no AUTH", func(t *testing.T) *testServer { return startServer(t, startTLS) },
			"smtp", testUserinfo, "insecure_skip_verify=1", "AUTH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := tt.server(t)
			logger, logs := logLines()
			s, err := NewSMTP(smtpURL(tt.scheme, ts, tt.userinfo, tt.query), testFrom, logger)
			if err != nil {
				t.Fatal(err)
			}
			err = s.Send(t.Context(), sampleMessage())
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			msg := err.Error()
			t.Logf("error: %s", msg)
			if !strings.Contains(msg, ts.addr()) {
				t.Errorf("error %q does not name the server %s", msg, ts.addr())
			}
			if !strings.Contains(msg, tt.wantIn) {
				t.Errorf("error %q does not say %q", msg, tt.wantIn)
			}
			if strings.Contains(msg, testPass) || strings.Contains(msg, "zle-haslo") || strings.Contains(msg, secretInBody) {
				t.Errorf("error %q contains the password or the body", msg)
			}
			if len(ts.received()) != 0 {
				t.Errorf("server received %d messages", len(ts.received()))
			}
			if logs.Len() != 0 {
				t.Errorf("failed send logged %s", logs)
			}
		})
	}
}

func TestSMTPCanceledContext(t *testing.T) {
	ts := startServer(t, startTLS)
	s, err := NewSMTP(smtpURL("smtp", ts, "", "insecure_skip_verify=1"), testFrom, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Send(ctx, sampleMessage()); !errors.Is(err, context.Canceled) {
		t.Errorf("Send = %v, want context.Canceled", err)
	}
	if n := len(ts.received()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
}

func TestSMTPInvalidMessageNeverConnects(t *testing.T) {
	// Nothing listens on port 1; an attempt to connect would fail with a
	// different error.
	s, err := NewSMTP("smtp://127.0.0.1:1", testFrom, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := sampleMessage()
	m.To = nil
	if err := s.Send(t.Context(), m); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("Send = %v, want ErrInvalidMessage", err)
	}
}

func TestNewSMTPParsesURL(t *testing.T) {
	tests := []struct {
		name       string
		url        string
		wantAddr   string
		implicit   bool
		policy     gomail.TLSPolicy
		user, pass string
		skipVerify bool
		timeout    time.Duration
		wantString string
	}{
		{"STARTTLS default port", "smtp://mx.example.pl", "mx.example.pl:587", false, gomail.TLSMandatory, "", "", false, DefaultTimeout, "smtp://mx.example.pl:587"},
		{"implicit TLS default port", "smtps://u:p@mx.example.pl", "mx.example.pl:465", true, gomail.TLSMandatory, "u", "p", false, DefaultTimeout, "smtps://u@mx.example.pl:465"},
		{"escaped password", "smtp://konto%40sio:has%C5%82o%2F%3A@mx.example.pl:2525", "mx.example.pl:2525", false, gomail.TLSMandatory, "konto@sio", "hasło/:", false, DefaultTimeout, "smtp://konto%40sio@mx.example.pl:2525"},
		{"explicit mandatory", "smtp://mx.example.pl?starttls=mandatory", "mx.example.pl:587", false, gomail.TLSMandatory, "", "", false, DefaultTimeout, "smtp://mx.example.pl:587"},
		{"opportunistic", "smtp://mx.example.pl?starttls=opportunistic", "mx.example.pl:587", false, gomail.TLSOpportunistic, "", "", false, DefaultTimeout, "smtp://mx.example.pl:587"},
		{"none, timeout, skip verify", "smtp://127.0.0.1:25/?starttls=none&timeout=3s&insecure_skip_verify=1", "127.0.0.1:25", false, gomail.NoTLS, "", "", true, 3 * time.Second, "smtp://127.0.0.1:25"},
		{"IPv6", "smtp://[::1]:25", "[::1]:25", false, gomail.TLSMandatory, "", "", false, DefaultTimeout, "smtp://[::1]:25"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSMTP(tt.url, testFrom, nil)
			if err != nil {
				t.Fatal(err)
			}
			if s.addr != tt.wantAddr || s.implicitTLS != tt.implicit || s.user != tt.user || s.pass != tt.pass ||
				s.skipVerify != tt.skipVerify || s.timeout != tt.timeout || (!tt.implicit && s.policy != tt.policy) {
				t.Errorf("NewSMTP(%q) = addr %s implicit %v policy %v user %q pass %q skip %v timeout %v",
					tt.url, s.addr, s.implicitTLS, s.policy, s.user, s.pass, s.skipVerify, s.timeout)
			}
			if got := s.String(); got != tt.wantString {
				t.Errorf("String() = %q, want %q", got, tt.wantString)
			}
		})
	}
}

func TestNewSMTPRejects(t *testing.T) {
	const secret = "Sekret123"
	tests := []struct {
		name, url, wantIn string
	}{
		{"unknown scheme", "http://u:" + secret + "@mx.example.pl", "scheme"},
		{"no scheme", "u:" + secret + "@mx.example.pl:587", "SMTP URL"},
		{"no host", "smtp://u:" + secret + "@:587", "no host"},
		{"bad port", "smtp://u:" + secret + "@mx.example.pl:99999", "port"},
		{"non-numeric port", "smtp://u:" + secret + "@mx.example.pl:smtp", "port"},
		{"bad escape in password", "smtp://u:" + secret + "%zz@mx.example.pl", "malformed"},
		{"path", "smtp://u:" + secret + "@mx.example.pl/inbox", "path"},
		{"empty user", "smtp://:" + secret + "@mx.example.pl", "user"},
		{"unknown parameter", "smtp://u:" + secret + "@mx.example.pl?tls=1", "unknown parameter"},
		{"bad starttls", "smtp://u:" + secret + "@mx.example.pl?starttls=yes", "starttls"},
		{"starttls with smtps", "smtps://u:" + secret + "@mx.example.pl?starttls=none", "smtps"},
		{"bad skip verify", "smtp://u:" + secret + "@mx.example.pl?insecure_skip_verify=tak", "insecure_skip_verify"},
		{"bad timeout", "smtp://u:" + secret + "@mx.example.pl?timeout=10", "timeout"},
		{"negative timeout", "smtp://u:" + secret + "@mx.example.pl?timeout=-1s", "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewSMTP(tt.url, testFrom, nil)
			if err == nil {
				t.Fatal("NewSMTP succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("error %q does not say %q", err, tt.wantIn)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "Sekret") {
				t.Errorf("error %q contains the password", err)
			}
		})
	}
	t.Run("bad from", func(t *testing.T) {
		if _, err := NewSMTP("smtp://mx.example.pl", "noreply", nil); err == nil {
			t.Error("NewSMTP with from without a domain succeeded")
		}
	})
}
