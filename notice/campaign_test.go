package notice_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/internal/smtptest"
	"jedenlogin/legacy"
	"jedenlogin/legacy/legacygen"
	"jedenlogin/mail"
	"jedenlogin/notice"
	"jedenlogin/store/storetest"
)

func newStore(t *testing.T) jedenlogin.Store {
	t.Helper()
	return newStoreOn(t, storetest.Backends(t)[0])
}

func newStoreOn(t *testing.T, b storetest.Backend) jedenlogin.Store {
	t.Helper()
	st := storetest.Open(t, b.NewDSN(t))
	var csv bytes.Buffer
	if _, err := legacygen.Generate(&csv, legacygen.Options{Rows: 400, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	im := &legacy.Importer{Store: st}
	if _, err := im.Import(context.Background(), &csv, int64(csv.Len())); err != nil {
		t.Fatal(err)
	}
	return st
}

func eligible(t *testing.T, st jedenlogin.Store) []notice.Notice {
	t.Helper()
	var out []notice.Notice
	if err := st.ForEachPerson(context.Background(), func(rec *jedenlogin.PersonRecord) error {
		if n, skip := notice.Build(rec, nil, time.Now(), "https://pomoc.sio.gov.pl"); skip == notice.SkipNone {
			out = append(out, n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(out) < 20 {
		t.Fatalf("only %d eligible persons", len(out))
	}
	return out
}

// TestCampaignOverSMTP runs a campaign through a real SMTP server: a claim
// left unconfirmed by a killed run (no outbox to look into) is never
// re-sent but reported as uncertain, run after run; a notice the server
// refuses is failed and sent by the next run; everyone else gets exactly
// one notice, carrying the Message-ID recorded for them.
func TestCampaignOverSMTP(t *testing.T) {
	storetest.Run(t, testCampaignOverSMTP)
}

func testCampaignOverSMTP(t *testing.T, b storetest.Backend) {
	st := newStoreOn(t, b)
	ctx := context.Background()
	all := eligible(t, st)
	sink := smtptest.Start(t)
	sender, err := mail.NewSMTP(sink.URL("5s"), "noreply@sio.example.pl", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	// A killed run claimed the first person and died before confirming.
	victim := all[0]
	ok, err := st.ClaimNotices(ctx, []jedenlogin.NoticeSend{{Campaign: "k", PersonID: victim.PersonID,
		MessageID: "notice.k.1.dead@sio.example.pl", Email: victim.Email, Case: victim.Case}})
	if err != nil || !ok[0] {
		t.Fatalf("claim: %v %v", ok, err)
	}
	// The server refuses the address of the last person for now.
	refused := all[len(all)-1].Email
	nRefused := 0
	for _, n := range all[1:] {
		if n.Email == refused {
			nRefused++
		}
	}
	sink.Reject(refused, true)
	c := func() *notice.Campaign {
		return &notice.Campaign{Store: st, Sender: sender, Name: "k", Domain: "sio.example.pl",
			Deadline: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC), HelpURL: "https://pomoc.sio.gov.pl", LeaseTTL: time.Second}
	}
	sum, err := c().Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Uncertain) != 1 || sum.Uncertain[0].PersonID != victim.PersonID || sum.Uncertain[0].MessageID != "notice.k.1.dead@sio.example.pl" {
		t.Fatalf("uncertain = %+v, want the killed run's claim", sum.Uncertain)
	}
	if len(sum.Failed) != nRefused || sum.Sent != len(all)-1-nRefused || len(sink.MessageIDs()) != sum.Sent {
		t.Fatalf("first run: sent %d (server got %d), failed %d; want %d and %d", sum.Sent, len(sink.MessageIDs()), len(sum.Failed), len(all)-1-nRefused, nRefused)
	}

	// Run again, the server taking everything: the refused are sent,
	// the uncertain one still is not.
	sink.Reject(refused, false)
	sum, err = c().Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent != nRefused || len(sum.Uncertain) != 1 || len(sum.Failed) != 0 {
		t.Fatalf("second run: sent %d, uncertain %d, failed %d", sum.Sent, len(sum.Uncertain), len(sum.Failed))
	}
	got := sink.MessageIDs()
	if len(got) != len(all)-1 {
		t.Fatalf("the server got %d notices, want %d", len(got), len(all)-1)
	}
	rows, err := st.NoticeSends(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[string]bool{}
	for _, r := range rows {
		if r.PersonID != victim.PersonID {
			recorded[r.MessageID] = r.State == jedenlogin.NoticeSent
		}
	}
	seen := map[string]bool{}
	for _, id := range got {
		if !recorded[id] || seen[id] {
			t.Errorf("the server got %s: recorded as sent %v, seen before %v", id, recorded[id], seen[id])
		}
		seen[id] = true
	}
	evs, err := st.Audit(ctx, jedenlogin.AuditFilter{Subject: "campaign:k"})
	if err != nil || len(evs) != 4 {
		t.Fatalf("audit: %d events (%v), want a start and a finish per run", len(evs), err)
	}
}

// TestCampaignRateAndDryRun: --rate spaces the notices; a dry run writes
// every notice to the outbox and records nothing.
func TestCampaignRateAndDryRun(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	all := eligible(t, st)
	dir := t.TempDir()
	o, err := mail.NewOutbox(dir, "noreply@sio.example.pl", nil)
	if err != nil {
		t.Fatal(err)
	}
	const rate = 100.0
	start := time.Now()
	sum, err := (&notice.Campaign{Store: st, Sender: o, Outbox: dir, Name: "d", Domain: "sio.example.pl", DryRun: true, Rate: rate,
		Deadline: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC), HelpURL: "https://pomoc.sio.gov.pl"}).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if min := time.Duration(float64(len(all)-1) / rate * float64(time.Second)); time.Since(start) < min {
		t.Errorf("%d notices at %v/s took %v, less than %v", len(all), rate, time.Since(start), min)
	}
	files, _ := mail.OutboxFiles(dir)
	if sum.Sent != len(all) || len(files) != len(all) {
		t.Fatalf("dry run: sent %d, files %d, want %d", sum.Sent, len(files), len(all))
	}
	if rows, err := st.NoticeSends(ctx, "d"); err != nil || len(rows) != 0 {
		t.Fatalf("dry run recorded %d rows (%v)", len(rows), err)
	}
	if evs, _ := st.Audit(ctx, jedenlogin.AuditFilter{Subject: "campaign:d"}); len(evs) != 0 {
		t.Fatalf("dry run audited %d events", len(evs))
	}
}
