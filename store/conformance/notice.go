package conformance

import (
	"context"
	"testing"
	"time"

	"jedenlogin"
)

// runNoticeTests checks the record of notice campaigns (NoticeStore).
func runNoticeTests(t *testing.T, open Opener) {
	t.Run("NoticeClaims", func(t *testing.T) { testNoticeClaims(t, open) })
}

// testNoticeClaims: a person is claimed once per campaign, only while
// pending; a failed notice may be claimed again, nothing else; state
// changes apply only from the expected state.
func testNoticeClaims(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	w := seed(t, s)
	claim := func(campaign string, pid int64, msgID string) jedenlogin.NoticeSend {
		return jedenlogin.NoticeSend{Campaign: campaign, PersonID: pid, MessageID: msgID, Email: "x@example.pl",
			Case: jedenlogin.CaseChoose, At: t0}
	}
	claimAll := func(want []bool, cs ...jedenlogin.NoticeSend) {
		t.Helper()
		got, err := s.ClaimNotices(ctx, cs)
		if err != nil {
			t.Fatalf("ClaimNotices: %v", err)
		}
		sameJSON(t, "claimed", got, want)
	}
	claimAll([]bool{true, true}, claim("c1", w.p1, "m1@x"), claim("c1", w.p2, "m2@x"))
	// Claimed already: not again, whatever the Message-ID.
	claimAll([]bool{false, true}, claim("c1", w.p1, "m1b@x"), claim("c2", w.p1, "m3@x"))

	n, err := s.SetNoticeStates(ctx, "c1", jedenlogin.NoticeClaimed, []jedenlogin.NoticeSend{
		{PersonID: w.p1, State: jedenlogin.NoticeSent, At: t0.Add(time.Second)},
		{PersonID: w.p2, State: jedenlogin.NoticeFailed, At: t0.Add(time.Second), Error: "550 no such user"},
	})
	if err != nil || n != 2 {
		t.Fatalf("SetNoticeStates = %d, %v; want 2", n, err)
	}
	// From the wrong state: nothing changes.
	if n, err := s.SetNoticeStates(ctx, "c1", jedenlogin.NoticeClaimed, []jedenlogin.NoticeSend{{PersonID: w.p1, State: jedenlogin.NoticeUncertain}}); err != nil || n != 0 {
		t.Fatalf("SetNoticeStates from claimed of a sent row = %d, %v; want 0", n, err)
	}
	// A sent notice is never claimed again; a failed one is.
	claimAll([]bool{false, true}, claim("c1", w.p1, "m4@x"), claim("c1", w.p2, "m5@x"))

	got, err := s.NoticeSends(ctx, "c1")
	if err != nil {
		t.Fatalf("NoticeSends: %v", err)
	}
	want := []jedenlogin.NoticeSend{
		{Campaign: "c1", PersonID: w.p1, State: jedenlogin.NoticeSent, MessageID: "m1@x", Email: "x@example.pl", Case: jedenlogin.CaseChoose, At: t0.Add(time.Second)},
		{Campaign: "c1", PersonID: w.p2, State: jedenlogin.NoticeClaimed, MessageID: "m5@x", Email: "x@example.pl", Case: jedenlogin.CaseChoose, At: t0},
	}
	sameJSON(t, "NoticeSends(c1)", got, want)

	// A person who is done gets no claim.
	if err := s.UpdatePerson(ctx, w.p3, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		rec.Person.State = jedenlogin.StateDone
		return nil, nil
	}); err != nil {
		t.Fatalf("UpdatePerson: %v", err)
	}
	claimAll([]bool{false, false}, claim("c3", w.p3, "m6@x"), claim("c3", 999999, "m7@x"))
	if got, err := s.NoticeSends(ctx, "c3"); err != nil || len(got) != 0 {
		t.Fatalf("NoticeSends(c3) = %v, %v; want none", got, err)
	}
}
