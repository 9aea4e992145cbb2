package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/service"
	"jedenlogin/store/storetest"
)

// TestCLIAdminTokens: `admin-token add|list|revoke` on a migrated
// database: the token is the only line on stdout, only its hash is
// stored, a name is never reused, creation and revocation are audited,
// and bad input is refused without writing anything.
func TestCLIAdminTokens(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		dsn := b.NewDSN(t)
		st := storetest.Open(t, dsn)
		ctx := context.Background()

		code, out, errOut := cli(t, "admin-token", "add", "--db", dsn, "--name", "raporty-nocne", "--expires", "90d")
		if code != 0 {
			t.Fatalf("admin-token add: exit %d: %s", code, errOut)
		}
		token := strings.TrimSuffix(out, "\n")
		if strings.Count(out, "\n") != 1 || !strings.HasPrefix(token, service.AdminTokenPrefix) || len(token) != len(service.AdminTokenPrefix)+43 {
			t.Fatalf("admin-token add printed %q, want the token alone", out)
		}
		if !strings.Contains(errOut, "tylko ten jeden raz") || strings.Contains(errOut, token) {
			t.Errorf("stderr %q: want the once-only warning and never the token", errOut)
		}
		got, err := st.AdminTokenByHash(ctx, service.HashID(token))
		if err != nil {
			t.Fatalf("the token's hash is not stored: %v", err)
		}
		if got.Name != "raporty-nocne" || got.ExpiresAt == nil || got.RevokedAt != nil ||
			got.ExpiresAt.Sub(got.CreatedAt) != 90*24*time.Hour || strings.Contains(got.Hash, token) {
			t.Errorf("stored token %+v", got)
		}
		if code, out, _ := cli(t, "admin-token", "add", "--db", dsn, "--name", "crm"); code != 0 || out == "" {
			t.Errorf("admin-token add without --expires: exit %d, stdout %q", code, out)
		}

		for _, bad := range [][]string{
			{"--name", "Raporty"}, // upper case
			{"--name", ""},        // missing
			{"--name", "x", "--expires", "-5d"},
			{"--name", "x", "--expires", "jutro"},
			{"--name", "x", "nadmiar"},
		} {
			if code, out, _ := cli(t, append([]string{"admin-token", "add", "--db", dsn}, bad...)...); code != 2 || out != "" {
				t.Errorf("admin-token add %v: exit %d, stdout %q; want 2 and nothing", bad, code, out)
			}
		}
		if code, out, errOut := cli(t, "admin-token", "add", "--db", dsn, "--name", "crm"); code != 1 || out != "" || !strings.Contains(errOut, "już istnieje") {
			t.Errorf("admin-token add of a taken name: exit %d, stdout %q, stderr %q", code, out, errOut)
		}

		code, out, _ = cli(t, "admin-token", "list", "--db", dsn)
		if code != 0 || !strings.Contains(out, "raporty-nocne") || !strings.Contains(out, "crm") || strings.Contains(out, token) || strings.Contains(out, got.Hash) {
			t.Errorf("admin-token list: exit %d:\n%s", code, out)
		}

		if code, _, errOut := cli(t, "admin-token", "revoke", "--db", dsn, "raporty-nocne"); code != 0 {
			t.Errorf("admin-token revoke: exit %d: %s", code, errOut)
		}
		if code, _, errOut := cli(t, "admin-token", "revoke", "--db", dsn, "raporty-nocne"); code != 1 || !strings.Contains(errOut, "już unieważniony") {
			t.Errorf("admin-token revoke twice: exit %d: %s", code, errOut)
		}
		if code, _, _ := cli(t, "admin-token", "revoke", "--db", dsn, "nieznany"); code != 1 {
			t.Errorf("admin-token revoke of an unknown name: exit %d", code)
		}
		if code, _, _ := cli(t, "admin-token", "add", "--db", dsn, "--name", "raporty-nocne"); code != 1 {
			t.Errorf("admin-token add reusing a revoked name: exit %d, want 1", code)
		}
		code, out, _ = cli(t, "admin-token", "list", "--db", dsn)
		if code != 0 || !strings.Contains(out, "unieważniony") {
			t.Errorf("admin-token list after revoke: exit %d:\n%s", code, out)
		}

		evs, err := st.Audit(ctx, jedenlogin.AuditFilter{Action: jedenlogin.AuditAdminToken})
		if err != nil {
			t.Fatal(err)
		}
		var seen []string
		for _, e := range evs {
			seen = append(seen, e.Actor+" "+e.Subject+" "+e.Outcome)
			if strings.Contains(e.Details, token) || strings.Contains(e.Details, got.Hash) {
				t.Errorf("audit event carries the token or its hash: %+v", e)
			}
		}
		want := []string{"cli token:raporty-nocne revoked", "cli token:crm created", "cli token:raporty-nocne created"}
		if strings.Join(seen, "|") != strings.Join(want, "|") {
			t.Errorf("audit events %v, want %v", seen, want)
		}
		if code, _, _ := cli(t, "admin-token", "frob"); code != 2 {
			t.Errorf("admin-token frob: exit %d, want 2", code)
		}
	})
}
