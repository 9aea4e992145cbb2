package main

import (
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/store/storetest"
)

// TestCLIMFAReset: mfa reset removes the person's factors with the reason
// audited and says so; it refuses a missing reason and names an unknown
// login.
func TestCLIMFAReset(t *testing.T) {
	sample := filepath.Join("..", "..", "testdata", "legacy-sample.csv")
	dsn := storetest.Backends(t)[0].NewDSN(t)
	if code, out, errOut := cli(t, "import", "--db", dsn, sample); code != 0 {
		t.Fatalf("import: %d\n%s%s", code, out, errOut)
	}
	st := storetest.Open(t, dsn)
	ctx := context.Background()
	snap, err := st.ImportSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var login string
	var pid int64
	for name, id := range snap.Logins {
		login, pid = name, id
		break
	}
	if err := st.BeginTOTP(ctx, pid, "SECRET", time.Now()); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.ConfirmTOTP(ctx, pid, "SECRET", 1, []string{"h"}, time.Now()); !ok || err != nil {
		t.Fatal(ok, err)
	}
	outbox := t.TempDir()
	if code, _, errOut := cli(t, "mfa", "reset", "--db", dsn, login); code != 2 || !strings.Contains(errOut, "--reason") {
		t.Errorf("without a reason: exit %d, %q", code, errOut)
	}
	if code, _, errOut := cli(t, "mfa", "reset", "--db", dsn, "NIEMA-TAKIEGO", "--reason", "x"); code != 1 || !strings.Contains(errOut, "Nie ma loginu NIEMA-TAKIEGO") {
		t.Errorf("unknown login: exit %d, %q", code, errOut)
	}
	code, out, errOut := cli(t, "mfa", "reset", "--db", dsn, login, "--reason", "zgubiony telefon", "--mail-outbox", outbox)
	if code != 0 || !strings.Contains(out, login) {
		t.Fatalf("mfa reset: exit %d\n%s%s", code, out, errOut)
	}
	f, err := st.MFAFactors(ctx, pid)
	if err != nil || f.Any() || f.RecoveryCodesLeft != 0 {
		t.Errorf("after the reset: %+v, %v", f, err)
	}
	evs, _ := st.Audit(ctx, jedenlogin.AuditFilter{Action: jedenlogin.AuditMFAChanged})
	if len(evs) != 1 || evs[0].Outcome != "reset" || evs[0].Actor != "cli" || !strings.Contains(evs[0].Details, "zgubiony telefon") {
		t.Errorf("audit: %+v", evs)
	}
	rec, _ := st.Person(ctx, pid)
	if rec.Person.Account != nil && rec.Person.Account.Email != "" {
		if files, _ := os.ReadDir(outbox); len(files) != 1 {
			t.Errorf("%d mails in the outbox, want 1", len(files))
		}
	}
}

// TestMFAKeyFlag: --mfa-key-file takes 64 hex characters and names a file
// that holds anything else.
func TestMFAKeyFlag(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good"), filepath.Join(dir, "bad")
	os.WriteFile(good, []byte(strings.Repeat("ab", 32)+"\n"), 0o600)
	os.WriteFile(bad, []byte("krotki"), 0o600)
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := registerServeFlags(fs, "./x.db")
	if err := fs.Parse([]string{"--mfa-key-file", good, "--mfa-required", "kierownik"}); err != nil || len(f.mfaKey) != 32 || f.mfaKey[0] != 0xab || f.mfa.Operators || !f.mfa.Heads {
		t.Errorf("good key: %v, %x, %+v", err, f.mfaKey, f.mfa)
	}
	if err := fs.Parse([]string{"--mfa-key-file", bad}); err == nil || !strings.Contains(err.Error(), "64 hex") {
		t.Errorf("bad key: %v", err)
	}
	if err := fs.Parse([]string{"--mfa-required", "dyrektor"}); err == nil {
		t.Error("unknown role accepted")
	}
}
