package main

import (
	"path/filepath"
	"strings"
	"testing"

	"jedenlogin/mail"
)

// TestCLINotify: bad invocations are refused with what to fix; a dry run
// writes the notices and a summary and records nothing, so the real run
// after it still sends every notice.
func TestCLINotify(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "j.db")
	if code, _, errs := cli(t, "import", "--db", db, "../../testdata/legacy-sample.csv"); code != 0 {
		t.Fatalf("import: %s", errs)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--date", "2027-03-31"}, "podaj --campaign"},
		{[]string{"--campaign", "x"}, "--date"},
		{[]string{"--campaign", "x", "--date", "31.03.2027"}, "RRRR-MM-DD"},
		{[]string{"--campaign", "x", "--date", "2027-03-31", "--help-url", "pomoc"}, "--help-url"},
		{[]string{"--campaign", "x", "--date", "2027-03-31", "--dry-run", "--smtp", "smtp://127.0.0.1:25"}, "--dry-run"},
		{[]string{"--campaign", "x", "--date", "2027-03-31", "--case", "unchanged"}, "nieznany przypadek"},
	} {
		code, _, errs := cli(t, append([]string{"notify", "--db", db}, tc.args...)...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("notify %v: code %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
	if code, _, errs := cli(t, "notify", "--db", db, "--campaign", "zły name", "--date", "2027-03-31", "--mail-outbox", filepath.Join(dir, "o0")); code != 1 || !strings.Contains(errs, "campaign name") {
		t.Errorf("bad campaign name: code %d, %s", code, errs)
	}

	dry := filepath.Join(dir, "dry")
	code, out, errs := cli(t, "notify", "--db", db, "--campaign", "c", "--date", "2027-03-31", "--mail-outbox", dry, "--rate", "0", "--dry-run")
	if code != 0 || !strings.Contains(out, "Zapisano (próba) teraz:") || !strings.Contains(out, "Pominięte: brak aktywnego loginu:") {
		t.Fatalf("dry run: code %d\n%s\n%s", code, out, errs)
	}
	dryFiles, _ := mail.OutboxFiles(dry)
	if len(dryFiles) == 0 {
		t.Fatal("the dry run wrote no notice")
	}
	real := filepath.Join(dir, "real")
	code, out, errs = cli(t, "notify", "--db", db, "--campaign", "c", "--date", "2027-03-31", "--mail-outbox", real, "--rate", "0")
	files, _ := mail.OutboxFiles(real)
	if code != 0 || len(files) != len(dryFiles) {
		t.Fatalf("real run after the dry run: code %d, %d notices, the dry run wrote %d\n%s\n%s", code, len(files), len(dryFiles), out, errs)
	}
	m, err := mail.ParseEML(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "31.03.2027") || !strings.Contains(m.Text, "https://pomoc.sio.gov.pl") || !strings.Contains(m.Text, "Masz loginy") && !strings.Contains(m.Text, "Twój nowy login to") {
		t.Errorf("notice:\n%s", m.Text)
	}
}
