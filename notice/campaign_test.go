package notice_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/legacy"
	"jedenlogin/legacy/legacygen"
	"jedenlogin/mail"
	"jedenlogin/notice"
	"jedenlogin/store/storetest"
)

// recorder is a Sender that keeps what it was given, as a mail server's
// log would.
type recorder struct {
	mu  sync.Mutex
	ids []string
}

func (r *recorder) Send(_ context.Context, m *mail.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids = append(r.ids, m.MessageID)
	return nil
}

func newStore(t *testing.T) jedenlogin.Store {
	t.Helper()
	st := storetest.Open(t, storetest.Backends(t)[0].NewDSN(t))
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

// TestCampaignOverSMTPNeverSendsAnUncertainNoticeAgain: a claim left
// unconfirmed by a killed run over SMTP (no outbox to look into) is never
// re-sent; it is reported as uncertain, run after run, and everyone else
// gets their notice once.
func TestCampaignOverSMTPNeverSendsAnUncertainNoticeAgain(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	all := eligible(t, st)
	// A killed run claimed the first person and died before confirming.
	victim := all[0]
	ok, err := st.ClaimNotices(ctx, []jedenlogin.NoticeSend{{Campaign: "k", PersonID: victim.PersonID,
		MessageID: "notice.k.1.dead@sio.example.pl", Email: victim.Email, Case: victim.Case}})
	if err != nil || !ok[0] {
		t.Fatalf("claim: %v %v", ok, err)
	}
	rec := &recorder{}
	c := func() *notice.Campaign {
		return &notice.Campaign{Store: st, Sender: rec, Name: "k", Domain: "sio.example.pl",
			Deadline: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC), HelpURL: "https://pomoc.sio.gov.pl", LeaseTTL: time.Second}
	}
	sum, err := c().Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Uncertain) != 1 || sum.Uncertain[0].PersonID != victim.PersonID || sum.Uncertain[0].MessageID != "notice.k.1.dead@sio.example.pl" {
		t.Fatalf("uncertain = %+v, want the killed run's claim", sum.Uncertain)
	}
	if sum.Sent != len(all)-1 || len(rec.ids) != len(all)-1 {
		t.Fatalf("sent %d (recorded %d), want %d", sum.Sent, len(rec.ids), len(all)-1)
	}
	// Run again: nothing more is sent, the uncertain one is listed again.
	sum, err = c().Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent != 0 || len(rec.ids) != len(all)-1 || len(sum.Uncertain) != 1 || sum.AlreadySent != len(all)-1 {
		t.Fatalf("second run: sent %d, recorded %d, uncertain %d, already %d", sum.Sent, len(rec.ids), len(sum.Uncertain), sum.AlreadySent)
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
