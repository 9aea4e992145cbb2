package service_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/legacy"
)

// legacyHeader is the legacy export's header row.
var legacyHeader = []string{"login", "password_hash", "status", "first_name", "second_name", "last_name", "pesel", "email", "phone",
	"entity_id", "entity_name", "entity_parent_id", "function", "scopes", "valid_to", "accepted_at"}

// importRows imports the legacy rows (without the header) into st at now.
func importRows(t *testing.T, st jedenlogin.Store, now time.Time, rows ...[]string) {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(append([][]string{legacyHeader}, rows...)); err != nil {
		t.Fatal(err)
	}
	if _, err := (&legacy.Importer{Store: st, Now: func() time.Time { return now }}).Import(context.Background(), &buf, int64(buf.Len())); err != nil {
		t.Fatalf("import: %v", err)
	}
}
