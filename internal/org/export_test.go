package org

// SetReindexBatch makes ReindexUnits work in batches of n units until the
// test ends.
func SetReindexBatch(t interface{ Cleanup(func()) }, n int) {
	old := reindexBatch
	reindexBatch = n
	t.Cleanup(func() { reindexBatch = old })
}
