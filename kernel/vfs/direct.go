package vfs

// DirectIO is implemented by files whose O_DIRECT transfers need the
// caller's buffer aligned in memory, as a block device needs it for DMA
// (Linux's bdev_iter_is_aligned). The file checks offsets and lengths
// itself; only the system call sees the user address.
type DirectIO interface {
	// DirectAlign returns the alignment in bytes the buffer of an
	// O_DIRECT transfer of n bytes at off (-1: the file position) needs,
	// or 0 when the transfer ends before the buffer matters (nothing to
	// do, at or past the end of a device).
	DirectAlign(write bool, off int64, n uint64) uint64
}
