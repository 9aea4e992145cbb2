package conformance

import (
	"context"
	"errors"
	"testing"
	"time"

	"jedenlogin"
)

// runEventTests: the changes that take audit events write the change and
// its events in one transaction — both or neither.
func runEventTests(t *testing.T, open Opener) {
	t.Run("ChangesWithEvents", func(t *testing.T) { testChangesWithEvents(t, open) })
}

func testChangesWithEvents(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	ev := func(action string) jedenlogin.AuditEvent {
		return jedenlogin.AuditEvent{At: t0, Action: action, Actor: "JANKOW1", Subject: "JANKOW1", Outcome: "ok"}
	}
	count := func(action string) int {
		t.Helper()
		evs, err := s.Audit(ctx, jedenlogin.AuditFilter{Action: action})
		if err != nil {
			t.Fatalf("Audit: %v", err)
		}
		return len(evs)
	}
	sess := &jedenlogin.Session{IDHash: "ev-a", LoginID: 10, PersonID: 1, CSRFToken: "c", CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := s.CreateSession(ctx, sess); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}

	entity := "2000"
	if err := s.TouchSession(ctx, "ev-a", t0.Add(time.Minute), &entity, ev(jedenlogin.AuditEntitySelected)); err != nil {
		t.Fatalf("TouchSession with an event: %v", err)
	}
	if got, _ := s.Session(ctx, "ev-a"); got == nil || got.EntityID != entity || count(jedenlogin.AuditEntitySelected) != 1 {
		t.Errorf("TouchSession with an event: session %+v, %d events; want the entity and 1 event", got, count(jedenlogin.AuditEntitySelected))
	}
	if err := s.TouchSession(ctx, "ev-missing", t0, &entity, ev(jedenlogin.AuditEntitySelected)); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("TouchSession(missing) = %v, want ErrNotFound", err)
	}
	if n := count(jedenlogin.AuditEntitySelected); n != 1 {
		t.Errorf("a TouchSession that failed wrote its event: %d events, want 1", n)
	}

	if err := s.DeleteSession(ctx, "ev-a", ev(jedenlogin.AuditSignOut)); err != nil {
		t.Fatalf("DeleteSession with an event: %v", err)
	}
	if _, err := s.Session(ctx, "ev-a"); !errors.Is(err, jedenlogin.ErrNotFound) || count(jedenlogin.AuditSignOut) != 1 {
		t.Errorf("DeleteSession with an event: session %v, %d events; want it gone and 1 event", err, count(jedenlogin.AuditSignOut))
	}

	tok := &jedenlogin.Token{Kind: jedenlogin.TokenEmailVerify, Hash: "ev-token", PersonID: 1, LoginID: 10, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := s.CreateToken(ctx, tok, []jedenlogin.AuditEvent{ev(jedenlogin.AuditContactChanged)}); err != nil {
		t.Fatalf("CreateToken with an event: %v", err)
	}
	dup := *tok
	if err := s.CreateToken(ctx, &dup, []jedenlogin.AuditEvent{ev(jedenlogin.AuditContactChanged)}); jedenlogin.ErrorCode(err) != jedenlogin.ECONFLICT {
		t.Errorf("CreateToken(duplicate) = %v, want a conflict", err)
	}
	if n := count(jedenlogin.AuditContactChanged); n != 1 {
		t.Errorf("CreateToken with events: %d events, want 1 (the refused duplicate writes none)", n)
	}
}
