package vfs

// RangeSyncer is implemented by files that keep dirty pages in a cache:
// SyncRange starts their write-back for sync_file_range(2) with
// SYNC_FILE_RANGE_WRITE, for bytes [off, off+n) (n 0: to the end of the
// file). It neither commits metadata nor flushes the device's cache.
type RangeSyncer interface {
	SyncRange(off, n int64) error
}
