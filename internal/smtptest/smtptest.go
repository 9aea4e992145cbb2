// Package smtptest is a real SMTP server (emersion/go-smtp) on 127.0.0.1
// for tests: it keeps every message it takes and refuses the recipients it
// is told to, so mail code is tested over the wire, not against a fake.
package smtptest

import (
	"errors"
	"io"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message the server took.
type Message struct {
	From string
	To   []string
	Data []byte
}

// MessageID is the message's Message-ID without the angle brackets, "" when
// it has none or does not parse.
func (m Message) MessageID() string {
	pm, err := netmail.ReadMessage(strings.NewReader(string(m.Data)))
	if err != nil {
		return ""
	}
	return strings.Trim(pm.Header.Get("Message-Id"), "<>")
}

// Server is a running SMTP server; it stops when the test ends.
type Server struct {
	// Addr is where it listens, HOST:PORT.
	Addr string

	mu     sync.Mutex
	msgs   []Message
	reject map[string]bool
}

// Start serves SMTP on a free port of 127.0.0.1 until tb ends.
func Start(tb testing.TB) *Server { return StartOn(tb, "127.0.0.1:0") }

// StartOn serves SMTP on addr until tb ends: a test that restarts a server
// on the address the first one had uses it.
func StartOn(tb testing.TB, addr string) *Server {
	tb.Helper()
	s := &Server{reject: map[string]bool{}}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{srv: s}, nil }))
	srv.Domain = "mx.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	s.Addr = l.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			tb.Errorf("smtp server: %v", err)
		}
	}()
	tb.Cleanup(func() {
		l.Close()
		srv.Close()
		<-done
	})
	return s
}

// URL is the smtp:// URL of the server for mail.NewSMTP: plain text (no
// STARTTLS) with the given timeout, e.g. "5s".
func (s *Server) URL(timeout string) string {
	return "smtp://" + s.Addr + "?starttls=none&timeout=" + timeout
}

// Messages returns the messages taken so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// MessageIDs returns the Message-ID of every message taken so far, in order.
func (s *Server) MessageIDs() []string {
	var ids []string
	for _, m := range s.Messages() {
		ids = append(ids, m.MessageID())
	}
	return ids
}

// Reject makes the server refuse (on true) or take again (on false) the
// recipient addr, with 550 5.1.1.
func (s *Server) Reject(addr string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.reject[addr] = true
	} else {
		delete(s.reject, addr)
	}
}

type session struct {
	srv  *Server
	from string
	to   []string
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if s.srv.reject[to] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	s.srv.msgs = append(s.srv.msgs, Message{From: s.from, To: s.to, Data: b})
	return nil
}
