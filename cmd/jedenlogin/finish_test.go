package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/consolidation"
	"jedenlogin/legacy/legacygen"
	"jedenlogin/loginname"
	"jedenlogin/mail"
	"jedenlogin/notice"
	"jedenlogin/store/storetest"
)

// TestFinishAfterDeadline completes the transition of everyone who did not
// act, on both backends: the report changes nothing, --confirm does it,
// verify is clean afterwards, and one person per case kept the login the
// rule names and was mailed what happened.
func TestFinishAfterDeadline(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		dsn := b.NewDSN(t)
		dir := t.TempDir()
		csvPath := filepath.Join(dir, "legacy.csv")
		f, err := os.Create(csvPath)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := legacygen.Generate(f, legacygen.Options{Rows: 1500, Seed: 5}); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if code, _, errs := cli(t, "import", "--db", dsn, csvPath); code != 0 {
			t.Fatalf("import: %d %s", code, errs)
		}
		st := storetest.Open(t, dsn)
		ctx := context.Background()

		// One person per case whose most recently used login is plain to
		// see (distinct LastLoginAt), with what the rule says they keep.
		type pick struct {
			id           int64
			keep, hashOf string
			email        string
		}
		picks := map[jedenlogin.Case]*pick{}
		if err := st.ForEachPerson(ctx, func(rec *jedenlogin.PersonRecord) error {
			if rec.Person.State == jedenlogin.StateDone {
				return nil
			}
			c := consolidation.Classify(rec.Logins)
			if picks[c] != nil || notice.Address(rec) == "" {
				return nil
			}
			var latest *jedenlogin.Login
			seen := map[time.Time]bool{}
			for i := range rec.Logins {
				l := &rec.Logins[i]
				use := c == jedenlogin.CaseGenerate && l.CanSignIn() ||
					c != jedenlogin.CaseGenerate && l.State == jedenlogin.LoginActive && loginname.IsUnified(l.Name)
				if !use {
					continue
				}
				if l.LastLoginAt == nil || seen[*l.LastLoginAt] {
					return nil // a tie or no use: not plain to see
				}
				seen[*l.LastLoginAt] = true
				if latest == nil || l.LastLoginAt.After(*latest.LastLoginAt) {
					latest = l
				}
			}
			if latest == nil || len(seen) < 2 && c == jedenlogin.CaseChoose {
				return nil
			}
			p := &pick{id: rec.Person.ID, email: notice.Address(rec)}
			if c == jedenlogin.CaseGenerate {
				p.keep, p.hashOf = rec.Login(*rec.Person.GeneratedLoginID).Name, latest.PasswordHash
			} else {
				p.keep, p.hashOf = latest.Name, latest.PasswordHash
			}
			picks[c] = p
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []jedenlogin.Case{jedenlogin.CaseChoose, jedenlogin.CaseChooseUppercase, jedenlogin.CaseGenerate} {
			if picks[c] == nil {
				t.Fatalf("the generated database has no plain person in case %s", c)
			}
		}

		// Before the deadline has passed: refused.
		today := time.Now().Format(time.DateOnly)
		if code, _, errs := cli(t, "finish", "--db", dsn, "--before", today); code != 2 || !strings.Contains(errs, "jeszcze nie minął") {
			t.Fatalf("finish --before today: code %d, %s", code, errs)
		}
		before := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
		outbox := filepath.Join(dir, "outbox")

		// Without --confirm: a report, nothing changes.
		sum0, err := st.PlanSummary(ctx)
		if err != nil {
			t.Fatal(err)
		}
		code, out, errs := cli(t, "finish", "--db", dsn, "--before", before, "--mail-outbox", outbox)
		if code != 0 || !strings.Contains(out, "Nic nie zmieniono") || !strings.Contains(out, "np. osoba") {
			t.Fatalf("finish (report): code %d\n%s\n%s", code, out, errs)
		}
		sum1, _ := st.PlanSummary(ctx)
		if sum1.ByCaseState[jedenlogin.CaseChoose][jedenlogin.StatePending] != sum0.ByCaseState[jedenlogin.CaseChoose][jedenlogin.StatePending] {
			t.Fatal("the report changed the database")
		}
		if _, err := os.Stat(outbox); err == nil {
			t.Fatal("the report wrote mail")
		}

		code, out, errs = cli(t, "finish", "--db", dsn, "--before", before, "--mail-outbox", outbox, "--confirm")
		if code != 0 {
			t.Fatalf("finish --confirm: code %d\n%s\n%s", code, out, errs)
		}
		t.Log(out)
		if code, out, _ := cli(t, "verify", "--db", dsn); code != 0 {
			t.Fatalf("verify after finish: %d\n%s", code, out)
		}
		sum2, _ := st.PlanSummary(ctx)
		for _, c := range []jedenlogin.Case{jedenlogin.CaseChoose, jedenlogin.CaseChooseUppercase} {
			if n := sum2.ByCaseState[c][jedenlogin.StatePending]; n != 0 {
				t.Errorf("%d persons in case %s still pending", n, c)
			}
		}

		for c, p := range picks {
			rec, err := st.Person(ctx, p.id)
			if err != nil {
				t.Fatal(err)
			}
			u := rec.Login(*rec.Person.UnifiedLoginID)
			if rec.Person.State != jedenlogin.StateDone || u.Name != p.keep || u.State != jedenlogin.LoginActive {
				t.Errorf("%s person %d: state %s, one login %s (%s), want %s", c, p.id, rec.Person.State, u.Name, u.State, p.keep)
			}
			if u.PasswordHash != p.hashOf {
				t.Errorf("%s person %d: the one login's password hash is not that of the most recently used login", c, p.id)
			}
			for _, l := range rec.Logins {
				if l.ID != u.ID && l.State == jedenlogin.LoginActive {
					t.Errorf("%s person %d: login %s still active", c, p.id, l.Name)
				}
			}
			m, err := mail.Latest(outbox, p.email)
			if err != nil {
				t.Fatalf("%s person %d: %v", c, p.id, err)
			}
			if !strings.Contains(m.Subject, p.keep) || !strings.Contains(m.Text, "Twój login to teraz: "+p.keep) {
				t.Errorf("%s person %d: mail does not name %s:\n%s", c, p.id, p.keep, m.Text)
			}
			evs, err := st.Audit(ctx, jedenlogin.AuditFilter{PersonID: &p.id, Action: jedenlogin.AuditConsolidated})
			if err != nil || len(evs) != 1 || evs[0].Actor != "cli:finish" || !strings.Contains(evs[0].Details, `"completed_by":"deadline"`) {
				t.Errorf("%s person %d: audit %+v, %v; want one consolidated event by cli:finish", c, p.id, evs, err)
			}
		}

		// Run again: nothing left to do.
		code, out, _ = cli(t, "finish", "--db", dsn, "--before", before, "--mail-outbox", outbox, "--confirm")
		if code != 0 || !strings.Contains(out, "Dokończono przejście: 0 osób") {
			t.Errorf("second finish: code %d\n%s", code, out)
		}
	})
}
