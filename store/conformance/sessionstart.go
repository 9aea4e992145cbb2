package conformance

import (
	"context"
	"errors"
	"testing"
	"time"

	"jedenlogin"
)

// testStartSession checks that StartSession writes every part of a
// session's start — the cleared counter, the login's last sign-in, the
// replaced session gone, the new session, the forgiven failure, the audit
// events — and, when a part fails, none of them.
func testStartSession(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	w := seed(t, s)
	mk := func(id string, login, person int64, at time.Duration) jedenlogin.Session {
		return jedenlogin.Session{IDHash: id, LoginID: login, PersonID: person, CSRFToken: "csrf-" + id,
			CreatedAt: t0.Add(at), LastSeenAt: t0.Add(at), ExpiresAt: t0.Add(at + 12*time.Hour)}
	}
	old := mk("old", w.jankow1, w.p1, 0)
	if err := s.CreateSession(ctx, &old); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"login:JANKOW1", "login:ANNNOW1"} {
		if _, _, err := s.RecordFailure(ctx, key, t0, 15*time.Minute, 5, 15*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	event := func(actor string) jedenlogin.AuditEvent {
		return jedenlogin.AuditEvent{At: t0.Add(time.Hour), Action: jedenlogin.AuditSignIn, Actor: actor, Subject: actor, Outcome: "ok"}
	}
	auditOf := func(actor string) int {
		t.Helper()
		evs, err := s.Audit(ctx, jedenlogin.AuditFilter{Action: jedenlogin.AuditSignIn, Actor: actor})
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	failures := func(key string) int {
		t.Helper()
		th, err := s.ThrottleState(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return th.Failures
	}
	lastLogin := func(id int64) *time.Time {
		t.Helper()
		return mustPerson(t, s, w.p1).Login(id).LastLoginAt
	}

	const addr = "addr:192.0.2.9"
	for range 2 {
		if _, _, err := s.RecordFailure(ctx, addr, t0.Add(time.Hour), 15*time.Minute, 100, 15*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	forgiveAddr := jedenlogin.Forgiveness{Key: addr, Now: t0.Add(time.Hour), Window: 15 * time.Minute, Limit: 100}

	t.Run("everything", func(t *testing.T) {
		st := jedenlogin.SessionStart{
			Session:        mk("new", w.jankow1, w.p1, time.Hour),
			ReplacesIDHash: "old",
			ClearThrottle:  "login:JANKOW1",
			TouchLogin:     true,
			Audit:          []jedenlogin.AuditEvent{event("JANKOW1")},
			Forgive:        forgiveAddr,
		}
		if err := s.StartSession(ctx, st); err != nil {
			t.Fatalf("StartSession: %v", err)
		}
		got, err := s.Session(ctx, "new")
		if err != nil {
			t.Fatalf("the new session: %v", err)
		}
		sameJSON(t, "new session", got, st.Session)
		if _, err := s.Session(ctx, "old"); !errors.Is(err, jedenlogin.ErrNotFound) {
			t.Errorf("the replaced session: %v, want ErrNotFound", err)
		}
		if n := failures("login:JANKOW1"); n != 0 {
			t.Errorf("the cleared counter holds %d failures", n)
		}
		if n := failures("login:ANNNOW1"); n != 1 {
			t.Errorf("another counter holds %d failures, want 1", n)
		}
		if n := failures(addr); n != 1 {
			t.Errorf("the forgiven counter holds %d failures, want 1 of 2", n)
		}
		if at := lastLogin(w.jankow1); at == nil || !at.Equal(t0.Add(time.Hour)) {
			t.Errorf("LastLoginAt = %v, want the session's start %v", at, t0.Add(time.Hour))
		}
		if st.Audit[0].ID == 0 || auditOf("JANKOW1") != 1 {
			t.Errorf("audit event not written (id %d, %d events)", st.Audit[0].ID, auditOf("JANKOW1"))
		}
	})

	t.Run("a renewal: the session alone", func(t *testing.T) {
		if err := s.StartSession(ctx, jedenlogin.SessionStart{Session: mk("renewed", w.jankowk, w.p1, 2*time.Hour), ReplacesIDHash: "new"}); err != nil {
			t.Fatalf("StartSession: %v", err)
		}
		if _, err := s.Session(ctx, "renewed"); err != nil {
			t.Errorf("the new session: %v", err)
		}
		if _, err := s.Session(ctx, "new"); !errors.Is(err, jedenlogin.ErrNotFound) {
			t.Errorf("the replaced session: %v, want ErrNotFound", err)
		}
		if at := lastLogin(w.jankowk); at == nil || !at.Equal(t0.Add(-time.Minute)) {
			t.Errorf("LastLoginAt of a login not touched = %v, want it unchanged", at)
		}
	})

	// Each failing start holds a part of every kind; none may be written.
	for _, tc := range []struct {
		name    string
		session jedenlogin.Session
		want    func(error) bool
	}{
		{"existing session id", mk("renewed", w.ann, w.p2, 3*time.Hour),
			func(err error) bool { return jedenlogin.ErrorCode(err) == jedenlogin.ECONFLICT }},
		{"missing login", mk("ghost", 999, w.p2, 3*time.Hour),
			func(err error) bool { return errors.Is(err, jedenlogin.ErrNotFound) }},
	} {
		t.Run("nothing written: "+tc.name, func(t *testing.T) {
			replaced := mk("replaced-"+tc.name, w.ann, w.p2, 0)
			if err := s.CreateSession(ctx, &replaced); err != nil {
				t.Fatal(err)
			}
			err := s.StartSession(ctx, jedenlogin.SessionStart{
				Session: tc.session, ReplacesIDHash: replaced.IDHash, ClearThrottle: "login:ANNNOW1",
				TouchLogin: true, Audit: []jedenlogin.AuditEvent{event("ANNNOW1")}, Forgive: forgiveAddr,
			})
			if !tc.want(err) {
				t.Fatalf("StartSession = %v", err)
			}
			if _, err := s.Session(ctx, replaced.IDHash); err != nil {
				t.Errorf("the session to replace is gone: %v", err)
			}
			if n := failures("login:ANNNOW1"); n != 1 {
				t.Errorf("the counter holds %d failures, want 1 (not cleared)", n)
			}
			if n := failures(addr); n != 1 {
				t.Errorf("the address counter holds %d failures, want 1 (not forgiven)", n)
			}
			if n := auditOf("ANNNOW1"); n != 0 {
				t.Errorf("%d audit events written", n)
			}
			if at := mustPerson(t, s, w.p2).Login(w.ann).LastLoginAt; at == nil || !at.Equal(t0.Add(-time.Minute)) {
				t.Errorf("LastLoginAt = %v, want it unchanged", at)
			}
		})
	}
	if _, err := s.Session(ctx, "ghost"); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("session of a failed start: %v, want ErrNotFound", err)
	}
}
