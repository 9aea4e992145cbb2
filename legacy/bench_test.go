package legacy_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"jedenlogin"
	"jedenlogin/legacy"
	"jedenlogin/legacy/legacygen"
)

// benchFile is a generated 100,000-row file, made once per test binary.
var benchFile = sync.OnceValues(func() ([]byte, error) {
	var b bytes.Buffer
	_, err := legacygen.Generate(&b, legacygen.Options{Rows: 100_000, Seed: 1})
	return b.Bytes(), err
})

func loadBenchFile(b *testing.B) []byte {
	data, err := benchFile()
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkParse measures Parse alone (validation, grouping), in rows/s.
func BenchmarkParse(b *testing.B) {
	data := loadBenchFile(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		f, err := legacy.Parse(bytes.NewReader(data))
		if err != nil || len(f.Errors) > 0 {
			b.Fatalf("Parse: %v %v", err, f.Errors)
		}
	}
	b.ReportMetric(float64(100_000*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// discardStore is an empty database that drops the batch: it measures the
// importer's own work (parse, grouping, classification, batch).
type discardStore struct{ jedenlogin.Store }

func (discardStore) ImportSnapshot(context.Context) (*jedenlogin.ImportSnapshot, error) {
	return &jedenlogin.ImportSnapshot{
		Version: "empty", Logins: map[string]int64{}, Persons: map[string]jedenlogin.Person{},
		Entities: map[string]jedenlogin.Entity{}, NextPersonID: 1, NextLoginID: 1, NextGrantID: 1,
	}, nil
}

func (discardStore) BeginImport(context.Context, string, jedenlogin.ImportSize) (jedenlogin.ImportWriter, error) {
	return discardWriter{}, nil
}

// discardWriter drops every row.
type discardWriter struct{}

func (discardWriter) Entities(context.Context, []jedenlogin.Entity) error      { return nil }
func (discardWriter) NewPersons(context.Context, []jedenlogin.Person) error    { return nil }
func (discardWriter) UpdatePersons(context.Context, []jedenlogin.Person) error { return nil }
func (discardWriter) Logins(context.Context, []jedenlogin.Login) error         { return nil }
func (discardWriter) Grants(context.Context, []jedenlogin.Grant) error         { return nil }
func (discardWriter) Audit(context.Context, []jedenlogin.AuditEvent) error     { return nil }
func (discardWriter) Commit(context.Context) error                             { return nil }
func (discardWriter) Rollback() error                                          { return nil }
func (discardWriter) Persons(context.Context, []int64) ([]*jedenlogin.PersonRecord, error) {
	return nil, nil
}

// BenchmarkImportWithoutStore measures Import up to the store, in rows/s.
func BenchmarkImportWithoutStore(b *testing.B) {
	data := loadBenchFile(b)
	b.SetBytes(int64(len(data)))
	im := &legacy.Importer{Store: discardStore{}, MemoryLimit: -1}
	b.ResetTimer()
	for b.Loop() {
		if _, err := im.Import(context.Background(), bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(100_000*b.N)/b.Elapsed().Seconds(), "rows/s")
}
