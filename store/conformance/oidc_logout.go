package conformance

import (
	"context"
	"testing"
	"time"

	"jedenlogin"
)

// runOIDCLogoutTests runs the back-channel logout and verified e-mail part
// of the suite.
func runOIDCLogoutTests(t *testing.T, open Opener) {
	t.Run("OIDCBackchannelQueue", func(t *testing.T) { testOIDCBackchannelQueue(t, open) })
	t.Run("VerifiedEmails", func(t *testing.T) { testVerifiedEmails(t, open) })
}

// issueLinked exchanges a code of client for person 7's session sess
// acting for entity, linking the client to the session.
func issueLinked(t *testing.T, st jedenlogin.Store, family, client, sess, entity string) {
	t.Helper()
	ctx := context.Background()
	r := oidcRequest(family, client)
	if err := st.CreateOIDCAuthRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	r.Done = true
	if err := st.FinishOIDCAuthRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := st.SetOIDCAuthCode(ctx, family, "c-"+family, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	tok := oidcToken("r-"+family, jedenlogin.OIDCRefreshToken, client, family)
	tok.SessionIDHash, tok.EntityID = sess, entity
	if err := st.IssueOIDCTokens(ctx, jedenlogin.OIDCIssue{ConsumeCode: family, At: t0, Tokens: []jedenlogin.OIDCToken{tok},
		Link: &jedenlogin.OIDCLink{SessionIDHash: sess, ClientID: client, PersonID: 7, LoginID: 8, EntityID: entity, CreatedAt: t0, ExpiresAt: t0.Add(12 * time.Hour)},
	}); err != nil {
		t.Fatalf("IssueOIDCTokens: %v", err)
	}
}

func testOIDCBackchannelQueue(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	quiet := oidcClient("q")
	quiet.BackchannelLogoutURI = ""
	for _, c := range []jedenlogin.OIDCClient{oidcClient("m"), oidcClient("n"), quiet} {
		if err := st.CreateOIDCClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	issueLinked(t, st, "f1", "m", "s1", "E1")
	issueLinked(t, st, "f2", "n", "s1", "E2")
	issueLinked(t, st, "f3", "q", "s1", "E1")
	issueLinked(t, st, "f4", "m", "s2", "E1")

	links, err := st.OIDCLinksWithEntity(ctx)
	if err != nil || len(links) != 4 {
		t.Fatalf("OIDCLinksWithEntity = %d links, %v", len(links), err)
	}

	// The grant at E1 ends: m's and q's sessions acting for it, in both
	// jedenlogin sessions; only m takes logouts.
	end := jedenlogin.OIDCSessionEnd{PersonID: 7, EntityID: "E1", Reason: jedenlogin.OIDCEndGrantEnded, At: t0}
	queued, err := st.EndOIDCSessions(ctx, end)
	if err != nil || len(queued) != 2 || queued[0].ClientID != "m" || queued[1].ClientID != "m" {
		t.Fatalf("EndOIDCSessions(E1) = %+v, %v; want two logouts for m", queued, err)
	}
	if queued[0].SID == "" || queued[0].SID == "s1" || queued[0].ID == queued[1].ID {
		t.Errorf("logouts %+v: want opaque sids and distinct ids", queued)
	}
	for fam, revoked := range map[string]bool{"f1": true, "f2": false, "f3": true, "f4": true} {
		tok, err := st.OIDCToken(ctx, "r-"+fam)
		if err != nil || (tok.RevokedAt != nil) != revoked {
			t.Errorf("token of %s: revoked %v, want %v (%v)", fam, tok != nil && tok.RevokedAt != nil, revoked, err)
		}
	}
	// Ending again finds nothing: the links are gone.
	if again, _ := st.EndOIDCSessions(ctx, end); len(again) != 0 {
		t.Errorf("a second end queued %d", len(again))
	}
	// Signing out of s1 ends n's session there.
	if q, err := st.EndOIDCSessions(ctx, jedenlogin.OIDCSessionEnd{SessionIDHash: "s1", Reason: jedenlogin.OIDCEndSignOut, At: t0}); err != nil || len(q) != 1 || q[0].ClientID != "n" || q[0].SID != jedenlogin.OIDCSessionID("s1") {
		t.Errorf("EndOIDCSessions(s1) = %+v, %v", q, err)
	}

	// Claims: each logout goes to one claimer at a time.
	now := t0.Add(time.Second)
	first, err := st.ClaimOIDCLogouts(ctx, now, 30*time.Second, 10)
	if err != nil || len(first) != 3 || first[0].Attempts != 1 {
		t.Fatalf("ClaimOIDCLogouts = %+v, %v; want 3, first attempt", first, err)
	}
	if second, _ := st.ClaimOIDCLogouts(ctx, now, 30*time.Second, 10); len(second) != 0 {
		t.Errorf("claimed twice: %+v", second)
	}
	// One delivered, one to retry in 2 s, one left to its lease.
	ev := jedenlogin.AuditEvent{At: now, Action: jedenlogin.AuditOIDCBackchannel, Actor: "system", Outcome: "ok"}
	if err := st.FinishOIDCLogout(ctx, first[0].ID, nil, ev); err != nil {
		t.Fatal(err)
	}
	retry := now.Add(2 * time.Second)
	if err := st.FinishOIDCLogout(ctx, first[1].ID, &retry); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.ClaimOIDCLogouts(ctx, now.Add(time.Second), 30*time.Second, 10); len(got) != 0 {
		t.Errorf("claimed before due: %+v", got)
	}
	got, _ := st.ClaimOIDCLogouts(ctx, retry, 30*time.Second, 10)
	if len(got) != 1 || got[0].ID != first[1].ID || got[0].Attempts != 2 {
		t.Errorf("retry claim = %+v", got)
	}
	// The lease ran out (its instance died): the third comes again.
	got, _ = st.ClaimOIDCLogouts(ctx, now.Add(31*time.Second), 30*time.Second, 10)
	if len(got) != 1 || got[0].ID != first[2].ID {
		t.Errorf("claim after the lease = %+v", got)
	}
	if countAudit(t, st, jedenlogin.AuditOIDCBackchannel) != 1 {
		t.Error("the delivery's audit event is missing")
	}
}

func testVerifiedEmails(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	if ok, err := st.EmailVerified(ctx, 7, "jan@example.pl"); err != nil || ok {
		t.Fatalf("EmailVerified before = %v, %v", ok, err)
	}
	for range 2 { // marking again is no error
		if err := st.MarkEmailVerified(ctx, 7, "jan@example.pl", t0); err != nil {
			t.Fatal(err)
		}
	}
	if ok, _ := st.EmailVerified(ctx, 7, "jan@example.pl"); !ok {
		t.Error("not verified after marking")
	}
	if ok, _ := st.EmailVerified(ctx, 8, "jan@example.pl"); ok {
		t.Error("verified for another person")
	}
}
