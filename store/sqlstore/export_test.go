package sqlstore

// SetBulkIndexThreshold lowers the load size from which an import
// rebuilds indexes after loading, so tests reach that path with small
// batches; the returned function restores it.
func SetBulkIndexThreshold(n int) (restore func()) {
	old := bulkIndexThreshold
	bulkIndexThreshold = n
	return func() { bulkIndexThreshold = old }
}
