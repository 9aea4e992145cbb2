package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"jedenlogin"
)

// TestImportIndexBuildRestoresConnection checks that the settings a large
// SQLite import changes on its connection for the index builds (sorter
// runs in temporary files, helper threads, a smaller page cache) are the
// defaults again on every pooled connection afterwards: temp_store MEMORY
// keeps the statement journals of group commit's savepoints off the disk.
func TestImportIndexBuildRestoresConnection(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "i.db"), Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	defer func(old int) { bulkIndexThreshold = old }(bulkIndexThreshold)
	bulkIndexThreshold = 100

	snap, err := s.ImportSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	b := &jedenlogin.ImportBatch{SnapshotVersion: snap.Version,
		Entities: []jedenlogin.Entity{{ID: "100001", Name: "Szkoła", Kind: "szkola"}}}
	for i := int64(0); i < 300; i++ {
		pid, lid := snap.NextPersonID+i, snap.NextLoginID+i
		b.NewPersons = append(b.NewPersons, jedenlogin.Person{ID: pid, Key: fmt.Sprintf("pesel:%011d", 300-i),
			Case: jedenlogin.CaseChoose, State: jedenlogin.StatePending, CreatedAt: now})
		b.Logins = append(b.Logins, jedenlogin.Login{ID: lid, PersonID: pid, Name: fmt.Sprintf("LOGIN%04d", 300-i),
			State: jedenlogin.LoginActive, Origin: jedenlogin.OriginLegacy, LastName: fmt.Sprint(i % 7), CreatedAt: now})
		b.Grants = append(b.Grants, jedenlogin.Grant{ID: snap.NextGrantID + i, LoginID: lid, EntityID: "100001",
			Function: jedenlogin.FunctionEmployee, OriginLoginID: lid, CreatedAt: now})
	}
	if err := jedenlogin.WriteImportBatch(ctx, s, b); err != nil {
		t.Fatalf("WriteImportBatch: %v", err)
	}

	// Every idle connection at once, the import's among them (the pool
	// opens at most sqliteConns, one of which group commit may hold).
	var conns []interface{ Close() error }
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < sqliteConns-1; i++ {
		c, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var temp, threads, cache int
		var mode string
		for _, p := range []struct {
			pragma string
			dst    any
		}{{"temp_store", &temp}, {"threads", &threads}, {"cache_size", &cache}, {"journal_mode", &mode}} {
			if err := c.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(p.dst); err != nil {
				t.Fatalf("PRAGMA %s: %v", p.pragma, err)
			}
		}
		if temp != 2 || threads != 0 || cache != sqliteCacheSize || mode != "wal" {
			t.Errorf("connection %d after a large import: temp_store %d, threads %d, cache_size %d, journal_mode %s; want 2, 0, %d, wal",
				i, temp, threads, cache, mode, sqliteCacheSize)
		}
	}
	if n, err := s.PlanSummary(ctx); err != nil || n.Logins != 300 {
		t.Errorf("after the import: %+v, %v; want 300 logins", n, err)
	}
}
