package sqlstore

import "strings"

// SetBulkIndexThreshold lowers the load size from which an import
// rebuilds indexes after loading, so tests reach that path with small
// batches; the returned function restores it.
func SetBulkIndexThreshold(n int) (restore func()) {
	old := bulkIndexThreshold
	bulkIndexThreshold = n
	return func() { bulkIndexThreshold = old }
}

// MigrationVersion returns the version of the migration whose file is
// NNNN_name.sql, or 0 when there is none.
func (s *Store) MigrationVersion(name string) (int, error) {
	ms, err := s.migrations()
	if err != nil {
		return 0, err
	}
	for _, m := range ms {
		if strings.HasSuffix(m.name, "_"+name) {
			return m.version, nil
		}
	}
	return 0, nil
}
