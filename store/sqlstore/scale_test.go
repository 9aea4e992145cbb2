package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/store/sqlstore"
	"jedenlogin/store/storetest"
)

// scaleBatch builds an import of n logins with one grant each, two logins
// per person, over n/20 entities, as the first import into an empty store.
func scaleBatch(snap *jedenlogin.ImportSnapshot, n int) *jedenlogin.ImportBatch {
	b := &jedenlogin.ImportBatch{SnapshotVersion: snap.Version}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	nEnt := max(1, n/20)
	for i := 0; i < nEnt; i++ {
		b.Entities = append(b.Entities, jedenlogin.Entity{ID: strconv.Itoa(100000 + i), Name: "Szkoła nr " + strconv.Itoa(i), Kind: "szkola"})
	}
	pid := snap.NextPersonID - 1
	// Names and keys in random order, as in a real export: the indexes
	// over them grow at random places.
	scatter := func(i int) int { return int((uint64(i)*1000003 + 12345) % uint64(n)) }
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			pid++
			b.NewPersons = append(b.NewPersons, jedenlogin.Person{ID: pid, Key: fmt.Sprintf("pesel:%011d", scatter(i)), Case: jedenlogin.CaseChoose,
				State: jedenlogin.StatePending, CreatedAt: now})
		}
		lid := snap.NextLoginID + int64(i)
		acc := now.Add(-time.Duration(i) * time.Minute)
		b.Logins = append(b.Logins, jedenlogin.Login{ID: lid, PersonID: pid, Name: fmt.Sprintf("LOGIN%07d", scatter(i)),
			PasswordHash: "$2b$10$abcdefghijklmnopqrstuuDxC7RvE5rWDuWZ8d6ngQ2qD1Bs3eWQW", State: jedenlogin.LoginActive,
			Origin: jedenlogin.OriginLegacy, FirstName: "Jan", LastName: "Kowalski", PESEL: fmt.Sprintf("%011d", i),
			Email: fmt.Sprintf("jan%d@example.pl", i), Phone: "600000000", AcceptedAt: &acc, LastLoginAt: &acc, CreatedAt: now})
		vt := now.AddDate(1, 0, 0)
		b.Grants = append(b.Grants, jedenlogin.Grant{ID: snap.NextGrantID + int64(i), LoginID: lid, EntityID: strconv.Itoa(100000 + i%nEnt),
			Function: jedenlogin.FunctionEmployee, Scopes: []string{"sio", "wnioski"}, ValidTo: &vt, OriginLoginID: lid, CreatedAt: now})
	}
	return b
}

// cpuTime returns the process's user+system CPU time, a steadier measure
// than wall time on a shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestImportScale imports JEDENLOGIN_SCALE_ROWS logins (default 3000) on
// every backend and logs the rates of WriteImportBatch, ImportSnapshot and
// ForEachPerson. Run with JEDENLOGIN_SCALE_ROWS=1000000 for the real size.
func TestImportScale(t *testing.T) {
	n := 3000
	if v := os.Getenv("JEDENLOGIN_SCALE_ROWS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			t.Fatalf("JEDENLOGIN_SCALE_ROWS: %v", err)
		}
	}
	storetest.Run(t, func(t *testing.T, be storetest.Backend) {
		ctx := context.Background()
		s := storetest.Open(t, be.NewDSN(t))
		snap, err := s.ImportSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b := scaleBatch(snap, n)
		start, cpu := time.Now(), cpuTime()
		if err := jedenlogin.WriteImportBatch(ctx, s, b); err != nil {
			t.Fatalf("WriteImportBatch: %v", err)
		}
		d := time.Since(start)
		rows := len(b.Logins) + len(b.Grants) + len(b.NewPersons) + len(b.Entities)
		nPersons := len(b.NewPersons)
		t.Logf("%s WriteImportBatch: %d logins, %d grants, %d persons in %v, this process's CPU %v (%.0f rows/s)", be.Name, len(b.Logins), len(b.Grants), len(b.NewPersons),
			d.Round(time.Millisecond), (cpuTime() - cpu).Round(time.Millisecond), float64(rows)/d.Seconds())

		start, cpu = time.Now(), cpuTime()
		snap, err = s.ImportSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s ImportSnapshot: %d logins, %d persons in %v, CPU %v", be.Name, len(snap.Logins), len(snap.Persons),
			time.Since(start).Round(time.Millisecond), (cpuTime() - cpu).Round(time.Millisecond))
		if len(snap.Logins) != n || snap.NextLoginID != int64(n)+1 {
			t.Errorf("snapshot after import: %d logins, next id %d; want %d, %d", len(snap.Logins), snap.NextLoginID, n, n+1)
		}
		version := snap.Version
		b, snap = nil, nil // measure the walk without a huge live heap
		runtime.GC()

		start, cpu = time.Now(), cpuTime()
		persons, grants := 0, 0
		err = s.ForEachPerson(ctx, func(rec *jedenlogin.PersonRecord) error {
			persons++
			grants += len(rec.Grants)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s ForEachPerson: %d persons in %v, CPU %v", be.Name, persons, time.Since(start).Round(time.Millisecond), (cpuTime() - cpu).Round(time.Millisecond))
		if persons != nPersons || grants != n {
			t.Errorf("ForEachPerson saw %d persons, %d grants; want %d, %d", persons, grants, nPersons, n)
		}

		start = time.Now()
		if err := jedenlogin.WriteImportBatch(ctx, s, &jedenlogin.ImportBatch{SnapshotVersion: version}); err != nil {
			t.Fatalf("second WriteImportBatch: %v", err)
		}
		t.Logf("%s empty re-import in %v", be.Name, time.Since(start).Round(time.Millisecond))
	})
}

// TestImportLargeDuplicateRefused checks the bulk path (indexes rebuilt
// after the load) still refuses duplicate login names, writes nothing, and
// leaves the indexes in place.
func TestImportLargeDuplicateRefused(t *testing.T) {
	storetest.Run(t, func(t *testing.T, be storetest.Backend) {
		ctx := context.Background()
		s := storetest.Open(t, be.NewDSN(t))
		snap, err := s.ImportSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer sqlstore.SetBulkIndexThreshold(100)()
		b := scaleBatch(snap, 300)
		b.Logins[200].Name = b.Logins[3].Name
		if err := jedenlogin.WriteImportBatch(ctx, s, b); err == nil {
			t.Fatalf("WriteImportBatch with a duplicate login name succeeded")
		}
		sum, err := s.PlanSummary(ctx)
		if err != nil || sum.Persons != 0 || sum.Logins != 0 {
			t.Errorf("after a refused import: %+v, %v; want an empty database", sum, err)
		}
		// The unique index is back: a second login with a taken name fails.
		b = scaleBatch(snap, 10)
		if err := jedenlogin.WriteImportBatch(ctx, s, b); err != nil {
			t.Fatalf("WriteImportBatch: %v", err)
		}
		snap, _ = s.ImportSnapshot(ctx)
		b2 := &jedenlogin.ImportBatch{SnapshotVersion: snap.Version, Logins: []jedenlogin.Login{b.Logins[0]}}
		b2.Logins[0].ID = snap.NextLoginID
		if err := jedenlogin.WriteImportBatch(ctx, s, b2); err == nil {
			t.Errorf("second login named %s accepted: unique index missing", b.Logins[0].Name)
		}
	})
}

// TestImportLargeDanglingRefused checks the bulk path (indexes, and on
// PostgreSQL foreign keys, dropped for the load and made again at commit)
// still refuses a login of a missing person and a grant of a missing login
// or entity, writes nothing, and leaves the references checked afterwards.
func TestImportLargeDanglingRefused(t *testing.T) {
	storetest.Run(t, func(t *testing.T, be storetest.Backend) {
		ctx := context.Background()
		s := storetest.Open(t, be.NewDSN(t))
		snap, err := s.ImportSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		restore := sqlstore.SetBulkIndexThreshold(100)
		for _, bad := range []struct {
			name  string
			spoil func(b *jedenlogin.ImportBatch)
		}{
			{"a login of a missing person", func(b *jedenlogin.ImportBatch) { b.Logins[150].PersonID = 999_999 }},
			{"a grant of a missing login", func(b *jedenlogin.ImportBatch) { b.Grants[150].LoginID = 999_999 }},
			{"a grant given to a missing login", func(b *jedenlogin.ImportBatch) { b.Grants[150].OriginLoginID = 999_999 }},
			{"a grant of a missing entity", func(b *jedenlogin.ImportBatch) { b.Grants[150].EntityID = "NOPE" }},
		} {
			b := scaleBatch(snap, 300)
			bad.spoil(b)
			if err := jedenlogin.WriteImportBatch(ctx, s, b); err == nil {
				t.Errorf("a large import with %s committed", bad.name)
			}
			if sum, err := s.PlanSummary(ctx); err != nil || sum.Persons != 0 || sum.Logins != 0 {
				t.Errorf("after a refused import with %s: %+v, %v; want an empty database", bad.name, sum, err)
			}
		}
		if err := jedenlogin.WriteImportBatch(ctx, s, scaleBatch(snap, 300)); err != nil {
			t.Fatalf("a large import: %v", err)
		}
		restore()
		// The references are checked after the large import too.
		snap, err = s.ImportSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b := &jedenlogin.ImportBatch{SnapshotVersion: snap.Version, Logins: []jedenlogin.Login{{
			ID: snap.NextLoginID, PersonID: 999_999, Name: "DANGLING", State: jedenlogin.LoginActive,
			Origin: jedenlogin.OriginLegacy, CreatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}}}
		if err := jedenlogin.WriteImportBatch(ctx, s, b); err == nil {
			t.Errorf("a login of a missing person accepted after a large import")
		}
	})
}
