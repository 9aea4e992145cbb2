package notice

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"jedenlogin"
	"jedenlogin/mail"
)

// Campaign is one run of a notice campaign. Fill the fields and call Run.
type Campaign struct {
	Store  jedenlogin.Store
	Sender mail.Sender
	// Outbox is the directory Sender writes into when it is a mail.Outbox,
	// "" for SMTP: with it, an unconfirmed claim left by a killed run is
	// resolved exactly (see the package doc).
	Outbox string
	// Name names the campaign (letters, digits, '.', '-', '_'; at most 64):
	// a person gets at most one notice per name.
	Name string
	// Domain is the domain of the notices' Message-IDs (the sender's).
	Domain string
	Cases  []jedenlogin.Case // empty: every case that has something to do
	// Rate is the most messages per second; 0 is unlimited.
	Rate float64
	// DryRun writes every notice that would be sent to Outbox (Sender must
	// write there) and records nothing: no claims, no audit, no lease.
	DryRun   bool
	Deadline time.Time // the last day to act, shown in the notices
	HelpURL  string
	// LeaseTTL bounds how long a killed run keeps the campaign from a new
	// one (default 15 s); the lease is renewed every third of it.
	LeaseTTL time.Duration
	// Progress, when set, is called after each notice with how many of
	// total are done (sent, failed or found delivered).
	Progress func(done, total int)
	// Waiting, when set, is called once when another run holds the
	// campaign and this one waits for it.
	Waiting func(ttl time.Duration)
	Now     func() time.Time
}

// Summary is what a run did.
type Summary struct {
	Campaign string
	Persons  int // walked
	// Sent are the notices handed to the mail system by this run; Resent
	// of them were claimed by a killed run and found undelivered.
	Sent, Resent int
	// Recovered are claims of a killed run found delivered (outbox).
	Recovered int
	// AlreadySent are persons a previous run notified.
	AlreadySent int
	// Skipped counts the persons without a notice, by reason.
	Skipped map[Skip]int
	// Gone are persons claimed by no one because they finished the
	// transition between the walk and their claim.
	Gone int
	// Uncertain are notices whose delivery a killed run left unknown
	// (SMTP): never re-sent, for the operator to check.
	Uncertain []jedenlogin.NoticeSend
	// Failed are the notices the mail system refused in this run; a later
	// run retries them.
	Failed []jedenlogin.NoticeSend
	// Planned is how many notices this run set out to send.
	Planned  int
	Duration time.Duration
}

var campaignName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// ErrLeaseLost: the run could not renew its hold on the campaign in time
// and stopped before the next hand-over; run it again.
var ErrLeaseLost = errors.New("notice: lost the campaign lease (database too slow or unreachable); stopped before the next notice")

// item is one notice to hand over.
type item struct {
	Notice
	messageID string
	resend    bool // claimed by a killed run, not delivered: already claimed
}

// Run walks every person, sends the notices the campaign still owes, and
// returns what it did. It returns an error when the options are invalid,
// the store fails, the lease is lost, or ctx ends; the summary so far
// comes with it. Notices the mail system refuses are not an error: they
// are in Summary.Failed (after ten refusals in a row Run stops with an
// error, as the mail system is then likely down).
func (c *Campaign) Run(ctx context.Context) (*Summary, error) {
	if !campaignName.MatchString(c.Name) {
		return nil, fmt.Errorf("notice: campaign name %q: use 1–64 letters, digits, '.', '-' or '_'", c.Name)
	}
	if c.Domain == "" {
		return nil, errors.New("notice: no Message-ID domain")
	}
	if c.DryRun && c.Outbox == "" {
		return nil, errors.New("notice: a dry run writes to an outbox directory; give one")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = 15 * time.Second
	}
	start := c.Now()
	sum := &Summary{Campaign: c.Name, Skipped: map[Skip]int{}}
	defer func() { sum.Duration = c.Now().Sub(start) }()

	var lease *lease
	if !c.DryRun {
		var err error
		if lease, err = c.acquire(ctx); err != nil {
			return sum, err
		}
		defer lease.release()
		if err := c.audit(ctx, jedenlogin.AuditNoticeCampaignStarted, "ok", nil); err != nil {
			return sum, err
		}
	}
	err := c.run(ctx, sum, lease)
	if !c.DryRun {
		outcome := "ok"
		if err != nil {
			outcome = "interrupted"
		}
		// The finish is recorded also when ctx ended (Ctrl-C).
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		aerr := c.audit(actx, jedenlogin.AuditNoticeCampaignFinished, outcome, sum)
		cancel()
		if err == nil {
			err = aerr
		}
	}
	return sum, err
}

func (c *Campaign) run(ctx context.Context, sum *Summary, lease *lease) error {
	rows, err := c.Store.NoticeSends(ctx, c.Name)
	if err != nil {
		return err
	}
	prior := make(map[int64]jedenlogin.NoticeSend, len(rows))
	for _, r := range rows {
		prior[r.PersonID] = r
	}
	if !c.DryRun {
		if err := c.resolve(ctx, sum, prior); err != nil {
			return err
		}
	}

	var work []item
	err = c.Store.ForEachPerson(ctx, func(rec *jedenlogin.PersonRecord) error {
		sum.Persons++
		p, had := prior[rec.Person.ID]
		if had {
			switch p.State {
			case jedenlogin.NoticeSent:
				sum.AlreadySent++
				return nil
			case jedenlogin.NoticeUncertain:
				sum.Uncertain = append(sum.Uncertain, p)
				return nil
			}
		}
		n, skip := Build(rec, c.Cases, c.Deadline, c.HelpURL)
		if had && p.State == jedenlogin.NoticeClaimed {
			// Claimed by a killed run and not delivered: it is ours to
			// send, with the Message-ID and address recorded.
			if skip != SkipNone {
				n, _ = Build(rec, nil, c.Deadline, c.HelpURL)
			}
			n.PersonID, n.Email, n.Case = rec.Person.ID, p.Email, p.Case
			if n.Data.Case == "" {
				// The person left every case with a notice meanwhile
				// (e.g. finished the transition): nothing to say.
				return nil
			}
			work = append(work, item{Notice: n, messageID: p.MessageID, resend: true})
			return nil
		}
		if skip != SkipNone {
			sum.Skipped[skip]++
			return nil
		}
		work = append(work, item{Notice: n})
		return nil
	})
	if err != nil {
		return err
	}
	sum.Planned = len(work)
	return c.send(ctx, sum, lease, work)
}

// resolve settles the claims a killed run left unconfirmed (package doc).
func (c *Campaign) resolve(ctx context.Context, sum *Summary, prior map[int64]jedenlogin.NoticeSend) error {
	var claimed []jedenlogin.NoticeSend
	for _, r := range prior {
		if r.State == jedenlogin.NoticeClaimed {
			claimed = append(claimed, r)
		}
	}
	if len(claimed) == 0 {
		return nil
	}
	now := c.Now()
	if c.Outbox == "" {
		for i := range claimed {
			claimed[i].State, claimed[i].At = jedenlogin.NoticeUncertain, now
		}
		if _, err := c.Store.SetNoticeStates(ctx, c.Name, jedenlogin.NoticeClaimed, claimed); err != nil {
			return err
		}
		for _, r := range claimed {
			prior[r.PersonID] = r
		}
		return nil
	}
	files, err := mail.OutboxMessageIDs(c.Outbox)
	if err != nil {
		return err
	}
	var delivered []jedenlogin.NoticeSend
	for _, r := range claimed {
		if _, ok := files[r.MessageID]; ok {
			r.State, r.At = jedenlogin.NoticeSent, now
			delivered = append(delivered, r)
			prior[r.PersonID] = r
		}
	}
	if _, err := c.Store.SetNoticeStates(ctx, c.Name, jedenlogin.NoticeClaimed, delivered); err != nil {
		return err
	}
	sum.Recovered = len(delivered)
	return nil
}

// batchSize is how many notices one claim covers: over SMTP one, so a
// crash leaves at most one notice uncertain; into an outbox many, as
// every claim there is resolved exactly.
func (c *Campaign) batchSize() int {
	if c.Outbox == "" {
		return 1
	}
	return 256
}

// workers is how many notices are rendered and handed over at once: one
// per CPU into an outbox (more only queue on the directory's lock in the
// kernel, which spins and burns CPU: measured, 8 writers on 2 CPUs spent
// 40% of the run creating files); SMTP sends one by one.
func (c *Campaign) workers() int {
	if c.Outbox == "" {
		return 1
	}
	return min(max(runtime.GOMAXPROCS(0), 1), 8)
}

// deferredSender is a Sender that can hand messages over without making
// each durable at once, and make all of them durable with one Sync
// (mail.Outbox): the campaign syncs once per batch, before it records the
// batch as sent.
type deferredSender interface {
	SendDeferred(ctx context.Context, m *mail.Message) error
	Sync() error
}

// parallel calls fn(i) for i in [0, n) on up to workers goroutines and
// returns the first error.
func parallel(workers, n int, fn func(i int) error) error {
	if workers <= 1 || n <= 1 {
		for i := range n {
			if err := fn(i); err != nil {
				return err
			}
		}
		return nil
	}
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					next.Store(int64(n)) // stop handing out work
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

func (c *Campaign) send(ctx context.Context, sum *Summary, lease *lease, work []item) error {
	limiter := newLimiter(c.Rate, c.Now)
	var (
		mu           sync.Mutex // guards sum, done, refusedInRow
		done         int
		refusedInRow int
	)
	for len(work) > 0 {
		batch := work[:min(c.batchSize(), len(work))]
		work = work[len(batch):]

		// Render first: a notice that cannot be rendered is never claimed.
		msgs := make([]*mail.Message, len(batch))
		if err := parallel(c.workers(), len(batch), func(i int) error {
			m, err := mail.Render(mail.KindTransitionNotice, batch[i].Data)
			if err != nil {
				return fmt.Errorf("notice for person %d: %w", batch[i].PersonID, err)
			}
			msgs[i] = m
			return nil
		}); err != nil {
			return err
		}
		if !c.DryRun {
			var claims []jedenlogin.NoticeSend
			var idx []int
			now := c.Now()
			for i := range batch {
				if batch[i].resend {
					continue
				}
				batch[i].messageID = c.messageID(batch[i].PersonID)
				claims = append(claims, jedenlogin.NoticeSend{Campaign: c.Name, PersonID: batch[i].PersonID,
					MessageID: batch[i].messageID, Email: batch[i].Email, Case: batch[i].Case, At: now})
				idx = append(idx, i)
			}
			ok, err := c.Store.ClaimNotices(ctx, claims)
			if err != nil {
				return err
			}
			for k, i := range idx {
				if !ok[k] {
					msgs[i] = nil // finished the transition meanwhile
					sum.Gone++
				}
			}
		} else {
			for i := range batch {
				batch[i].messageID = "dry-run." + c.messageID(batch[i].PersonID)
			}
		}

		// Hand over; rows[i] is set for every notice handed over or refused.
		rows := make([]*jedenlogin.NoticeSend, len(batch))
		err := parallel(c.workers(), len(batch), func(i int) error {
			m := msgs[i]
			if m == nil {
				return nil
			}
			if err := limiter.wait(ctx); err != nil {
				return err
			}
			if lease != nil && !lease.valid() {
				return ErrLeaseLost
			}
			it := &batch[i]
			m.To, m.MessageID = []string{it.Email}, it.messageID
			row := jedenlogin.NoticeSend{Campaign: c.Name, PersonID: it.PersonID, MessageID: it.messageID,
				Email: it.Email, Case: it.Case}
			var serr error
			if ds, ok := c.Sender.(deferredSender); ok {
				serr = ds.SendDeferred(ctx, m)
			} else {
				serr = c.Sender.Send(ctx, m)
			}
			if serr != nil && ctx.Err() != nil {
				// Cancelled mid-send: the claim stays unconfirmed and the
				// next run resolves it.
				return ctx.Err()
			}
			mu.Lock()
			defer mu.Unlock()
			if serr != nil {
				row.State, row.At, row.Error = jedenlogin.NoticeFailed, c.Now(), serr.Error()
				sum.Failed = append(sum.Failed, row)
				refusedInRow++
			} else {
				row.State, row.At = jedenlogin.NoticeSent, c.Now()
				sum.Sent++
				if it.resend {
					sum.Resent++
				}
				refusedInRow = 0
			}
			rows[i] = &row
			done++
			if c.Progress != nil {
				c.Progress(done, sum.Planned)
			}
			if refusedInRow >= 10 {
				return fmt.Errorf("notice: the mail system refused %d notices in a row, the last: %s", refusedInRow, row.Error)
			}
			return nil
		})
		var confirm []jedenlogin.NoticeSend
		for _, r := range rows {
			if r != nil {
				confirm = append(confirm, *r)
			}
		}
		// Durable before recorded as sent: a notice the store calls sent is
		// in the outbox even after a crash of the machine. Should the sync
		// fail, the claims stay unconfirmed and the next run finds the
		// files (or sends again what is missing).
		if ds, ok := c.Sender.(deferredSender); ok {
			if serr := ds.Sync(); serr != nil {
				return errors.Join(err, serr)
			}
		}
		if cerr := c.confirm(ctx, confirm); err != nil || cerr != nil {
			return errors.Join(err, cerr)
		}
	}
	return nil
}

// confirm records the outcome of handed-over notices (not in a dry run).
func (c *Campaign) confirm(ctx context.Context, rows []jedenlogin.NoticeSend) error {
	if c.DryRun || len(rows) == 0 {
		return nil
	}
	// Recorded also after ctx ended: they were handed over.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, err := c.Store.SetNoticeStates(ctx, c.Name, jedenlogin.NoticeClaimed, rows)
	return err
}

// messageID returns a new Message-ID naming the campaign and the person.
func (c *Campaign) messageID(personID int64) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return fmt.Sprintf("notice.%s.%d.%s@%s", c.Name, personID, hex.EncodeToString(b), c.Domain)
}

// audit appends a campaign start or finish event.
func (c *Campaign) audit(ctx context.Context, action, outcome string, sum *Summary) error {
	d := map[string]any{"campaign": c.Name, "deadline": c.Deadline.Format(time.DateOnly), "cases": c.Cases,
		"rate": c.Rate, "outbox": c.Outbox != ""}
	if sum != nil {
		d["sent"], d["resent"], d["recovered"], d["already_sent"] = sum.Sent, sum.Resent, sum.Recovered, sum.AlreadySent
		d["failed"], d["uncertain"], d["skipped"], d["persons"] = len(sum.Failed), len(sum.Uncertain), sum.Skipped, sum.Persons
	}
	js, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return c.Store.AppendAudit(ctx, jedenlogin.AuditEvent{At: c.Now(), Action: action, Actor: "cli",
		Subject: "campaign:" + c.Name, Outcome: outcome, Details: string(js)})
}

// lease is the run's hold on the campaign, renewed in the background.
type lease struct {
	until   atomic.Int64 // unix nanoseconds: valid before this, by this process's clock
	stop    context.CancelFunc
	done    chan struct{}
	release func()
}

func (l *lease) valid() bool { return time.Now().UnixNano() < l.until.Load() }

// acquire takes the campaign's lease, waiting while another run holds it.
func (c *Campaign) acquire(ctx context.Context) (*lease, error) {
	key := "notice:" + c.Name
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	holder := hex.EncodeToString(b)
	l := &lease{done: make(chan struct{})}
	take := func(ctx context.Context) (bool, error) {
		t := time.Now()
		ok, err := c.Store.AcquireLease(ctx, key, holder, t, c.LeaseTTL)
		if ok {
			// A margin of a tenth: stop sending a little before the
			// database would let another run in.
			l.until.Store(t.Add(c.LeaseTTL - c.LeaseTTL/10).UnixNano())
		}
		return ok, err
	}
	waited := false
	for {
		ok, err := take(ctx)
		if err != nil {
			return nil, err
		}
		if ok {
			break
		}
		if !waited && c.Waiting != nil {
			c.Waiting(c.LeaseTTL)
		}
		waited = true
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(c.LeaseTTL / 10):
		}
	}
	rctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	l.stop = stop
	go func() {
		defer close(l.done)
		t := time.NewTicker(c.LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-rctx.Done():
				return
			case <-t.C:
				if ok, err := take(rctx); err != nil || !ok {
					l.until.Store(0)
					return
				}
			}
		}
	}()
	l.release = func() {
		stop()
		<-l.done
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Store.ReleaseLease(ctx, key, holder)
	}
	return l, nil
}

// limiter spaces hand-overs rate per second apart; rate 0 does not wait.
// The workers share it.
type limiter struct {
	every time.Duration
	now   func() time.Time
	mu    sync.Mutex
	next  time.Time
}

func newLimiter(rate float64, now func() time.Time) *limiter {
	l := &limiter{now: now}
	if rate > 0 {
		l.every = time.Duration(float64(time.Second) / rate)
	}
	return l
}

func (l *limiter) wait(ctx context.Context) error {
	if l.every == 0 {
		return ctx.Err()
	}
	// Each caller takes the next slot under the lock, then waits for it.
	l.mu.Lock()
	now := l.now()
	if l.next.IsZero() || l.next.Before(now) {
		l.next = now
	}
	d := l.next.Sub(now)
	l.next = l.next.Add(l.every)
	l.mu.Unlock()
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
