package ext4

import "aramid/kernel/abi"

// Block and inode allocation. FS.mu is held.

// groupOf returns the group holding block n and n's index there.
func (fs *FS) groupOf(n uint64) (uint64, uint64) {
	n -= uint64(fs.sb.FirstDataBlock)
	return n / uint64(fs.sb.BlocksPerGroup), n % uint64(fs.sb.BlocksPerGroup)
}

// allocBlocks allocates up to want contiguous blocks, the first at or
// after goal if possible, and returns the first and how many. ENOSPC
// when the filesystem is full.
func (fs *FS) allocBlocks(goal uint64, want int) (uint64, int, error) {
	if err := fs.writable(); err != nil {
		return 0, 0, err
	}
	if fs.sb.FreeBlocksCount <= fs.reserveFloor {
		return 0, 0, abi.ENOSPC
	}
	want = int(min(uint64(want), fs.sb.FreeBlocksCount-fs.reserveFloor))
	if goal < uint64(fs.sb.FirstDataBlock) || goal >= fs.sb.BlocksCount {
		goal = uint64(fs.sb.FirstDataBlock)
	}
	g0, off := fs.groupOf(goal)
	ng := uint64(len(fs.groups))
	for i := uint64(0); i <= ng; i++ {
		g := (g0 + i) % ng
		if fs.groups[g].FreeBlocks == 0 {
			off = 0
			continue
		}
		b, err := fs.blockBitmap(g)
		if err != nil {
			return 0, 0, err
		}
		nb := uint64(fs.sb.GroupBlocks(g))
		start, n := findRun(b, off, nb, want)
		if n == 0 && off > 0 {
			start, n = findRun(b, 0, nb, want)
		}
		off = 0
		if n == 0 {
			continue
		}
		for j := uint64(0); j < uint64(n); j++ {
			setBit(b, start+j)
		}
		d := &fs.groups[g]
		if uint32(n) > d.FreeBlocks {
			return 0, 0, errCorrupt // the bitmap has more free bits than the count
		}
		d.FreeBlocks -= uint32(n)
		if err := fs.writeBlockBitmap(g, b); err != nil {
			return 0, 0, err
		}
		fs.sb.FreeBlocksCount -= min(uint64(n), fs.sb.FreeBlocksCount)
		fs.sbDirty = true
		return fs.sb.GroupFirstBlock(g) + start, n, nil
	}
	return 0, 0, abi.ENOSPC
}

// findRun finds a run of clear bits at or after from (below limit): the
// first run of want bits if there is one, else the longest shorter run
// (the first of equals), so a file is not split into the single free
// blocks a fragmented group has near the goal while whole runs exist
// further on. It returns the run's start and length (at most want), or
// 0, 0 when every bit is set.
func findRun(b []byte, from, limit uint64, want int) (uint64, int) {
	var best uint64
	bestN := 0
	for i := from; i < limit; i++ {
		if i%8 == 0 && b[i/8] == 0xFF {
			i += 7
			continue
		}
		if testBit(b, i) {
			continue
		}
		n := 1
		for n < want && i+uint64(n) < limit && !testBit(b, i+uint64(n)) {
			n++
		}
		if n == want {
			return i, n
		}
		if n > bestN {
			best, bestN = i, n
		}
		i += uint64(n) // the bit after the run is set (or the limit)
	}
	return best, bestN
}

// freeBlocks returns count blocks from n to the free pool.
func (fs *FS) freeBlocks(n uint64, count uint64) error {
	for count > 0 {
		if n < uint64(fs.sb.FirstDataBlock)+1 || n >= fs.sb.BlocksCount {
			return errCorrupt
		}
		g, off := fs.groupOf(n)
		b, err := fs.blockBitmap(g)
		if err != nil {
			return err
		}
		nb := uint64(fs.sb.GroupBlocks(g))
		k := min(count, nb-off)
		d := &fs.groups[g]
		for j := uint64(0); j < k; j++ {
			if !testBit(b, off+j) {
				return errCorrupt // freeing a free block
			}
			clearBit(b, off+j)
		}
		d.FreeBlocks += uint32(k)
		if err := fs.writeBlockBitmap(g, b); err != nil {
			return err
		}
		fs.sb.FreeBlocksCount += k
		fs.sbDirty = true
		fs.forget(n, k)
		n += k
		count -= k
	}
	return nil
}

// allocInodeNumber takes a free inode number, preferring group goal
// (directories spread to the emptiest group of the flex group range).
func (fs *FS) allocInodeNumber(goal uint64, dir bool) (uint32, error) {
	if err := fs.writable(); err != nil {
		return 0, err
	}
	if fs.sb.FreeInodesCount == 0 {
		return 0, abi.ENOSPC
	}
	ng := uint64(len(fs.groups))
	if goal >= ng {
		goal = 0
	}
	if dir {
		// Put new directories in the group with the most free inodes
		// among those with free blocks at least average (a simple
		// Orlov-like spread).
		avg := fs.sb.FreeBlocksCount / ng
		best := -1
		for g := uint64(0); g < ng; g++ {
			d := &fs.groups[g]
			if d.FreeInodes == 0 || uint64(d.FreeBlocks) < avg {
				continue
			}
			if best < 0 || d.FreeInodes > fs.groups[best].FreeInodes {
				best = int(g)
			}
		}
		if best >= 0 {
			goal = uint64(best)
		}
	}
	ipg := uint64(fs.sb.InodesPerGroup)
	for i := uint64(0); i < ng; i++ {
		g := (goal + i) % ng
		d := &fs.groups[g]
		if d.FreeInodes == 0 {
			continue
		}
		b, err := fs.inodeBitmap(g)
		if err != nil {
			return 0, err
		}
		first := uint64(0)
		if g == 0 {
			first = uint64(fs.sb.FirstIno) - 1
		}
		idx, n := findRun(b, first, ipg, 1)
		if n == 0 {
			continue
		}
		setBit(b, idx)
		d.FreeInodes--
		if dir {
			d.UsedDirs++
		}
		if fs.sb.HasMetadataCsum() || fs.sb.HasGdtCsum() {
			// Inodes past ipg-itable_unused were never used.
			if used := ipg - uint64(d.ItableUnused); idx+1 > used {
				d.ItableUnused = uint32(ipg - (idx + 1))
			}
		}
		if err := fs.writeInodeBitmap(g, b); err != nil {
			return 0, err
		}
		fs.sb.FreeInodesCount--
		fs.sbDirty = true
		return uint32(g*ipg + idx + 1), nil
	}
	return 0, abi.ENOSPC
}

// freeInodeNumber clears ino in its bitmap.
func (fs *FS) freeInodeNumber(ino uint32, dir bool) error {
	g, idx := fs.sb.InodeLocation(ino)
	if g >= uint64(len(fs.groups)) {
		return errCorrupt
	}
	b, err := fs.inodeBitmap(g)
	if err != nil {
		return err
	}
	if !testBit(b, uint64(idx)) {
		return errCorrupt
	}
	clearBit(b, uint64(idx))
	d := &fs.groups[g]
	d.FreeInodes++
	if dir && d.UsedDirs > 0 {
		d.UsedDirs--
	}
	if err := fs.writeInodeBitmap(g, b); err != nil {
		return err
	}
	fs.sb.FreeInodesCount++
	fs.sbDirty = true
	return nil
}
