package sqlstore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"jedenlogin"
	"jedenlogin/store/conformance"
	"jedenlogin/store/sqlstore"
	"jedenlogin/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		conformance.RunTests(t, func(t testing.TB) jedenlogin.Store {
			return storetest.Open(t, b.NewDSN(t))
		})
	})
}

// TestSQLitePageSize: a database jedenlogin creates has 8 KiB pages (the
// import writes and sorts faster); one created before keeps its own.
func TestSQLitePageSize(t *testing.T) {
	ctx := context.Background()
	pageSize := func(path string) int {
		t.Helper()
		st, err := sqlstore.Open(ctx, path, sqlstore.Options{Migrate: true})
		if err != nil {
			t.Fatalf("Open %s: %v", path, err)
		}
		defer st.Close()
		var n int
		if err := st.DB().QueryRowContext(ctx, "PRAGMA page_size").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	dir := t.TempDir()
	if n := pageSize(filepath.Join(dir, "new.db")); n != 8192 {
		t.Errorf("new database: page size %d, want 8192", n)
	}
	old := filepath.Join(dir, "old.db")
	db, err := sql.Open("sqlite", old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA page_size = 4096; CREATE TABLE x (a)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if n := pageSize(old); n != 4096 {
		t.Errorf("existing database: page size %d, want its own 4096", n)
	}
}
