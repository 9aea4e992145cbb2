package main

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"jedenlogin/legacy/legacygen"
)

// TestImportKilledLeavesDatabaseAsBefore kills a large import (which runs
// in SQLite's rollback-journal mode, leaveWAL) with SIGKILL at random
// moments while its journal exists: each time the database is exactly as
// before the import (its plan byte for byte, verify clean), and the import
// run again completes with the plan of an import never interrupted.
func TestImportKilledLeavesDatabaseAsBefore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports 30,000 rows several times")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	csvFile := func(name string, rows int, seed uint64) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := legacygen.Generate(f, legacygen.Options{Rows: rows, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		f.Close()
		return p
	}
	small, large := csvFile("small.csv", 300, 12), csvFile("large.csv", 30_000, 13)
	jl := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("jedenlogin %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	plan := func(db string) string {
		t.Helper()
		jl("verify", "--db", db)
		return jl("plan", "--db", db, "--format", "json")
	}

	// The reference: the small file, then the large one, uninterrupted.
	ref := filepath.Join(dir, "ref.db")
	jl("import", "--db", ref, small)
	jl("import", "--db", ref, large)
	want := plan(ref)

	db := filepath.Join(dir, "jedenlogin.db")
	jl("import", "--db", db, small)
	before := plan(db)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	killed := 0
	for run := range 4 {
		cmd := exec.Command(bin, "import", "--db", db, large)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		journal := false
		var kill <-chan time.Time
	wait:
		for {
			select {
			case err := <-exited:
				t.Logf("run %d ended before its kill: %v", run, err)
				break wait
			case <-kill:
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				<-exited
				break wait
			case <-time.After(2 * time.Millisecond):
			}
			if _, err := os.Stat(db + "-journal"); err == nil && !journal {
				journal = true
				kill = time.After(time.Duration(r.IntN(150)) * time.Millisecond)
			}
		}
		got := plan(db)
		switch {
		case got == before && journal:
			killed++
		case got == want:
			// Killed after its commit, or not killed: done.
			t.Logf("run %d finished the import (rollback journal seen: %v)", run, journal)
			if !journal {
				t.Errorf("the large import ran without a rollback journal")
			}
		default:
			t.Fatalf("run %d: after the kill the plan is neither as before the import nor as after it", run)
		}
		if got == want {
			break
		}
	}
	if killed == 0 {
		t.Fatal("no run was killed during the import: the test did not test a crash")
	}
	if plan(db) != want {
		jl("import", "--db", db, large)
	}
	if got := plan(db); got != want {
		t.Errorf("after %d kills and a complete run the plan differs from an uninterrupted import", killed)
	}
	if _, err := os.Stat(db + "-journal"); err == nil {
		t.Errorf("a rollback journal is left after the import")
	}
}
