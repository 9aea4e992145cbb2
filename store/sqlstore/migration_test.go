package sqlstore_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"jedenlogin/legacy"
	"jedenlogin/store/storetest"
)

// TestRevokeReasonCodesMigration: the migration revoke_reason_codes turns
// the Polish wordings grants stored as their revocation reason into the
// codes (applications.RevokeReasons) and leaves any other text as it is.
// The migration is applied again to a database holding the old values.
func TestRevokeReasonCodesMigration(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b.NewDSN(t))
		const csv = "login,status,first_name,last_name,entity_id,entity_name,function\n" +
			"JANKOW1,active,Jan,Kowalski,E1,Szkoła 1,pracownik\n" +
			"ANNNOW1,active,Anna,Nowak,E1,Szkoła 1,pracownik\n" +
			"PIOWIS1,active,Piotr,Wiśniewski,E1,Szkoła 1,pracownik\n"
		if _, err := (&legacy.Importer{Store: st}).Import(ctx, strings.NewReader(csv), int64(len(csv))); err != nil {
			t.Fatal(err)
		}
		version, err := st.MigrationVersion("revoke_reason_codes")
		if err != nil || version == 0 {
			t.Fatalf("migration revoke_reason_codes: version %d, %v", version, err)
		}
		old := []string{"Na prośbę użytkownika", "Naruszenie zasad bezpieczeństwa", "powód spoza listy"}
		want := []string{"user_request", "security_breach", "powód spoza listy"}
		var ids []int64
		rows, err := st.DB().QueryContext(ctx, "SELECT id FROM grants ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil || len(ids) != len(old) {
			t.Fatalf("grants %v, %v; want %d", ids, err, len(old))
		}
		db := st.DB()
		for i, id := range ids {
			if _, err := db.ExecContext(ctx, "UPDATE grants SET revoke_reason = '"+old[i]+"' WHERE id = "+itoa(id)); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.RerunMigration(ctx, "revoke_reason_codes"); err != nil {
			t.Fatal(err)
		}
		for i, id := range ids {
			var got string
			if err := db.QueryRowContext(ctx, "SELECT revoke_reason FROM grants WHERE id = "+itoa(id)).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want[i] {
				t.Errorf("grant %d: revoke_reason %q after the migration, want %q (was %q)", id, got, want[i], old[i])
			}
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
