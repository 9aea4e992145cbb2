package conformance

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jedenlogin"
)

func runMFATests(t *testing.T, open Opener) {
	t.Run("MFATOTP", func(t *testing.T) { testMFATOTP(t, open) })
	t.Run("MFARecoveryCodes", func(t *testing.T) { testMFARecoveryCodes(t, open) })
	t.Run("MFAPasskeys", func(t *testing.T) { testMFAPasskeys(t, open) })
	t.Run("MFASessionState", func(t *testing.T) { testMFASessionState(t, open) })
}

func mfaAudit(action, outcome string, pid int64) jedenlogin.AuditEvent {
	return jedenlogin.AuditEvent{At: t0, Action: action, Actor: "jan", PersonID: &pid, Subject: "jan", Outcome: outcome, Details: "{}"}
}

// wantHasMFA checks HasMFA against MFAFactors(…).Any().
func wantHasMFA(t *testing.T, s jedenlogin.Store, pid int64, want bool) {
	t.Helper()
	f, err := s.MFAFactors(context.Background(), pid)
	if err != nil || f.Any() != want {
		t.Fatalf("MFAFactors(%d) = %+v, %v; want Any %v", pid, f, err, want)
	}
	if has, err := s.HasMFA(context.Background(), pid); has != want || err != nil {
		t.Errorf("HasMFA(%d) = %v, %v; want %v", pid, has, err, want)
	}
}

func auditCount(t *testing.T, s jedenlogin.Store, action, outcome string) int {
	t.Helper()
	evs, err := s.Audit(context.Background(), jedenlogin.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	n := 0
	for _, e := range evs {
		if e.Outcome == outcome {
			n++
		}
	}
	return n
}

// testMFATOTP: an unconfirmed secret is replaced by a new one, confirmed
// once (with its code's step), then refuses a new secret; a step is used at
// most once, also by concurrent callers; deleting removes it.
func testMFATOTP(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	const pid = 7
	f, err := s.MFAFactors(ctx, pid)
	if err != nil || f.TOTP != nil || f.RecoveryCodesLeft != 0 || len(f.Credentials) != 0 || f.Any() {
		t.Fatalf("MFAFactors of a person without factors = %+v, %v", f, err)
	}
	if err := s.BeginTOTP(ctx, pid, "FIRSTSECRET", t0); err != nil {
		t.Fatalf("BeginTOTP: %v", err)
	}
	wantHasMFA(t, s, pid, false)
	if err := s.BeginTOTP(ctx, pid, "SECONDSECRET", t0.Add(time.Minute)); err != nil {
		t.Fatalf("BeginTOTP replacing an unconfirmed secret: %v", err)
	}
	wantHasMFA(t, s, pid, false) // not confirmed yet
	if ok, err := s.UseTOTPStep(ctx, pid, 100); ok || err != nil {
		t.Fatalf("UseTOTPStep before confirmation = %v, %v; want false", ok, err)
	}
	if ok, err := s.ConfirmTOTP(ctx, pid, "FIRSTSECRET", 100, nil, t0); ok || err != nil {
		t.Fatalf("ConfirmTOTP of the replaced secret = %v, %v; want false", ok, err)
	}
	ok, err := s.ConfirmTOTP(ctx, pid, "SECONDSECRET", 100, []string{"h1", "h2"}, t0.Add(2*time.Minute), mfaAudit(jedenlogin.AuditMFAChanged, "totp_enrolled", pid))
	if !ok || err != nil {
		t.Fatalf("ConfirmTOTP = %v, %v", ok, err)
	}
	if ok, err := s.ConfirmTOTP(ctx, pid, "SECONDSECRET", 101, nil, t0); ok || err != nil {
		t.Fatalf("second ConfirmTOTP = %v, %v; want false", ok, err)
	}
	if n := auditCount(t, s, jedenlogin.AuditMFAChanged, "totp_enrolled"); n != 1 {
		t.Errorf("%d enrolment events, want 1", n)
	}
	f, err = s.MFAFactors(ctx, pid)
	if err != nil || f.TOTP == nil || !f.TOTP.Confirmed || f.TOTP.Secret != "SECONDSECRET" || f.TOTP.LastStep != 100 ||
		f.TOTP.ConfirmedAt == nil || !f.TOTP.ConfirmedAt.Equal(t0.Add(2*time.Minute)) || f.RecoveryCodesLeft != 2 || !f.Any() {
		t.Fatalf("MFAFactors after confirmation = %+v (TOTP %+v), %v", f, f.TOTP, err)
	}
	wantHasMFA(t, s, pid, true)
	wantHasMFA(t, s, pid+1, false) // another person's factor is not theirs
	if err := s.BeginTOTP(ctx, pid, "THIRD", t0); !errors.Is(err, jedenlogin.ErrConflict) {
		t.Fatalf("BeginTOTP over a confirmed secret = %v, want ErrConflict", err)
	}
	for _, step := range []int64{100, 99} {
		if ok, err := s.UseTOTPStep(ctx, pid, step); ok || err != nil {
			t.Errorf("UseTOTPStep(%d) after step 100 = %v, %v; want false", step, ok, err)
		}
	}
	// Twenty concurrent uses of one step: exactly one wins.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.UseTOTPStep(ctx, pid, 101)
			if err != nil {
				t.Errorf("UseTOTPStep: %v", err)
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d of 20 concurrent uses of one step won, want 1", wins.Load())
	}
	if removed, err := s.DeleteMFA(ctx, pid, jedenlogin.MFAReset{TOTP: true}); !removed || err != nil {
		t.Fatalf("DeleteMFA = %v, %v", removed, err)
	}
	f, err = s.MFAFactors(ctx, pid)
	if err != nil || f.TOTP != nil || f.RecoveryCodesLeft != 2 {
		t.Fatalf("after deleting the TOTP only: %+v, %v", f, err)
	}
	wantHasMFA(t, s, pid, false) // recovery codes alone sign no one in
	if removed, err := s.DeleteMFA(ctx, pid, jedenlogin.MFAReset{TOTP: true}); removed || err != nil {
		t.Fatalf("DeleteMFA of nothing = %v, %v", removed, err)
	}
}

// testMFARecoveryCodes: a code is used once, also by concurrent callers;
// only the person's own codes count; replacing drops the old ones.
func testMFARecoveryCodes(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	if err := s.ReplaceRecoveryCodes(ctx, 1, []string{"a", "b", "c"}, t0, mfaAudit(jedenlogin.AuditMFAChanged, "recovery_codes", 1)); err != nil {
		t.Fatalf("ReplaceRecoveryCodes: %v", err)
	}
	if err := s.ReplaceRecoveryCodes(ctx, 2, []string{"a"}, t0); err != nil {
		t.Fatalf("ReplaceRecoveryCodes: %v", err)
	}
	if ok, err := s.UseRecoveryCode(ctx, 1, "zzz", t0); ok || err != nil {
		t.Errorf("UseRecoveryCode(unknown) = %v, %v", ok, err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := s.UseRecoveryCode(ctx, 1, "a", t0); err != nil {
				t.Errorf("UseRecoveryCode: %v", err)
			} else if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d of 10 concurrent uses of one recovery code won, want 1", wins.Load())
	}
	f, _ := s.MFAFactors(ctx, 1)
	if f.RecoveryCodesLeft != 2 {
		t.Errorf("RecoveryCodesLeft = %d, want 2", f.RecoveryCodesLeft)
	}
	if f, _ := s.MFAFactors(ctx, 2); f.RecoveryCodesLeft != 1 {
		t.Errorf("another person's code was used: RecoveryCodesLeft = %d, want 1", f.RecoveryCodesLeft)
	}
	if err := s.ReplaceRecoveryCodes(ctx, 1, []string{"x"}, t0); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.UseRecoveryCode(ctx, 1, "b", t0); ok {
		t.Error("a replaced recovery code was accepted")
	}
	if ok, _ := s.UseRecoveryCode(ctx, 1, "x", t0); !ok {
		t.Error("the new recovery code was refused")
	}
}

// testMFAPasskeys: passkeys are stored and listed per person, their ids
// unique, their use recorded, and removed only by their person.
func testMFAPasskeys(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	c1 := &jedenlogin.WebAuthnCredential{ID: []byte{0, 1, 2, 0xff}, PersonID: 1, PublicKey: []byte{9, 8, 7}, SignCount: 3, Name: "Klucz USB", Data: []byte(`{"x":1}`), CreatedAt: t0}
	c2 := &jedenlogin.WebAuthnCredential{ID: []byte{5}, PersonID: 1, PublicKey: []byte{1}, Name: "Telefon", Data: []byte(`{}`), CreatedAt: t0.Add(time.Minute)}
	for _, c := range []*jedenlogin.WebAuthnCredential{c1, c2} {
		if err := s.AddWebAuthnCredential(ctx, c, mfaAudit(jedenlogin.AuditMFAChanged, "passkey_added", 1)); err != nil {
			t.Fatalf("AddWebAuthnCredential: %v", err)
		}
	}
	dup := *c1
	dup.PersonID = 2
	if err := s.AddWebAuthnCredential(ctx, &dup); !errors.Is(err, jedenlogin.ErrConflict) {
		t.Fatalf("AddWebAuthnCredential with an existing id = %v, want ErrConflict", err)
	}
	if err := s.UseWebAuthnCredential(ctx, 1, c1.ID, 9, []byte(`{"x":2}`), t0.Add(time.Hour)); err != nil {
		t.Fatalf("UseWebAuthnCredential: %v", err)
	}
	if err := s.UseWebAuthnCredential(ctx, 2, c1.ID, 10, nil, t0); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("UseWebAuthnCredential of another person's passkey = %v, want ErrNotFound", err)
	}
	f, err := s.MFAFactors(ctx, 1)
	if err != nil || len(f.Credentials) != 2 || !f.Any() {
		t.Fatalf("MFAFactors = %+v, %v", f, err)
	}
	wantHasMFA(t, s, 1, true)
	wantHasMFA(t, s, 2, false)
	g := f.Credentials[0]
	if !bytes.Equal(g.ID, c1.ID) || !bytes.Equal(g.PublicKey, c1.PublicKey) || g.SignCount != 9 || g.Name != "Klucz USB" ||
		string(g.Data) != `{"x":2}` || !g.CreatedAt.Equal(t0) || g.LastUsedAt == nil || !g.LastUsedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("first passkey = %+v", g)
	}
	if f.Credentials[1].Name != "Telefon" || f.Credentials[1].LastUsedAt != nil {
		t.Errorf("second passkey = %+v", f.Credentials[1])
	}
	if err := s.DeleteWebAuthnCredential(ctx, 2, c2.ID); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("DeleteWebAuthnCredential by another person = %v, want ErrNotFound", err)
	}
	if err := s.DeleteWebAuthnCredential(ctx, 1, c2.ID, mfaAudit(jedenlogin.AuditMFAChanged, "passkey_removed", 1)); err != nil {
		t.Fatalf("DeleteWebAuthnCredential: %v", err)
	}
	if n := auditCount(t, s, jedenlogin.AuditMFAChanged, "passkey_removed"); n != 1 {
		t.Errorf("%d removal events, want 1", n)
	}
	if removed, err := s.DeleteMFA(ctx, 1, jedenlogin.MFAReset{TOTP: true, RecoveryCodes: true, Credentials: true}); !removed || err != nil {
		t.Fatalf("DeleteMFA = %v, %v", removed, err)
	}
	if f, _ := s.MFAFactors(ctx, 1); f.Any() || len(f.Credentials) != 0 {
		t.Errorf("after a reset: %+v", f)
	}
	wantHasMFA(t, s, 1, false)
}

// testMFASessionState: a session keeps its second-factor state and
// methods through every read.
func testMFASessionState(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	w := seed(t, s)
	ss := jedenlogin.Session{IDHash: "mfa", LoginID: w.jankow1, PersonID: w.p1, CSRFToken: "c", EntityID: "1000",
		CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour), MFA: jedenlogin.MFAPending, AMR: []string{"pwd"}}
	if err := s.StartSession(ctx, jedenlogin.SessionStart{Session: ss}); err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	got, err := s.Session(ctx, "mfa")
	if err != nil || got.MFA != jedenlogin.MFAPending || len(got.AMR) != 1 || got.AMR[0] != "pwd" {
		t.Fatalf("Session = %+v, %v", got, err)
	}
	v, err := s.SessionView(ctx, "mfa")
	if err != nil || v.Session.MFA != jedenlogin.MFAPending || len(v.Session.AMR) != 1 || v.Session.EntityID != "1000" || v.Session.CSRFToken != "c" {
		t.Fatalf("SessionView = %+v, %v", v, err)
	}
	ss2 := ss
	ss2.IDHash, ss2.MFA, ss2.AMR = "mfa2", jedenlogin.MFADone, []string{"pwd", "otp"}
	if err := s.StartSession(ctx, jedenlogin.SessionStart{Session: ss2, ReplacesIDHash: "mfa"}); err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	v, err = s.SessionView(ctx, "mfa2")
	if err != nil || v.Session.MFA != jedenlogin.MFADone || jedenlogin.JoinAMR(v.Session.AMR) != "pwd otp" {
		t.Fatalf("SessionView of the renewed session = %+v, %v", v.Session, err)
	}
}
