package service

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"jedenlogin"
	"jedenlogin/account"
	"jedenlogin/mail"
)

// Mail goes through the durable outbox (jedenlogin.OutboxStore): a
// workflow renders its mail and hands it to the store with the change
// that causes it, in one transaction where a Store method writes that
// change. Delivery workers on every instance claim due messages (an
// exclusive claim with a lease), send them through Config.Mailer with the
// Message-ID made when they were queued, and mark them sent; a failed
// attempt is retried after MailRetryFirst, doubling up to MailRetryMax,
// until the message is MailGiveUp old, when it is marked failed and
// audited (mail_failed). A worker that dies leaves its claim to expire
// after mailLease; the message is then taken again, so every message is
// delivered at least once, and never by two workers at once.
const (
	MailRetryFirst = time.Minute
	MailRetryMax   = time.Hour
	MailGiveUp     = 24 * time.Hour

	// DefaultMailWorkers is the number of delivery workers per instance.
	DefaultMailWorkers = 2
	// DefaultMailPoll is how often an idle worker looks for due mail
	// queued by other instances (mail queued here wakes it at once).
	DefaultMailPoll = 5 * time.Second

	// mailLease is how long a claim keeps other workers away; it must
	// outlast mailSendTimeout, so that a slow send is never repeated by
	// another worker while it is still running.
	mailLease       = 5 * time.Minute
	mailSendTimeout = 2 * time.Minute
	mailBatch       = 10
	// mailDrain bounds the delivery of due mail at Close.
	mailDrain = 10 * time.Second
)

// mailRetryDelay is the wait after the attempts-th failed attempt.
func mailRetryDelay(attempts int) time.Duration {
	d := MailRetryFirst
	for i := 1; i < attempts && d < MailRetryMax; i++ {
		d *= 2
	}
	return min(d, MailRetryMax)
}

// messageIDDomain is the domain of the Message-IDs the outbox makes: the
// public address's host.
func messageIDDomain(public string) string {
	if u, err := url.Parse(public); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "localhost"
}

// outboxMail renders a mail of kind (mail.Kind…) with data to to, as an
// outbox message queued at now with a new Message-ID. It returns nil —
// nothing to queue — when to is empty or no Mailer is configured (the mail
// is logged as dropped), and when rendering fails (logged: a template's
// bug, which the user is not told about, as before the outbox).
func (s *Service) outboxMail(ctx context.Context, kind, to string, data any, now time.Time) []jedenlogin.OutboxMessage {
	if to == "" {
		return nil
	}
	if s.cfg.Mailer == nil {
		s.log.WarnContext(ctx, "mail not sent: no mailer configured", "kind", kind, "to", to)
		return nil
	}
	m, err := mail.RenderWithFooter(kind, data, mail.Footer{HelpURL: s.cfg.HelpURL, Support: s.cfg.SupportContact})
	if err != nil {
		s.log.ErrorContext(ctx, "mail not queued: rendering failed", "kind", kind, "to", to, "err", err)
		return nil
	}
	return []jedenlogin.OutboxMessage{{
		MessageID: mail.NewMessageID(s.msgDomain), Kind: kind, To: to,
		Subject: m.Subject, Text: m.Text, HTML: m.HTML, CreatedAt: now,
	}}
}

// MailLater renders a mail and queues it in the outbox at once, in a
// transaction of its own: for mail whose change is not written by one
// Store method that takes mail. A failure is logged, never shown to the
// user, who is told only that a message was sent. The change it tells of
// is already committed, so the mail is queued even when the request's
// context has ended meanwhile (the client left): it runs on a context of
// its own, bounded by mailQueueTimeout.
func (s *Service) MailLater(ctx context.Context, kind, to string, data any) {
	msgs := s.outboxMail(ctx, kind, to, data, s.now())
	if len(msgs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), mailQueueTimeout)
	defer cancel()
	if err := s.st.EnqueueMail(ctx, msgs...); err != nil {
		s.log.ErrorContext(ctx, "mail not queued", "kind", kind, "to", to, "err", err)
		return
	}
	s.mailQueued()
}

// mailQueueTimeout bounds MailLater's queueing once the request that
// asked for the mail has gone.
const mailQueueTimeout = 30 * time.Second

// mailQueued wakes an idle delivery worker after mail was queued.
func (s *Service) mailQueued() {
	select {
	case s.mail.wake <- struct{}{}:
	default:
	}
}

// mailWorkers are the delivery workers of one service.
type mailWorkers struct {
	wake   chan struct{}
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	done   sync.WaitGroup

	mu       sync.Mutex
	idle     *sync.Cond
	inFlight int // claims being made or messages being sent, workers and Flush alike
}

func newMailWorkers() *mailWorkers {
	w := &mailWorkers{wake: make(chan struct{}, 1)}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	w.idle = sync.NewCond(&w.mu)
	return w
}

func (w *mailWorkers) begin() {
	w.mu.Lock()
	w.inFlight++
	w.mu.Unlock()
}

func (w *mailWorkers) end() {
	w.mu.Lock()
	w.inFlight--
	if w.inFlight == 0 {
		w.idle.Broadcast()
	}
	w.mu.Unlock()
}

// wait waits until no claim or send is under way.
func (w *mailWorkers) wait() {
	w.mu.Lock()
	for w.inFlight > 0 {
		w.idle.Wait()
	}
	w.mu.Unlock()
}

// startMail starts n delivery workers polling every poll.
func (s *Service) startMail(n int, poll time.Duration) {
	for range n {
		s.mail.done.Add(1)
		go func() {
			defer s.mail.done.Done()
			t := time.NewTicker(poll)
			defer t.Stop()
			for {
				for s.DeliverMail(s.mail.ctx) > 0 {
				}
				select {
				case <-s.mail.ctx.Done():
					return
				case <-s.mail.wake:
				case <-t.C:
				}
			}
		}()
	}
}

// DeliverMail claims one batch of due messages and sends them, one after
// the other, and returns how many it claimed. Errors are logged (delivery
// failures are the messages' business: retried or given up). Workers
// call it; so may a test or an operator's command.
func (s *Service) DeliverMail(ctx context.Context) int {
	if s.cfg.Mailer == nil || ctx.Err() != nil {
		return 0
	}
	s.mail.begin()
	defer s.mail.end()
	msgs, err := s.st.ClaimMail(ctx, s.now(), mailLease, mailBatch)
	if err != nil {
		if ctx.Err() == nil {
			s.log.ErrorContext(ctx, "claim mail", "err", err)
		}
		return 0
	}
	for _, m := range msgs {
		s.sendMail(ctx, m)
	}
	return len(msgs)
}

// sendMail makes one attempt at m, which the caller claimed, and records
// its outcome. The outcome is written even when ctx ends meanwhile (the
// service closing): an interrupted send is retried at once by any
// instance.
func (s *Service) sendMail(ctx context.Context, m jedenlogin.OutboxMessage) {
	store := context.WithoutCancel(ctx)
	if ctx.Err() != nil {
		// Closing: give the claim back untried.
		if _, err := s.st.RetryMail(store, m.ID, m.Claim, s.now(), "not tried: the instance stopped"); err != nil {
			s.log.ErrorContext(ctx, "release mail", "message_id", m.MessageID, "err", err)
		}
		return
	}
	sctx, cancel := context.WithTimeout(ctx, mailSendTimeout)
	err := s.cfg.Mailer.Send(sctx, &mail.Message{To: []string{m.To}, Subject: m.Subject, Text: m.Text, HTML: m.HTML, MessageID: m.MessageID})
	cancel()
	now := s.now()
	if err == nil {
		if ok, err := s.st.MailSent(store, m.ID, m.Claim, now); err != nil {
			s.log.ErrorContext(ctx, "mark mail sent", "message_id", m.MessageID, "err", err)
		} else if !ok {
			s.log.WarnContext(ctx, "mail sent after its claim ended", "message_id", m.MessageID)
		}
		return
	}
	interrupted := ctx.Err() != nil
	if interrupted {
		now = s.now()
	}
	s.log.WarnContext(ctx, "mail delivery failed", "kind", m.Kind, "to", m.To, "message_id", m.MessageID, "attempts", m.Attempts, "err", err)
	if !interrupted && (errors.Is(err, mail.ErrInvalidMessage) || now.Sub(m.CreatedAt) >= MailGiveUp) {
		ev := jedenlogin.AuditEvent{
			At: now, Action: jedenlogin.AuditMailFailed, Actor: "system", Subject: account.MaskEmail(m.To), Outcome: "failed",
			Details: Details(map[string]any{"kind": m.Kind, "message_id": m.MessageID, "attempts": m.Attempts, "error": err.Error()}),
		}
		if _, err2 := s.st.MailFailed(store, m.ID, m.Claim, err.Error(), ev); err2 != nil {
			s.log.ErrorContext(ctx, "mark mail failed", "message_id", m.MessageID, "err", err2)
		} else {
			s.log.ErrorContext(ctx, "mail given up", "kind", m.Kind, "to", m.To, "message_id", m.MessageID, "attempts", m.Attempts)
		}
		return
	}
	next := now.Add(mailRetryDelay(m.Attempts))
	if interrupted {
		next = now
	}
	if _, err2 := s.st.RetryMail(store, m.ID, m.Claim, next, err.Error()); err2 != nil {
		s.log.ErrorContext(ctx, "reschedule mail", "message_id", m.MessageID, "err", err2)
	}
}

// flushMail delivers, here and now, every message due, waiting for the
// workers' sends under way, until none is due.
func (s *Service) flushMail() {
	for {
		n := 0
		for k := s.DeliverMail(context.Background()); k > 0; k = s.DeliverMail(context.Background()) {
			n += k
		}
		s.mail.wait()
		if n == 0 {
			return
		}
	}
}

// OutboxStats returns the outbox's queue depth and oldest queued message.
func (s *Service) OutboxStats(ctx context.Context) (jedenlogin.OutboxStats, error) {
	st, err := s.st.OutboxStats(ctx)
	if err != nil {
		return st, fmt.Errorf("outbox stats: %w", err)
	}
	return st, nil
}
