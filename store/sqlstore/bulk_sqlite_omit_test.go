package sqlstore_test

import (
	"context"
	"slices"
	"testing"

	"jedenlogin/store/sqlstore"
	"jedenlogin/store/storetest"
)

// TestOmissibleColumns: a SQLite bulk load leaves out of its INSERTs only
// the columns whose default is what it would bind for an empty value — the
// empty string for the text columns it binds through ifnull, NULL for the
// others — read from the schema: never a NOT NULL column without a default
// (the insert would fail), a text column with another default, a nullable
// one with a default, the primary key, or a column the table does not
// have.
func TestOmissibleColumns(t *testing.T) {
	ctx := context.Background()
	b := storetest.Backends(t)[0]
	if b.Name != sqlstore.BackendSQLite {
		t.Fatalf("first backend %s, want SQLite", b.Name)
	}
	s := storetest.Open(t, b.NewDSN(t))
	cols := []string{"id", "person_id", "name", "name_folded", "password_hash", "state", "origin", "first_name", "accepted_at",
		"merged_into", "state_before_merge", "created_at"}
	got, err := sqlstore.OmissibleColumns(ctx, s, "logins", cols)
	if err != nil {
		t.Fatal(err)
	}
	var omissible []string
	for k, ok := range got {
		if ok {
			omissible = append(omissible, cols[k])
		}
	}
	if want := []string{"password_hash", "first_name", "accepted_at", "merged_into", "state_before_merge"}; !slices.Equal(omissible, want) {
		t.Errorf("logins: omissible %v, want %v", omissible, want)
	}

	// Columns of every kind, with text columns named as the bulk-loaded
	// tables' text columns (the load binds those with ifnull).
	if _, err := s.DB().ExecContext(ctx, `CREATE TABLE omit_probe (
		name TEXT NOT NULL,                -- text, no default
		state TEXT NOT NULL DEFAULT 'x',   -- text, another default
		email TEXT NOT NULL DEFAULT '',    -- text, default ''
		n INTEGER NOT NULL,                -- no default
		m INTEGER DEFAULT 5,               -- nullable with a default
		k INTEGER NOT NULL DEFAULT 0,      -- not null with a default
		at INTEGER                         -- nullable, no default
	)`); err != nil {
		t.Fatal(err)
	}
	probe := []string{"name", "state", "email", "n", "m", "k", "at", "missing"}
	got, err = sqlstore.OmissibleColumns(ctx, s, "omit_probe", probe)
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{false, false, true, false, false, false, true, false}; !slices.Equal(got, want) {
		t.Errorf("omit_probe %v: omissible %v, want %v", probe, got, want)
	}
}
