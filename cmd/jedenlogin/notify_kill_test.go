package main

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/legacy/legacygen"
	"jedenlogin/mail"
	"jedenlogin/notice"
	"jedenlogin/store/sqlstore"
)

// buildBinary builds cmd/jedenlogin into a temporary directory, so a test
// can run it as a process of its own and kill it.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "jedenlogin")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// generatedDB imports a legacygen file of rows rows into a new SQLite file.
func generatedDB(t *testing.T, bin string, rows int) string {
	t.Helper()
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "legacy.csv")
	f, err := os.Create(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := legacygen.Generate(f, legacygen.Options{Rows: rows, Seed: 12}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	db := filepath.Join(dir, "jedenlogin.db")
	if out, err := exec.Command(bin, "import", "--db", db, csvPath).CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	return db
}

// TestNotifyKilledAndResumedSendsEachNoticeOnce kills the campaign with
// SIGKILL at random moments on a 10,000-person database, runs it again
// each time, and finally to the end: every eligible person has exactly one
// notice in the outbox, nobody else has one, and every claim is confirmed.
func TestNotifyKilledAndResumedSendsEachNoticeOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and sends thousands of notices")
	}
	bin := buildBinary(t)
	db := generatedDB(t, bin, 19200) // ≈ 10,000 persons
	outbox := filepath.Join(t.TempDir(), "outbox")
	args := []string{"notify", "--db", db, "--mail-outbox", outbox, "--mail-from", "noreply@sio.example.pl",
		"--campaign", "wiosna-2027", "--date", "2027-03-31", "--rate", "0", "--lease", "1s"}

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	kills, written := 0, 0
	count := func() int {
		fs, _ := mail.OutboxFiles(outbox)
		return len(fs)
	}
	for run := range 5 {
		cmd := exec.Command(bin, args...)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		// The first run dies while starting up; the others in the middle
		// of sending, once a random number of further notices is out.
		target := written + 50 + r.IntN(800)
		deadline := time.Now().Add(time.Duration(50+r.IntN(1000)) * time.Millisecond)
		killed := false
		for !killed {
			select {
			case err := <-exited:
				t.Logf("run %d ended before its kill: %v\n%s", run, err, out.String())
				killed = true
				continue
			case <-time.After(5 * time.Millisecond):
			}
			if (run == 0 && time.Now().After(deadline)) || (run > 0 && count() >= target) {
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				<-exited
				kills++
				killed = true
				written = count()
				t.Logf("run %d killed with %d notices written", run, written)
			}
		}
	}
	final := exec.Command(bin, args...)
	out, err := final.CombinedOutput()
	if err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	t.Logf("final run (after %d kills):\n%s", kills, out)
	if kills == 0 {
		t.Fatal("no run was killed: the test did not test resuming")
	}

	// Who should have a notice: every pending person with something to do
	// and an address, as notice.Build decides.
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	want := map[int64]string{}
	persons := 0
	if err := st.ForEachPerson(ctx, func(rec *jedenlogin.PersonRecord) error {
		persons++
		if n, skip := notice.Build(rec, nil, time.Now(), "https://pomoc.sio.gov.pl"); skip == notice.SkipNone {
			want[rec.Person.ID] = n.Email
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if persons < 9500 || len(want) < 3000 {
		t.Fatalf("persons %d, eligible %d: not the database the test means", persons, len(want))
	}

	files, err := mail.OutboxFiles(outbox)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]int{}
	for _, p := range files {
		// <time>-notice.<campaign>.<person>.<random>@<domain>.eml
		id := strings.TrimSuffix(filepath.Base(p), ".eml")[len("20060102T150405.000000000Z-"):]
		parts := strings.Split(id, ".")
		if len(parts) < 4 || parts[0] != "notice" || parts[1] != "wiosna-2027" {
			t.Fatalf("unexpected file %s", p)
		}
		pid, err := strconv.ParseInt(parts[2], 10, 64)
		if err != nil {
			t.Fatalf("file %s: %v", p, err)
		}
		got[pid]++
	}
	// Spot-check the addresses in a few files.
	for _, p := range files[:min(20, len(files))] {
		m, err := mail.ParseEML(p)
		if err != nil {
			t.Fatal(err)
		}
		pid, _ := strconv.ParseInt(strings.Split(filepath.Base(p), ".")[3], 10, 64)
		if len(m.To) != 1 || m.To[0] != want[pid] {
			t.Errorf("%s: To %v, want %s", p, m.To, want[pid])
		}
	}
	missing, twice := 0, 0
	for pid := range want {
		switch got[pid] {
		case 0:
			missing++
		case 1:
		default:
			twice++
			t.Errorf("person %d got %d notices", pid, got[pid])
		}
	}
	for pid := range got {
		if _, ok := want[pid]; !ok {
			t.Errorf("person %d is not eligible but got a notice", pid)
		}
	}
	if missing > 0 || twice > 0 {
		t.Fatalf("of %d eligible persons %d got no notice and %d more than one", len(want), missing, twice)
	}
	rows, err := st.NoticeSends(ctx, "wiosna-2027")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want) {
		t.Errorf("%d rows recorded, want %d", len(rows), len(want))
	}
	for _, r := range rows {
		if r.State != jedenlogin.NoticeSent {
			t.Errorf("person %d: state %s, want sent", r.PersonID, r.State)
		}
	}
	// A further run sends nothing.
	out, err = exec.Command(bin, args...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Wysłano teraz:                                 0") {
		t.Errorf("a run after the end: %v\n%s", err, out)
	}
	if files2, _ := mail.OutboxFiles(outbox); len(files2) != len(files) {
		t.Errorf("a run after the end wrote %d files", len(files2)-len(files))
	}
}
