package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"jedenlogin"
	"jedenlogin/store/storetest"
)

// TestCLIVerifyAuditFindsTampering changes the audit log behind the
// application's back, as someone with the database's password could, and
// expects `verify --audit` to name the first broken link.
func TestCLIVerifyAuditFindsTampering(t *testing.T) {
	sample := filepath.Join("..", "..", "testdata", "legacy-sample.csv")
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		for _, tamper := range []string{"update", "forged insert"} {
			t.Run(tamper, func(t *testing.T) {
				dsn := b.NewDSN(t)
				if code, _, errOut := cli(t, "import", "--db", dsn, sample); code != 0 {
					t.Fatalf("import: %s", errOut)
				}
				st := storetest.Open(t, dsn)
				for i := range 5 {
					if err := st.AppendAudit(ctx, jedenlogin.AuditEvent{Action: jedenlogin.AuditSignIn, Actor: fmt.Sprintf("L%d", i), Outcome: "ok"}); err != nil {
						t.Fatal(err)
					}
				}
				code, out, errOut := cli(t, "verify", "--audit", "--db", dsn)
				if code != 0 || !strings.Contains(out, "verify --audit: OK, sprawdzono zdarzeń: 6") {
					t.Fatalf("verify --audit on an untouched log: exit %d\n%s%s", code, out, errOut)
				}
				var ids []int64
				rows, err := st.DB().QueryContext(ctx, "SELECT id FROM audit_events ORDER BY id")
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var id int64
					rows.Scan(&id)
					ids = append(ids, id)
				}
				rows.Close()
				var stmts []string
				want := ids[3]
				switch {
				case tamper == "update" && b.Name == "sqlite":
					stmts = []string{"DROP TRIGGER audit_events_no_update",
						fmt.Sprintf("UPDATE audit_events SET outcome = 'failed' WHERE id = %d", ids[2])}
				case tamper == "update":
					stmts = []string{"ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change",
						fmt.Sprintf("UPDATE audit_events SET outcome = 'failed' WHERE id = %d", ids[2])}
				default:
					// A row appended with a made-up link, bypassing the store.
					stmts = []string{fmt.Sprintf(`INSERT INTO audit_events (at, action, actor, subject, address, outcome, details, prev_hash)
						SELECT at, 'sign_in', 'INTRUZ', '', '', 'ok', '', '%s' FROM audit_events WHERE id = %d`, strings.Repeat("ab", 32), ids[5])}
					want = ids[5] + 1
				}
				for _, q := range stmts {
					if _, err := st.DB().ExecContext(ctx, q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				code, out, _ = cli(t, "verify", "--audit", "--db", dsn)
				if code != 1 || !strings.Contains(out, fmt.Sprintf("pierwsze zerwane ogniwo: zdarzenie %d ", want)) {
					t.Fatalf("verify --audit after %s: exit %d, want 1 naming event %d\n%s", tamper, code, want, out)
				}
			})
		}
	})
}
