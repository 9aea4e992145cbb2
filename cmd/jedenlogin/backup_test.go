package main

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/store/sqlstore"
	"jedenlogin/store/storetest"
)

// TestCLIBackupWhileWriting: `jedenlogin backup` copies a SQLite database
// while writers keep changing it; the copy opens, verify finds it clean,
// and it holds whole transactions only: a person's operator flag, toggled
// together with an audit event in one transaction, matches the number of
// those events in the copy. An existing file is not overwritten;
// PostgreSQL is refused with the way to back it up.
func TestCLIBackupWhileWriting(t *testing.T) {
	sample := filepath.Join("..", "..", "testdata", "legacy-sample.csv")
	dir := t.TempDir()
	dsn := filepath.Join(dir, "jedenlogin.db")
	if code, _, errOut := cli(t, "import", "--db", dsn, sample); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	st := storetest.Open(t, dsn)
	var pid int64
	if err := st.DB().QueryRow("SELECT min(id) FROM persons").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		wg     sync.WaitGroup
		writes atomic.Int64
	)
	toggle := func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		rec.Person.Operator = !rec.Person.Operator
		return []jedenlogin.AuditEvent{{At: time.Now(), Action: jedenlogin.AuditOperatorCreated, Actor: "test", PersonID: &pid, Subject: "backup-toggle", Outcome: "ok"}}, nil
	}
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				var err error
				if w == 0 {
					err = st.UpdatePerson(ctx, pid, toggle)
				} else {
					_, _, err = st.RecordFailure(ctx, "login:ktos", time.Now(), time.Minute, 1000, time.Minute)
				}
				if err != nil && ctx.Err() == nil {
					t.Errorf("write: %v", err)
					return
				}
				writes.Add(1)
			}
		}()
	}
	for writes.Load() < 50 {
		time.Sleep(time.Millisecond)
	}
	backup := filepath.Join(dir, "kopia.db")
	code, out, errOut := cli(t, "backup", "--db", dsn, backup)
	before := writes.Load()
	time.Sleep(50 * time.Millisecond) // writers go on after the copy
	cancel()
	wg.Wait()
	if code != 0 || !strings.Contains(out, "zapisano spójną kopię") {
		t.Fatalf("backup: exit %d\n%s%s", code, out, errOut)
	}
	if writes.Load() == before {
		t.Error("the writers stopped while the backup ran")
	}

	if code, out, errOut := cli(t, "verify", "--db", backup); code != 0 || !strings.Contains(out, "brak naruszeń") {
		t.Fatalf("verify on the backup: exit %d\n%s%s", code, out, errOut)
	}
	cp, err := sqlstore.Open(context.Background(), backup, sqlstore.Options{})
	if err != nil {
		t.Fatalf("open the backup: %v", err)
	}
	defer cp.Close()
	var toggles int
	if err := cp.DB().QueryRow("SELECT count(*) FROM audit_events WHERE subject = 'backup-toggle'").Scan(&toggles); err != nil {
		t.Fatal(err)
	}
	rec, err := cp.Person(context.Background(), pid)
	if err != nil {
		t.Fatal(err)
	}
	if toggles == 0 || rec.Person.Operator != (toggles%2 == 1) {
		t.Errorf("backup holds %d toggles but operator=%v: a torn copy", toggles, rec.Person.Operator)
	}
	evs, err := cp.Audit(context.Background(), jedenlogin.AuditFilter{Action: jedenlogin.AuditBackup})
	if err != nil || len(evs) != 1 || evs[0].Subject != backup {
		t.Errorf("backup audit in the copy: %+v, %v", evs, err)
	}

	if code, _, errOut := cli(t, "backup", "--db", dsn, backup); code != 1 || !strings.Contains(errOut, "exists") && !strings.Contains(errOut, "istnieje") {
		t.Errorf("backup over an existing file: exit %d, %q", code, errOut)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, ".kopia.db.*")); len(matches) != 0 {
		t.Errorf("temporary files left: %v", matches)
	}

	for _, b := range storetest.Backends(t) {
		if b.Name != sqlstore.BackendPostgres {
			continue
		}
		pg := b.NewDSN(t)
		storetest.Open(t, pg)
		if code, _, errOut := cli(t, "backup", "--db", pg, filepath.Join(dir, "pg.db")); code != 1 || !strings.Contains(errOut, "pg_dump") {
			t.Errorf("backup of PostgreSQL: exit %d, %q; want a pointer to pg_dump", code, errOut)
		}
	}
}
