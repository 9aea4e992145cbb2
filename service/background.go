package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"jedenlogin/mail"
)

// Background work: mail delivery and the recovery lookups run after the
// answer was sent, so that neither a slow SMTP server nor whether a
// recovery request matched anybody shows in the answer or its timing.
const (
	backgroundWorkers = 2
	backgroundQueue   = 256
	backgroundTimeout = time.Minute
)

// errBusy: the background queue is full (or the server is closing).
var errBusy = errors.New("background queue full")

type job struct {
	name string
	fn   func(ctx context.Context) error
}

// background is a bounded queue of jobs and the workers that run them.
type background struct {
	log  *slog.Logger
	jobs chan job

	mu      sync.Mutex
	idle    *sync.Cond
	pending int
	closed  bool
	workers sync.WaitGroup
}

func newBackground(log *slog.Logger) *background {
	b := &background{log: log, jobs: make(chan job, backgroundQueue)}
	b.idle = sync.NewCond(&b.mu)
	for range backgroundWorkers {
		b.workers.Add(1)
		go b.work()
	}
	return b
}

// enqueue queues fn; it returns errBusy, running nothing, when the queue is
// full or closed.
func (b *background) enqueue(name string, fn func(ctx context.Context) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return errBusy
	}
	select {
	case b.jobs <- job{name: name, fn: fn}:
		b.pending++
		return nil
	default:
		return errBusy
	}
}

func (b *background) work() {
	defer b.workers.Done()
	for j := range b.jobs {
		b.run(j)
		b.mu.Lock()
		b.pending--
		if b.pending == 0 {
			b.idle.Broadcast()
		}
		b.mu.Unlock()
	}
}

func (b *background) run(j job) {
	ctx, cancel := context.WithTimeout(context.Background(), backgroundTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("background job panicked", "job", j.name, "err", fmt.Sprint(p))
		}
	}()
	if err := j.fn(ctx); err != nil {
		b.log.Error("background job failed", "job", j.name, "err", err)
	}
}

// flush waits until no job is queued or running.
func (b *background) flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.pending > 0 {
		b.idle.Wait()
	}
}

// close refuses new jobs, lets the queued ones finish and stops the workers.
func (b *background) close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.jobs)
	}
	b.mu.Unlock()
	b.workers.Wait()
}

// Flush waits until the background work queued so far — mail, recovery
// lookups — has finished. Tests use it before reading the outbox.
func (s *Service) Flush() { s.bg.flush() }

// Close finishes the queued background work and stops its workers; call it
// after the HTTP server has shut down. Work queued later is refused (and
// logged). It always returns nil.
func (s *Service) Close() error {
	s.bg.close()
	return nil
}

// publicBase checks Config.PublicURL and returns it without a trailing
// slash; "" gives "http://localhost".
func publicBase(raw string) (string, error) {
	if raw == "" {
		return "http://localhost", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("PublicURL %q: want an absolute http(s) URL without query, e.g. https://konto.example.gov.pl", raw)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// Link returns the absolute URL of a path (starting with "/") on the
// public address, for mails.
func (s *Service) Link(path string) string { return s.public + path }

// Deliver renders a mail of kind (mail.Kind…) with data and sends it to to
// now. Without a Mailer it logs that the message was dropped. Errors:
// rendering or delivery failed (never containing the body).
func (s *Service) Deliver(ctx context.Context, kind, to string, data any) error {
	m, err := mail.RenderWithFooter(kind, data, mail.Footer{HelpURL: s.cfg.HelpURL, Support: s.cfg.SupportContact})
	if err != nil {
		return fmt.Errorf("mail %s: %w", kind, err)
	}
	m.To = []string{to}
	if s.cfg.Mailer == nil {
		s.log.WarnContext(ctx, "mail not sent: no mailer configured", "kind", kind, "to", to)
		return nil
	}
	if err := s.cfg.Mailer.Send(ctx, m); err != nil {
		return fmt.Errorf("mail %s to %s: %w", kind, to, err)
	}
	return nil
}

// MailLater queues a mail for delivery in the background; a failure (full
// queue, rendering, delivery) is logged, never shown to the user, who is
// told only that a message was sent.
func (s *Service) MailLater(ctx context.Context, kind, to string, data any) {
	if to == "" {
		return
	}
	err := s.bg.enqueue("mail "+kind, func(ctx context.Context) error { return s.Deliver(ctx, kind, to, data) })
	if err != nil {
		s.log.ErrorContext(ctx, "mail not queued", "kind", kind, "to", to, "err", err)
	}
}

// Enqueue runs fn in the background (mail, recovery lookups), after the
// answer was sent; it returns an error, running nothing, when the queue is
// full or closed.
func (s *Service) Enqueue(name string, fn func(ctx context.Context) error) error {
	return s.bg.enqueue(name, fn)
}
