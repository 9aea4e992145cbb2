package service_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/internal/smtptest"
	"jedenlogin/mail"
	"jedenlogin/service"
	"jedenlogin/store/storetest"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// clock is a fake clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// flaky is a mail.Sender that fails its first fails sends and records the
// Message-ID of every attempt.
type flaky struct {
	mu       sync.Mutex
	fails    int
	attempts []string
	sent     []string
}

func (f *flaky) Send(_ context.Context, m *mail.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts = append(f.attempts, m.MessageID)
	if f.fails != 0 {
		f.fails--
		return errors.New("mail: SMTP 192.0.2.25:587: dial failed: connection refused")
	}
	f.sent = append(f.sent, m.MessageID)
	return nil
}

// TestMailRetryBackoff: a failed attempt is retried after 1 minute, then
// after doubling waits capped at 1 hour, always with the Message-ID made
// when it was queued; a later success sends it once.
func TestMailRetryBackoff(t *testing.T) {
	st := storetest.Open(t, storetest.Backends(t)[0].NewDSN(t))
	t0 := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	clk := &clock{t: t0}
	box := &flaky{fails: 9}
	svc, err := service.New(service.Config{Store: st, Hasher: hasher, Logger: discard, Now: clk.Now, Mailer: box, MailWorkers: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	ctx := context.Background()
	svc.MailLater(ctx, mail.KindLoginRecovery, "jan@example.pl", mail.LoginRecoveryData{Link: "https://konto.example.pl/odzyskaj-login/x"})

	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour, time.Hour}
	at := t0
	for i, wait := range want {
		if n := svc.DeliverMail(ctx); n != 1 {
			t.Fatalf("attempt %d at +%v: claimed %d, want 1", i+1, at.Sub(t0), n)
		}
		clk.Set(at.Add(wait - time.Second))
		if n := svc.DeliverMail(ctx); n != 0 {
			t.Fatalf("after attempt %d: retried %v early", i+1, time.Second)
		}
		at = at.Add(wait)
		clk.Set(at)
	}
	if n := svc.DeliverMail(ctx); n != 1 {
		t.Fatalf("attempt %d: claimed %d", len(want)+1, n)
	}
	if len(box.sent) != 1 || len(box.attempts) != len(want)+1 {
		t.Fatalf("sent %d after %d attempts, want 1 after %d", len(box.sent), len(box.attempts), len(want)+1)
	}
	for _, id := range box.attempts {
		if id != box.sent[0] || !strings.HasSuffix(id, "@localhost") {
			t.Fatalf("attempts with Message-IDs %v, want one kept for all", box.attempts)
		}
	}
	m, err := st.OutboxMessage(ctx, box.sent[0])
	if err != nil {
		t.Fatal(err)
	}
	if m.State != jedenlogin.OutboxSent || m.Attempts != len(want)+1 || m.SentAt == nil || !m.SentAt.Equal(at) || m.LastError != "" {
		t.Errorf("outbox row %+v, want sent at +%v after %d attempts", m, at.Sub(t0), len(want)+1)
	}
	clk.Set(at.Add(48 * time.Hour))
	if n := svc.DeliverMail(ctx); n != 0 {
		t.Errorf("a sent message was claimed again")
	}
}

// TestMailLaterAfterClientLeft: the mail of a committed change is queued
// even when the request's context ended first (the client closed the
// connection right after the change was written) — and delivered.
func TestMailLaterAfterClientLeft(t *testing.T) {
	st := storetest.Open(t, storetest.Backends(t)[0].NewDSN(t))
	box := &flaky{}
	svc, err := service.New(service.Config{Store: st, Hasher: hasher, Logger: discard, Mailer: box, MailWorkers: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	svc.MailLater(gone, mail.KindTransitionDone, "jan@example.pl", mail.TransitionDoneData{Login: "JANKOW1", Link: "https://konto.example.pl/"})
	if n := svc.DeliverMail(context.Background()); n != 1 {
		t.Fatalf("delivered %d mails after the client left, want the one queued", n)
	}
	if len(box.sent) != 1 {
		t.Fatalf("sent %d, want 1", len(box.sent))
	}
}

// TestMailGivenUpAfterADay: a message that keeps failing is retried for 24
// hours, then marked failed and audited (mail_failed), without its body.
func TestMailGivenUpAfterADay(t *testing.T) {
	st := storetest.Open(t, storetest.Backends(t)[0].NewDSN(t))
	t0 := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	clk := &clock{t: t0}
	box := &flaky{fails: -1}
	svc, err := service.New(service.Config{Store: st, Hasher: hasher, Logger: discard, Now: clk.Now, Mailer: box, MailWorkers: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	ctx := context.Background()
	const secret = "https://konto.example.pl/reset-hasla/SEKRET"
	svc.MailLater(ctx, mail.KindPasswordReset, "jan@example.pl", mail.PasswordResetData{Login: "JANEK", Link: secret})
	for i := 0; ; i++ {
		if i > 100 {
			t.Fatal("never given up")
		}
		if n := svc.DeliverMail(ctx); n != 1 {
			t.Fatalf("attempt %d at +%v claimed %d", i+1, clk.Now().Sub(t0), n)
		}
		m, err := st.OutboxMessage(ctx, box.attempts[0])
		if err != nil {
			t.Fatal(err)
		}
		if m.State == jedenlogin.OutboxFailed {
			if age := clk.Now().Sub(t0); age < service.MailGiveUp {
				t.Fatalf("given up after %v, want at least %v", age, service.MailGiveUp)
			}
			if !strings.Contains(m.LastError, "connection refused") {
				t.Errorf("last error %q", m.LastError)
			}
			break
		}
		if m.State != jedenlogin.OutboxQueued || m.NextAttemptAt.Sub(clk.Now()) > service.MailRetryMax {
			t.Fatalf("after attempt %d: %+v", i+1, m)
		}
		if st, _ := svc.OutboxStats(ctx); st.Queued != 1 || !st.OldestQueued.Equal(t0) {
			t.Fatalf("stats %+v, want 1 queued since %v", st, t0)
		}
		clk.Set(m.NextAttemptAt)
	}
	evs, err := st.Audit(ctx, jedenlogin.AuditFilter{Action: jedenlogin.AuditMailFailed})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Outcome != "failed" || !strings.Contains(evs[0].Details, box.attempts[0]) || strings.Contains(evs[0].Details, "SEKRET") || strings.Contains(evs[0].Subject, "jan@") {
		t.Errorf("mail_failed events %+v, want one naming the Message-ID, masked address, no body", evs)
	}
	if st, _ := svc.OutboxStats(ctx); st.Queued != 0 {
		t.Errorf("a failed message still counted as queued: %+v", st)
	}
	clk.Set(clk.Now().Add(48 * time.Hour))
	if n := svc.DeliverMail(ctx); n != 0 {
		t.Error("a failed message was tried again")
	}
}

// startSink serves SMTP on addr ("127.0.0.1:0" for any port) until the
// test ends.
func startSink(t *testing.T, addr string) (*smtptest.Server, string) {
	t.Helper()
	k := smtptest.StartOn(t, addr)
	return k, k.Addr
}

// counts is how many times the server took each Message-ID.
func counts(k *smtptest.Server) map[string]int {
	out := map[string]int{}
	for _, id := range k.MessageIDs() {
		out[id]++
	}
	return out
}

func smtpSender(t *testing.T, addr string) *mail.SMTPSender {
	t.Helper()
	s, err := mail.NewSMTP("smtp://"+addr+"?starttls=none&timeout=3s", "noreply@konto.example.pl", discard)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// queueMails queues n distinct mails through svc.
func queueMails(svc *service.Service, n int) {
	for i := range n {
		svc.MailLater(context.Background(), mail.KindLoginRecovery, fmt.Sprintf("osoba%d@example.pl", i),
			mail.LoginRecoveryData{Link: fmt.Sprintf("https://konto.example.pl/odzyskaj-login/%d", i)})
	}
}

// wantEachOnce fails unless the sink got n distinct Message-IDs, each once.
func wantEachOnce(t *testing.T, k *smtptest.Server, n int) {
	t.Helper()
	got := counts(k)
	twice := 0
	for _, c := range got {
		if c != 1 {
			twice++
		}
	}
	if len(got) != n || twice != 0 {
		t.Errorf("SMTP server got %d distinct messages, %d of them more than once; want %d, each once", len(got), twice, n)
	}
}

// TestMailTwoInstances: two services on one database deliver the same
// outbox concurrently, and no message reaches the SMTP server twice.
func TestMailTwoInstances(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		dsn := b.NewDSN(t)
		k, addr := startSink(t, "127.0.0.1:0")
		var svcs []*service.Service
		for range 2 {
			svc, err := service.New(service.Config{Store: storetest.Open(t, dsn), Hasher: hasher, Logger: discard,
				Mailer: smtpSender(t, addr), MailWorkers: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer svc.Close()
			svcs = append(svcs, svc)
		}
		const n = 200
		queueMails(svcs[0], n)
		var wg sync.WaitGroup
		for _, svc := range svcs {
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for svc.DeliverMail(context.Background()) > 0 {
					}
				}()
			}
		}
		wg.Wait()
		wantEachOnce(t, k, n)
		if st, err := svcs[1].OutboxStats(context.Background()); err != nil || st.Queued != 0 {
			t.Errorf("outbox stats %+v, %v; want nothing queued", st, err)
		}
	})
}

// Environment of the crash test's child process.
const (
	envCrashDSN  = "JEDENLOGIN_TEST_OUTBOX_CRASH_DSN"
	envCrashSMTP = "JEDENLOGIN_TEST_OUTBOX_CRASH_SMTP"
)

// TestMailSurvivesKill9: 200 mails queued while the SMTP server is down,
// the process killed with SIGKILL (a real kill -9 of a child process
// running this test binary), then a fresh process with the SMTP server up
// delivers every one of them exactly once.
func TestMailSurvivesKill9(t *testing.T) {
	if os.Getenv(envCrashDSN) != "" {
		t.Skip("the child's own run")
	}
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		dsn := b.NewDSN(t)
		storetest.Open(t, dsn) // migrated before the child starts
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close() // the SMTP server is down

		const n = 200
		cmd := exec.Command(os.Args[0], "-test.run=^TestMailCrashChild$", "-test.v")
		cmd.Env = append(os.Environ(), envCrashDSN+"="+dsn, envCrashSMTP+"="+addr)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		queued := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if sc.Text() == "QUEUED" {
					queued <- true
				}
			}
			close(queued)
		}()
		select {
		case ok := <-queued:
			if !ok {
				cmd.Wait()
				t.Fatalf("the child ended before queueing: %s", stderr.String())
			}
		case <-time.After(2 * time.Minute):
			cmd.Process.Kill()
			t.Fatal("the child did not queue in time")
		}
		time.Sleep(300 * time.Millisecond) // let its workers claim and fail
		if err := cmd.Process.Signal(os.Kill); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()

		// Restart: the SMTP server up on the same address, a new process's
		// service on the same database, two hours later (retries due,
		// claims of the killed workers expired).
		k, _ := startSink(t, addr)
		later := time.Now().Add(2 * time.Hour)
		svc, err := service.New(service.Config{Store: storetest.Open(t, dsn), Hasher: hasher, Logger: discard,
			Now: func() time.Time { return later }, Mailer: smtpSender(t, addr), MailPoll: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer svc.Close()
		deadline := time.Now().Add(2 * time.Minute)
		for {
			st, err := svc.OutboxStats(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if st.Queued == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d messages still queued", st.Queued)
			}
			time.Sleep(50 * time.Millisecond)
		}
		svc.Flush()
		wantEachOnce(t, k, n)
	})
}

// TestMailCrashChild is the process TestMailSurvivesKill9 kills: it queues
// 200 mails with the SMTP server down, says so, and keeps its delivery
// workers failing until it is killed.
func TestMailCrashChild(t *testing.T) {
	dsn := os.Getenv(envCrashDSN)
	if dsn == "" {
		t.Skip("run by TestMailSurvivesKill9")
	}
	svc, err := service.New(service.Config{Store: storetest.Open(t, dsn), Hasher: hasher, Logger: discard,
		Mailer: smtpSender(t, os.Getenv(envCrashSMTP)), MailPoll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	queueMails(svc, 200)
	fmt.Println("QUEUED")
	time.Sleep(10 * time.Minute)
}
