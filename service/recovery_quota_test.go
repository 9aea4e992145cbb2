package service_test

import (
	"context"
	"testing"

	"jedenlogin"
	"jedenlogin/service"
)

// mailsTo counts the messages the fixture's mailer got for to.
func (o *outbox) mailsTo(to string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, m := range o.msgs {
		if m.To[0] == to {
			n++
		}
	}
	return n
}

// TestRecoveryQuotaNotSpentByWrongData: requests naming JANEK's PESEL or
// login with data that does not match do not use up his hourly quota; his
// own request afterwards still sends the link (issue 13, finding 4).
func TestRecoveryQuotaNotSpentByWrongData(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	wrongPW := jedenlogin.PasswordRecoveryRequest{Login: "JANEK", FirstName: "Ktoś", LastName: "Inny", PESEL: peselJanek, Email: "zly@example.pl"}
	wrongLogin := jedenlogin.LoginRecoveryRequest{FirstName: "Ktoś", LastName: "Inny", PESEL: peselJanek, Email: "zly@example.pl"}
	for i := range service.RecoveryTargetLimit + 2 {
		if err := f.svc.Recovery.RequestPasswordRecovery(ctx, wrongPW, "198.51.100.1"); err != nil {
			t.Fatalf("wrong password request %d: %v", i+1, err)
		}
		if err := f.svc.Recovery.RequestLoginRecovery(ctx, wrongLogin, "198.51.100.2"); err != nil {
			t.Fatalf("wrong login request %d: %v", i+1, err)
		}
	}
	f.svc.Flush()
	if n := f.mail.mailsTo("jan@example.pl") + f.mail.mailsTo("zly@example.pl"); n != 0 {
		t.Fatalf("wrong data sent %d mails", n)
	}
	pw := jedenlogin.PasswordRecoveryRequest{Login: "JANEK", FirstName: "Jan", LastName: "Kowalski", PESEL: peselJanek, Email: "jan@example.pl"}
	lr := jedenlogin.LoginRecoveryRequest{FirstName: "Jan", LastName: "Kowalski", PESEL: peselJanek, Email: "jan@example.pl"}
	if err := f.svc.Recovery.RequestPasswordRecovery(ctx, pw, "192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Recovery.RequestLoginRecovery(ctx, lr, "192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	f.svc.Flush()
	if n := f.mail.mailsTo("jan@example.pl"); n != 2 {
		t.Errorf("JANEK's own requests sent %d mails after strangers' wrong tries, want 2 (reset and login links)", n)
	}
	// His own quota still holds: RecoveryTargetLimit matching requests.
	for range service.RecoveryTargetLimit {
		if err := f.svc.Recovery.RequestPasswordRecovery(ctx, pw, "192.0.2.10"); err != nil {
			t.Fatal(err)
		}
	}
	f.svc.Flush()
	if n := f.mail.mailsTo("jan@example.pl"); n != 2+service.RecoveryTargetLimit-1 {
		t.Errorf("%d mails after %d matching password requests, want %d: the quota is %d", n, service.RecoveryTargetLimit+1, 1+service.RecoveryTargetLimit, service.RecoveryTargetLimit)
	}
}

// TestPasswordChangeEndsLinks: a reset or login recovery link mailed
// before the password changes — by a normal change or by another reset
// link — no longer works afterwards (issue 13, finding 7).
func TestPasswordChangeEndsLinks(t *testing.T) {
	ctx := context.Background()
	t.Run("change", func(t *testing.T) {
		f := newFixture(t)
		reset := f.token(t, jedenlogin.TokenPasswordReset, "JANEK")
		login := f.token(t, jedenlogin.TokenLoginRecovery, "JANEK")
		if err := f.svc.Accounts.ChangePassword(ctx, f.caller(t, "JANEK"), jedenlogin.PasswordChange{Current: pwJanek, New: newPassword}); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Recovery.PasswordResetLink(ctx, reset)
		wantCode(t, err, jedenlogin.CodeLinkExpired)
		_, err = f.svc.Recovery.ResetPassword(ctx, reset, newPassword+"X", "192.0.2.8")
		wantCode(t, err, jedenlogin.CodeLinkExpired)
		wantCode(t, f.svc.Recovery.LoginRecoveryLink(ctx, login), jedenlogin.CodeLinkExpired)
	})
	t.Run("reset", func(t *testing.T) {
		f := newFixture(t)
		first := f.token(t, jedenlogin.TokenPasswordReset, "JANEK")
		second := f.token(t, jedenlogin.TokenPasswordReset, "JANEK")
		if _, err := f.svc.Recovery.ResetPassword(ctx, second, newPassword, "192.0.2.8"); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Recovery.ResetPassword(ctx, first, newPassword+"X", "192.0.2.8")
		wantCode(t, err, jedenlogin.CodeLinkExpired)
	})
}
