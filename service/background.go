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
)

// Background work: the recovery lookups run after the answer was sent, so
// that whether a recovery request matched anybody shows neither in the
// answer nor in its timing. The mail they produce goes to the durable
// outbox (outbox.go); only the lookup itself lives in this queue.
const (
	backgroundWorkers = 2
	backgroundQueue   = 1024
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

// Flush waits until the recovery lookups queued so far have finished, then
// delivers every outbox message due now (also those queued by other
// instances) and waits for the sends under way; a message whose attempt
// failed waits for its retry. Tests use it before reading what was sent.
func (s *Service) Flush() {
	s.bg.flush()
	s.flushMail()
}

// Close finishes the queued recovery lookups and stops their workers,
// delivers the mail due now for up to mailDrain (the workers' sends under
// way finish too), then stops the mail delivery workers (a send still
// under way is abandoned and its message made due again at once, for any
// instance; what is left waits in the outbox for the next start or
// another instance); call it after the HTTP server has shut down. Work queued later is refused (and logged). It always returns
// nil.
func (s *Service) Close() error {
	s.bg.close()
	if s.cfg.MailWorkers >= 0 {
		ctx, cancel := context.WithTimeout(context.Background(), mailDrain)
		for s.DeliverMail(ctx) > 0 {
		}
		// A worker may have claimed what this drain found gone: let the
		// sends under way finish (each bounded by mailSendTimeout) before
		// the workers are stopped, which would give their claims back
		// untried, and deliver what is due after them.
		s.mail.wait()
		for s.DeliverMail(ctx) > 0 {
		}
		cancel()
	}
	s.mail.cancel()
	s.mail.done.Wait()
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

// Enqueue runs fn (a recovery lookup) in the background, after the answer
// was sent; it returns an error, running nothing, when the queue is full
// or closed.
func (s *Service) Enqueue(name string, fn func(ctx context.Context) error) error {
	return s.bg.enqueue(name, fn)
}
