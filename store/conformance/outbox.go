package conformance

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"jedenlogin"
)

func runOutboxTests(t *testing.T, open Opener) {
	t.Run("OutboxClaimLease", func(t *testing.T) { testOutboxClaimLease(t, open) })
	t.Run("OutboxClaimConcurrent", func(t *testing.T) { testOutboxClaimConcurrent(t, open) })
	t.Run("OutboxInTransaction", func(t *testing.T) { testOutboxInTransaction(t, open) })
}

func outboxMsg(i int, at time.Time) jedenlogin.OutboxMessage {
	return jedenlogin.OutboxMessage{MessageID: fmt.Sprintf("m%d@test", i), Kind: "login_recovery", To: fmt.Sprintf("o%d@example.pl", i),
		Subject: "Temat", Text: "treść", CreatedAt: at}
}

// testOutboxClaimLease: a claim keeps a message from others until its
// lease ends, then it is taken again; only the current claim may finish it.
func testOutboxClaimLease(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	if err := s.EnqueueMail(ctx, outboxMsg(1, t0), outboxMsg(2, t0.Add(time.Second))); err != nil {
		t.Fatal(err)
	}
	if err := s.EnqueueMail(ctx, outboxMsg(1, t0)); !errors.Is(err, jedenlogin.ErrConflict) {
		t.Errorf("a repeated Message-ID: %v, want ECONFLICT", err)
	}
	first, err := s.ClaimMail(ctx, t0.Add(time.Second), time.Minute, 10)
	if err != nil || len(first) != 2 || first[0].MessageID != "m1@test" || first[0].Attempts != 1 || first[0].Claim == "" {
		t.Fatalf("ClaimMail = %+v, %v; want both, oldest first, one attempt each", first, err)
	}
	if again, _ := s.ClaimMail(ctx, t0.Add(59*time.Second), time.Minute, 10); len(again) != 0 {
		t.Fatalf("claimed messages taken again within the lease: %+v", again)
	}
	// The first claimer sends m2 in time; m1's claimer dies.
	if ok, err := s.MailSent(ctx, first[1].ID, first[1].Claim, t0.Add(2*time.Second)); !ok || err != nil {
		t.Fatalf("MailSent = %v, %v", ok, err)
	}
	retaken, err := s.ClaimMail(ctx, t0.Add(2*time.Minute), time.Minute, 10)
	if err != nil || len(retaken) != 1 || retaken[0].ID != first[0].ID || retaken[0].Attempts != 2 || retaken[0].Claim == first[0].Claim {
		t.Fatalf("after the lease: %+v, %v; want m1 again with a new claim", retaken, err)
	}
	if ok, _ := s.MailSent(ctx, first[0].ID, first[0].Claim, t0.Add(2*time.Minute)); ok {
		t.Error("an expired claim marked the message sent")
	}
	if ok, err := s.RetryMail(ctx, retaken[0].ID, retaken[0].Claim, t0.Add(10*time.Minute), "refused"); !ok || err != nil {
		t.Fatalf("RetryMail = %v, %v", ok, err)
	}
	if st, err := s.OutboxStats(ctx); err != nil || st.Queued != 1 || !st.OldestQueued.Equal(t0) {
		t.Errorf("OutboxStats = %+v, %v; want 1 queued since t0", st, err)
	}
	last, _ := s.ClaimMail(ctx, t0.Add(10*time.Minute), time.Minute, 10)
	if len(last) != 1 {
		t.Fatalf("the retry was not due at its time: %+v", last)
	}
	ev := jedenlogin.AuditEvent{At: t0.Add(10 * time.Minute), Action: jedenlogin.AuditMailFailed, Actor: "system", Outcome: "failed"}
	if ok, err := s.MailFailed(ctx, last[0].ID, last[0].Claim, "refused again", ev); !ok || err != nil {
		t.Fatalf("MailFailed = %v, %v", ok, err)
	}
	m, err := s.OutboxMessage(ctx, "m1@test")
	if err != nil || m.State != jedenlogin.OutboxFailed || m.LastError != "refused again" || m.Attempts != 3 {
		t.Errorf("m1 = %+v, %v; want failed after 3 attempts", m, err)
	}
	if evs, _ := s.Audit(ctx, jedenlogin.AuditFilter{Action: jedenlogin.AuditMailFailed}); len(evs) != 1 {
		t.Errorf("%d mail_failed events, want 1", len(evs))
	}
	if st, _ := s.OutboxStats(ctx); st.Queued != 0 || !st.OldestQueued.IsZero() {
		t.Errorf("OutboxStats = %+v, want none queued", st)
	}
}

// testOutboxClaimConcurrent: concurrent claimers, on connections of their
// own, never get the same message.
func testOutboxClaimConcurrent(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	const n = 100
	var msgs []jedenlogin.OutboxMessage
	for i := range n {
		msgs = append(msgs, outboxMsg(i, t0))
	}
	if err := s.EnqueueMail(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.ClaimMail(ctx, t0, time.Minute, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, m := range got {
					seen[m.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for id, c := range seen {
		if c != 1 {
			t.Errorf("message %d claimed %d times", id, c)
		}
	}
	if len(seen) != n {
		t.Errorf("%d messages claimed, want %d", len(seen), n)
	}
}

// testOutboxInTransaction: mail handed to a change is written with it, and
// not at all when the change rolls back.
func testOutboxInTransaction(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	tok := &jedenlogin.Token{Kind: jedenlogin.TokenPasswordReset, Hash: "h-outbox", PersonID: 1, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := s.CreateToken(ctx, tok, nil, outboxMsg(1, t0)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OutboxMessage(ctx, "m1@test"); err != nil {
		t.Errorf("the token's mail: %v", err)
	}
	dup := *tok
	if err := s.CreateToken(ctx, &dup, nil, outboxMsg(2, t0)); !errors.Is(err, jedenlogin.ErrConflict) {
		t.Fatalf("a repeated token: %v, want ECONFLICT", err)
	}
	if _, err := s.OutboxMessage(ctx, "m2@test"); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("the mail of a token not written: %v, want ErrNotFound", err)
	}
	if err := s.UpdatePersonMail(ctx, 424242, func(*jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, []jedenlogin.OutboxMessage, error) {
		return nil, []jedenlogin.OutboxMessage{outboxMsg(3, t0)}, nil
	}); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("UpdatePersonMail of no person: %v", err)
	}
	if _, err := s.OutboxMessage(ctx, "m3@test"); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("the mail of a change not written: %v, want ErrNotFound", err)
	}
}
