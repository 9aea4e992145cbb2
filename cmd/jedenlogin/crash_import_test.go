//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/legacy/legacygen"
	"jedenlogin/store/sqlstore"
	"jedenlogin/store/storetest"
)

// crashImportRows is the size of the file TestImportKilledAndRerun
// imports: long enough (≈1.5 s on SQLite, ≈3 s on PostgreSQL on an idle
// 2-core machine) that each phase of the import can be hit.
const crashImportRows = 80000

// importRun is one `jedenlogin import` process whose stderr is a
// terminal, so that its progress ("Odczyt bazy danych…", "Wczytano N
// wierszy", "Zapis do bazy…") tells the test where it is.
type importRun struct {
	cmd      *exec.Cmd
	lines    chan string   // progress lines, as the terminal shows them
	firstOut chan struct{} // closed when the summary starts on stdout: the import has committed
	outDone  chan struct{} // closed when stdout is read to its end
	stdout   bytes.Buffer  // read once outDone is closed
	exited   chan error
	err      error // once exited
	done     bool
}

func startImport(t *testing.T, bin, dsn, csv string) *importRun {
	t.Helper()
	master, slave, err := openPTY()
	if err != nil {
		t.Fatalf("pseudo-terminal: %v", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r := &importRun{lines: make(chan string, 1<<14), exited: make(chan error, 1),
		firstOut: make(chan struct{}), outDone: make(chan struct{})}
	r.cmd = exec.Command(bin, "import", "--db", dsn, csv)
	r.cmd.Stdout, r.cmd.Stderr = outW, slave
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The child holds both; reading ends when the child does.
	slave.Close()
	outW.Close()
	go func() {
		defer close(r.outDone)
		defer outR.Close()
		buf := make([]byte, 4096)
		first := true
		for {
			n, err := outR.Read(buf)
			if n > 0 && first {
				close(r.firstOut)
				first = false
			}
			r.stdout.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	go func() {
		defer master.Close()
		// The import writes each message in one write, "\r" and the
		// message (then spaces over the rest of the last one): a message
		// ends where a read ends, or at a line break.
		buf := make([]byte, 4096)
		var line []byte
		emit := func() {
			if s := strings.TrimSpace(string(line)); s != "" {
				select {
				case r.lines <- s:
				default: // nobody is waiting for progress any more
				}
			}
			line = line[:0]
		}
		for {
			n, err := master.Read(buf)
			for _, c := range buf[:n] {
				if c == '\r' || c == '\n' {
					emit()
					continue
				}
				line = append(line, c)
			}
			emit()
			if err != nil {
				close(r.lines)
				return
			}
		}
	}()
	go func() { r.exited <- r.cmd.Wait() }()
	t.Cleanup(func() { r.cmd.Process.Kill() })
	return r
}

// waitLine waits for a progress line for which match is true and returns
// it; ok is false when the process ended first.
func (r *importRun) waitLine(t *testing.T, match func(string) bool) (line string, ok bool) {
	t.Helper()
	timeout := time.After(5 * time.Minute)
	for {
		select {
		case l, open := <-r.lines:
			if !open {
				return "", false
			}
			if match(l) {
				return l, true
			}
		case <-timeout:
			r.cmd.Process.Kill()
			t.Fatal("no progress line in 5 minutes")
		}
	}
}

// kill sends SIGKILL and waits for the process to end. It reports whether
// the process was still running (false: it had ended by itself).
func (r *importRun) kill(t *testing.T) bool {
	t.Helper()
	select {
	case r.err = <-r.exited:
		r.done = true
		<-r.outDone
		return false
	default:
	}
	if err := r.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatal(err)
	}
	r.err = <-r.exited
	r.done = true
	<-r.outDone
	var ee *exec.ExitError
	if errors.As(r.err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	return false
}

// wait waits for the process to end on its own and returns its stdout.
func (r *importRun) wait(t *testing.T) string {
	t.Helper()
	for range r.lines {
	}
	if !r.done {
		r.err = <-r.exited
		r.done = true
	}
	<-r.outDone
	if r.err != nil {
		t.Fatalf("import: %v\n%s", r.err, r.stdout.String())
	}
	return r.stdout.String()
}

// rowsRead parses "Wczytano 12 345 wierszy …" (0 for other lines).
func rowsRead(line string) int {
	rest, ok := strings.CutPrefix(line, "Wczytano ")
	if !ok {
		return 0
	}
	digits := ""
	for _, c := range rest {
		switch {
		case c >= '0' && c <= '9':
			digits += string(c)
		case c == ' ':
		default:
			n, _ := strconv.Atoi(digits)
			return n
		}
	}
	n, _ := strconv.Atoi(digits)
	return n
}

// withoutDuration drops the summary's first line ("Import zakończony w 1.2s.").
func withoutDuration(summary string) string {
	_, rest, _ := strings.Cut(summary, "\n")
	return rest
}

// planSummary reads what the database holds; nil when it has no schema
// yet (the import was killed before or while creating it).
func planSummary(t *testing.T, dsn string) *jedenlogin.PlanSummary {
	t.Helper()
	if isSQLiteFile(dsn) {
		if _, err := os.Stat(dsn); errors.Is(err, os.ErrNotExist) {
			return nil
		}
	}
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if errors.Is(err, jedenlogin.ErrSchemaOutdated) {
		return nil
	} else if err != nil {
		t.Fatalf("open the database after the kill: %v", err)
	}
	defer st.Close()
	sum, err := st.PlanSummary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// cliOut runs the binary and returns its exit code and combined output.
func cliOut(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// TestImportKilledAndRerun kills `jedenlogin import` with SIGKILL in each
// phase of its work — while starting (schema), while reading the database,
// in the middle of streaming the rows, and while writing the rest and
// committing — and checks after every kill that the database holds all of
// the file or nothing of it; then the import is simply run again, to the
// end: its summary is that of a single clean import, `verify` finds no
// violation, and `plan` (summary and every person as JSON) is exactly
// that of a clean import of the same file.
func TestImportKilledAndRerun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports a large file several times")
	}
	bin := buildBinary(t)
	csv := filepath.Join(t.TempDir(), "legacy.csv")
	f, err := os.Create(csv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := legacygen.Generate(f, legacygen.Options{Rows: crashImportRows, Seed: 13}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 13))

	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		// A clean import, timed from "Zapis do bazy" to its summary (once
		// it has committed), and a second import of the file, which finds
		// everything present.
		clean := b.NewDSN(t)
		began := time.Now()
		r := startImport(t, bin, clean, csv)
		if _, ok := r.waitLine(t, func(l string) bool { return strings.HasPrefix(l, "Zapis do bazy") }); !ok {
			r.wait(t)
			t.Fatalf("the import printed no \"Zapis do bazy\" line:\n%s", r.stdout.String())
		}
		writing := time.Now()
		<-r.firstOut
		writeTime := time.Since(writing)
		cleanSummary := r.wait(t)
		t.Logf("clean import: %v, of which %v from \"Zapis do bazy\" to the summary", time.Since(began).Round(time.Millisecond), writeTime.Round(time.Millisecond))
		againSummary := startImport(t, bin, clean, csv).wait(t)
		if !strings.Contains(againSummary, "Nowe loginy:               0\n") {
			t.Fatalf("a second import wrote logins:\n%s", againSummary)
		}
		want := planSummary(t, clean)
		_, wantPlan := cliOut(t, bin, "plan", "--db", clean)
		_, wantJSON := cliOut(t, bin, "plan", "--db", clean, "--format", "json")

		dsn := b.NewDSN(t)
		committed := false
		writingLine := func(l string) bool { return strings.HasPrefix(l, "Zapis do bazy") }
		kills := []struct {
			name string
			at   func(r *importRun) string // returns when it is time to kill, with the last line seen
		}{
			{"while starting", func(*importRun) string {
				d := time.Duration(rnd.IntN(40)) * time.Millisecond
				time.Sleep(d)
				return d.String() + " after the start"
			}},
			{"while reading the database", func(r *importRun) string {
				l, _ := r.waitLine(t, func(l string) bool { return strings.HasPrefix(l, "Odczyt bazy danych") })
				return l
			}},
			{"while streaming rows", func(r *importRun) string {
				at := crashImportRows * (20 + rnd.IntN(60)) / 100
				// The progress shows a line every 250 ms: when reading
				// ends before one shows at rows, the kill comes while
				// writing.
				l, _ := r.waitLine(t, func(l string) bool { return rowsRead(l) >= at || writingLine(l) })
				return l
			}},
			{"while writing the rest", func(r *importRun) string {
				l, _ := r.waitLine(t, writingLine)
				return l
			}},
			{"while committing", func(r *importRun) string {
				l, _ := r.waitLine(t, writingLine)
				d := writeTime/2 + time.Duration(rnd.Int64N(int64(writeTime)/2+1))
				time.Sleep(d)
				return l + " + " + d.String()
			}},
		}
		for _, k := range kills {
			r := startImport(t, bin, dsn, csv)
			at := k.at(r)
			killed := r.kill(t)
			got := planSummary(t, dsn)
			switch {
			case got == nil || got.Persons == 0 && got.Logins == 0:
				t.Logf("killed %s (at %q, still running: %t): nothing of the file in the database", k.name, at, killed)
			case reflect.DeepEqual(got, want):
				t.Logf("killed %s (at %q, still running: %t): the whole file in the database", k.name, at, killed)
				committed = true
			default:
				t.Fatalf("killed %s (at %q): the database holds part of the file: %+v, want nothing or %+v", k.name, at, got, want)
			}
			if !killed && !committed {
				t.Fatalf("%s: the import ended before the kill without importing: %v\n%s", k.name, r.err, r.stdout.String())
			}
		}

		// Run again, to the end.
		summary := startImport(t, bin, dsn, csv).wait(t)
		wantSummary := cleanSummary
		if committed {
			wantSummary = againSummary // a kill came after the commit
		}
		if withoutDuration(summary) != withoutDuration(wantSummary) {
			t.Errorf("the import after the kills says:\n%s\nwant (as a clean import):\n%s", summary, wantSummary)
		}
		if code, out := cliOut(t, bin, "verify", "--db", dsn); code != 0 || !strings.Contains(out, "brak naruszeń") {
			t.Errorf("verify after the kills: exit %d\n%s", code, out)
		}
		if code, out := cliOut(t, bin, "verify", "--audit", "--db", dsn); code != 0 {
			t.Errorf("verify --audit after the kills: exit %d\n%s", code, out)
		}
		if _, got := cliOut(t, bin, "plan", "--db", dsn); got != wantPlan {
			t.Errorf("plan after the kills:\n%s\nwant (clean import):\n%s", got, wantPlan)
		}
		if _, got := cliOut(t, bin, "plan", "--db", dsn, "--format", "json"); got != wantJSON {
			t.Errorf("plan --format json after the kills differs from a clean import's (%d and %d bytes)", len(got), len(wantJSON))
		}
	})
}
