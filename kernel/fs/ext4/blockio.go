package ext4

import (
	"aramid/kernel/abi"
	"aramid/kernel/fs/ext4/layout"
)

// Block I/O. Metadata blocks go through a write-through cache (every
// write reaches the device at once); file data bypasses it and drops any
// cached copy of the blocks it writes. FS.mu is held.

func (fs *FS) sectorsPerBlock() uint64 { return uint64(fs.bs / fs.dev.SectorSize()) }

// readBlocks reads count blocks from n into p (len(p) = count*bs),
// bypassing the cache.
func (fs *FS) readBlocks(p []byte, n uint64) error {
	count := uint64(len(p) / fs.bs)
	if n >= fs.sb.BlocksCount || count > fs.sb.BlocksCount-n {
		return errCorrupt // a block number outside the filesystem
	}
	if err := fs.dev.ReadSectors(p, n*fs.sectorsPerBlock()); err != nil {
		return abi.EIO
	}
	for i := uint64(0); i < count; i++ {
		if c, ok := fs.cache[n+i]; ok {
			copy(p[i*uint64(fs.bs):], c) // the cache is never newer, but be exact
		}
	}
	return nil
}

// writeBlocks writes whole blocks from n, updating cached copies.
func (fs *FS) writeBlocks(p []byte, n uint64) error {
	if err := fs.writable(); err != nil {
		return err
	}
	count := uint64(len(p) / fs.bs)
	if n < uint64(fs.sb.FirstDataBlock)+1 || n >= fs.sb.BlocksCount || count > fs.sb.BlocksCount-n {
		return errCorrupt
	}
	if err := fs.dev.WriteSectors(p, n*fs.sectorsPerBlock()); err != nil {
		return fs.fail(err)
	}
	fs.forget(n, count)
	return nil
}

// forget drops blocks from the cache and the running transaction: they
// now hold file data, or nothing.
func (fs *FS) forget(n, count uint64) {
	for i := uint64(0); i < count; i++ {
		delete(fs.cache, n+i)
		if fs.jnl != nil {
			delete(fs.jnl.dirty, n+i)
		}
	}
}

// sbBlock is the block holding the superblock and its offset there.
func (fs *FS) sbBlock() (uint64, int) {
	return uint64(layout.SuperOffset / fs.bs), layout.SuperOffset % fs.bs
}

// readMeta returns metadata block n from the cache or the device. The
// slice is the cache's: change it only to write it back with writeMeta.
func (fs *FS) readMeta(n uint64) ([]byte, error) {
	if b, ok := fs.cache[n]; ok {
		return b, nil
	}
	b := make([]byte, fs.bs)
	if n >= fs.sb.BlocksCount {
		return nil, errCorrupt
	}
	if err := fs.dev.ReadSectors(b, n*fs.sectorsPerBlock()); err != nil {
		return nil, abi.EIO
	}
	fs.cachePut(n, b)
	return b, nil
}

func (fs *FS) cachePut(n uint64, b []byte) {
	if len(fs.cache) >= cacheMax {
		i := 0
		for k := range fs.cache { // map order is random: evict a random quarter
			if fs.jnl != nil && fs.jnl.dirty[k] {
				continue // not yet written anywhere
			}
			delete(fs.cache, k)
			if i++; i >= cacheMax/4 {
				break
			}
		}
	}
	fs.cache[n] = b
}

// writeMeta writes metadata block n (b becomes the cached copy).
func (fs *FS) writeMeta(n uint64, b []byte) error {
	if err := fs.writable(); err != nil {
		return err
	}
	if sbb, _ := fs.sbBlock(); (n < uint64(fs.sb.FirstDataBlock)+1 && n != sbb) || n >= fs.sb.BlocksCount {
		return errCorrupt
	}
	if fs.jnl != nil {
		fs.cachePut(n, b)
		fs.jnl.dirty[n] = true
		if len(fs.jnl.dirty) >= fs.jnl.limit {
			return fs.commit()
		}
		return nil
	}
	if err := fs.dev.WriteSectors(b, n*fs.sectorsPerBlock()); err != nil {
		delete(fs.cache, n)
		return fs.fail(err)
	}
	fs.cachePut(n, b)
	return nil
}

// writeSuper writes the primary superblock with its checksum.
func (fs *FS) writeSuper() error {
	if err := fs.writable(); err != nil && !fs.unmounted {
		return err
	}
	fs.sb.SetChecksum()
	if fs.jnl != nil {
		n, off := fs.sbBlock()
		b, err := fs.readMeta(n)
		if err != nil {
			return err
		}
		copy(b[off:], fs.sb.Raw[:])
		fs.sbDirty = false
		return fs.writeMeta(n, b)
	}
	ss := fs.dev.SectorSize()
	// The superblock is bytes 1024..2047; write the sectors holding them.
	first := layout.SuperOffset / ss
	n := (layout.SuperOffset+layout.SuperSize+ss-1)/ss - first
	buf := make([]byte, n*ss)
	if ss > layout.SuperOffset || (layout.SuperOffset+layout.SuperSize)%ss != 0 {
		if err := fs.dev.ReadSectors(buf, uint64(first)); err != nil {
			return fs.fail(err)
		}
	}
	copy(buf[layout.SuperOffset-first*ss:], fs.sb.Raw[:])
	if err := fs.dev.WriteSectors(buf, uint64(first)); err != nil {
		return fs.fail(err)
	}
	// Keep a cached copy of the block holding the superblock current.
	if n, off := fs.sbBlock(); true {
		if c, ok := fs.cache[n]; ok {
			copy(c[off:], fs.sb.Raw[:])
		}
	}
	fs.sbDirty = false
	return nil
}

// writeGroup encodes group g's descriptor with its checksum and writes
// the descriptor block.
func (fs *FS) writeGroup(g uint64) error {
	blk, off := fs.sb.GroupDescLocation(g)
	b, err := fs.readMeta(blk)
	if err != nil {
		return err
	}
	dsz := fs.sb.DescriptorSize()
	d := &fs.groups[g]
	raw := b[off : off+dsz]
	d.Encode(raw, dsz)
	d.Checksum = fs.sb.GroupDescChecksum(g, raw)
	d.Encode(raw, dsz)
	return fs.writeMeta(blk, b)
}

// itableBlocks is the number of blocks of one group's inode table.
func (fs *FS) itableBlocks() uint64 { return fs.sb.InodeTableBlocks() }

// blockBitmap returns group g's block bitmap, building it if the group is
// BLOCK_UNINIT (the bitmap block then holds nothing yet).
func (fs *FS) blockBitmap(g uint64) ([]byte, error) {
	d := &fs.groups[g]
	if d.Flags&layout.BGBlockUninit != 0 && (fs.sb.HasMetadataCsum() || fs.sb.HasGdtCsum()) {
		return fs.initBlockBitmap(g), nil
	}
	b, err := fs.readMeta(d.BlockBitmap)
	if err != nil {
		return nil, err
	}
	if ok, _ := fs.sb.VerifyBitmapChecksums(d, b, nil); !ok {
		return nil, errCorrupt
	}
	return b, nil
}

// initBlockBitmap computes the bitmap of an uninitialised group: its
// superblock backup and descriptor blocks, the bitmaps and inode tables
// (of any group) stored in it, and the bits past its end.
func (fs *FS) initBlockBitmap(g uint64) []byte {
	b := make([]byte, fs.bs)
	fs.sb.InitBlockBitmap(g, fs.groups, b)
	return b
}

// writeBlockBitmap stores group g's block bitmap b, clearing BLOCK_UNINIT
// and updating the checksum and descriptor.
func (fs *FS) writeBlockBitmap(g uint64, b []byte) error {
	d := &fs.groups[g]
	d.Flags &^= layout.BGBlockUninit
	fs.sb.SetBitmapChecksums(d, b, nil)
	if err := fs.writeMeta(d.BlockBitmap, b); err != nil {
		return err
	}
	return fs.writeGroup(g)
}

// inodeBitmap returns group g's inode bitmap (all free if INODE_UNINIT).
func (fs *FS) inodeBitmap(g uint64) ([]byte, error) {
	d := &fs.groups[g]
	if d.Flags&layout.BGInodeUninit != 0 && (fs.sb.HasMetadataCsum() || fs.sb.HasGdtCsum()) {
		b := make([]byte, fs.bs)
		for i := uint64(fs.sb.InodesPerGroup); i < uint64(fs.bs)*8; i++ {
			setBit(b, i)
		}
		return b, nil
	}
	b, err := fs.readMeta(d.InodeBitmap)
	if err != nil {
		return nil, err
	}
	if _, ok := fs.sb.VerifyBitmapChecksums(d, nil, b); !ok {
		return nil, errCorrupt
	}
	return b, nil
}

func (fs *FS) writeInodeBitmap(g uint64, b []byte) error {
	d := &fs.groups[g]
	d.Flags &^= layout.BGInodeUninit
	fs.sb.SetBitmapChecksums(d, nil, b)
	if err := fs.writeMeta(d.InodeBitmap, b); err != nil {
		return err
	}
	return fs.writeGroup(g)
}

func setBit(b []byte, i uint64)       { layout.SetBit(b, i) }
func clearBit(b []byte, i uint64)     { layout.ClearBit(b, i) }
func testBit(b []byte, i uint64) bool { return layout.TestBit(b, i) }
