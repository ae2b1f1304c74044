// Package ext4 is Aramid's ext4 filesystem: it mounts a block.Device
// holding an ext4 (or ext2/ext3) filesystem and serves it to the VFS,
// reading and writing.
//
// # What it does
//
// Mount checks the superblock: an incompatible feature it does not know
// refuses the mount with EINVAL and a message naming the feature; an
// unknown read-only-compatible feature allows only a read-only mount.
// Everything bookworm's mkfs.ext4 enables by default is supported (4 KiB
// blocks, 64bit, extents, flex_bg, metadata_csum, dir_index, huge_file,
// dir_nlink, extra_isize, ext_attr, sparse_super, large_file, filetype,
// has_journal, resize_inode). Every checksum is verified on read
// (EUCLEAN on a mismatch, like Linux's EFSCORRUPTED) and recomputed on
// write.
//
// Files are extent-mapped (trees of any depth; block-mapped ext2/3 files
// are read, not written). Writes allocate extents near the file's last
// block, in the inode's flex group; truncation both ways, sparse files and
// files beyond 4 GiB work; fallocate (preallocation as unwritten extents,
// punching holes) too. Directories are linear or hashed (htree): new
// names are inserted into the htree (leaf splits, and a second index level
// when the root fills) so the index stays valid, a full one-block
// directory becomes an htree as on Linux, one-block and hashed directories
// list in hash order as Linux's ext4_dx_readdir does, and lookups use an
// in-memory name index built on first use. Symlinks are fast (in the
// inode) or slow (a block). Extended attributes (user., trusted.,
// security.) are read and written through vfs.XattrOps: in the inode
// while they fit, the rest in an xattr block of the inode's own.
//
// # The journal
//
// A journal that needs recovery is replayed at mount (descriptor, revoke
// and commit blocks; checksums v2 and v3). On a read-write mount metadata
// is journalled (commit.go): a transaction gathers the metadata blocks
// operations change and is committed on fsync, sync and unmount, every
// 5 seconds, and when it grows to half the journal; a commit writes the
// blocks to the log, the commit block, points the journal superblock at
// the transaction, then checkpoints the blocks home and empties the
// journal. File data is written in place before the commit (ordered
// mode). needs_recovery is set while mounted read-write, as on Linux.
// Filesystems without a journal are written in place with the valid flag
// cleared while mounted.
//
// # The page cache
//
// File data goes through a page cache (pagecache.go): reads fill pages
// (with readahead for sequential reads), writes allocate blocks and dirty
// pages, and write-back happens on fsync, sync, syncfs,
// sync_file_range, before every commit (ordered mode), at unmount, past
// a dirty limit and under memory pressure. Pages are frames from a
// PageSource (SetPageSource, mm.Frames in the kernel) and are the pages
// mappings map (mmap.go). Clean pages are evicted (LRU) when memory is
// short and through mm.ShrinkCaches, before the OOM killer runs.
// Unreferenced inodes leave the inode cache (evictInodes) and are kept
// by weak pointers only.
//
// # Locking
//
// Lock order: vfs.VFS.mu (held by the VFS around namespace changes) →
// FS.mu (one lock for the whole filesystem: the block cache, bitmaps,
// descriptors, superblock counters, the running transaction, every
// inode's on-disk state, extent lists and directory indexes) →
// vfs.Inode.mu (taken by Attr and Update while FS.mu is held). FS.mu is
// never held while calling back into the VFS except for those attribute
// calls; IterDir collects entries under it and emits them after. The
// commit timer's goroutine takes FS.mu alone; the page cache's shrinker
// (called by the memory watchdog and the OOM path) only tries it. A page fault holds its
// address space's lock and then takes FS.mu (MapPage), so mappings are
// invalidated only after FS.mu is let go.
//
// # Not implemented
//
// POSIX ACLs (system.* attributes are EOPNOTSUPP), xattr values in
// their own inodes (ea_inode), sharing xattr blocks between inodes on
// write (a shared block is read, and copied on change), fast commits, journalled data
// (data=journal), a log holding more than one transaction, the orphan
// file, inline data, meta_bg, large_dir, encryption, casefolding,
// quotas (read-only mounts only), bigalloc writes, reclaiming mapped
// pages under memory pressure (they stay until truncation, removal or
// unmount), delayed allocation (blocks are allocated at write(2)), and
// shrinking directories.
// Root's reserved blocks are withheld from unprivileged write(2) only
// (not from directory growth or metadata). Unlinked files still open keep
// their blocks until the last close, then are freed; an O_TMPFILE inode
// is kept on the on-disk orphan list until closed.
package ext4

import (
	"fmt"
	"hash/maphash"
	"sync"
	"time"
	"weak"

	"aramid/kernel/abi"
	"aramid/kernel/block"
	"aramid/kernel/fs/ext4/layout"
	"aramid/kernel/vfs"
)

// cacheMax bounds the metadata block cache (blocks).
const cacheMax = 8192

// FS is a mounted ext4 filesystem.
type FS struct {
	dev    block.Device
	clock  func() time.Time
	ro     bool
	devnum uint64

	mu        sync.Mutex
	sb        *layout.Superblock
	bs        int
	groups    []layout.GroupDesc
	cache     map[uint64][]byte
	inodes    map[uint32]*inode
	root      *vfs.Inode
	sbDirty   bool
	gen       uint32 // next inode generation
	unmounted bool
	// err is the first write error: later writes fail with it, so a
	// half-written change is not followed by more.
	err error
	// jnl is the journal of a read-write mount (nil without one).
	jnl *jstate
	// pages supplies frames for mapped file pages (nil: no shared
	// mappings).
	pages PageSource
	// reserveFloor is how many free blocks the running allocation must
	// leave (the root-reserved blocks, for an unprivileged writer).
	reserveFloor uint64

	// evicted holds inodes let go of by evictInodes, weakly.
	evicted map[uint32]weak.Pointer[inode]
	// pc is the page cache (pagecache.go).
	pc pageCache
}

// mountErr is a mount failure: an errno plus what is wrong.
type mountErr struct {
	errno abi.Errno
	msg   string
}

func (e *mountErr) Error() string { return "ext4: " + e.msg }
func (e *mountErr) Unwrap() error { return e.errno }

func mountFail(errno abi.Errno, format string, args ...any) error {
	return &mountErr{errno, fmt.Sprintf(format, args...)}
}

// Feature sets this package understands.
const (
	incompatRead = layout.IncompatFiletype | layout.IncompatRecover | layout.IncompatExtents |
		layout.Incompat64bit | layout.IncompatFlexBG | layout.IncompatCsumSeed
	roCompatWrite = layout.RoCompatSparseSuper | layout.RoCompatLargeFile | layout.RoCompatHugeFile |
		layout.RoCompatGdtCsum | layout.RoCompatDirNlink | layout.RoCompatExtraIsize | layout.RoCompatMetadataCsum
)

// Mount reads the filesystem on dev. flags are mount(2) flags (only
// MS_RDONLY matters here); data is the option string (no options are
// understood yet: anything else is EINVAL, as ext4 rejects unknown
// options). clock stamps times.
//
// The root-mount code wants the *FS for SetDevNumber (st_dev),
// SetPageSource (shared mappings), Sync (sync(2)) and Unmount (power-off):
// MountFS returns it.
func Mount(dev block.Device, flags uint32, data string, clock func() time.Time) (vfs.Filesystem, error) {
	fs, err := mount(dev, flags, data, clock)
	if err != nil {
		return nil, err
	}
	return fs, nil
}

// MountFS is Mount returning the filesystem's own type.
func MountFS(dev block.Device, flags uint32, data string, clock func() time.Time) (*FS, error) {
	return mount(dev, flags, data, clock)
}

func mount(dev block.Device, flags uint32, data string, clock func() time.Time) (*FS, error) {
	if err := checkOpts(data); err != nil {
		return nil, err
	}
	if clock == nil {
		clock = time.Now
	}
	ss := dev.SectorSize()
	if ss <= 0 || ss > 65536 || ss&(ss-1) != 0 {
		return nil, mountFail(abi.EINVAL, "sector size %d", ss)
	}
	if flags&abi.MS_RDONLY == 0 && dev.ReadOnly() {
		// As Linux: opening a write-protected disk for writing is
		// EACCES (mount(8) then retries read-only).
		return nil, mountFail(abi.EACCES, "the device is write-protected")
	}
	fs := &FS{dev: dev, clock: clock, ro: flags&abi.MS_RDONLY != 0,
		cache: make(map[uint64][]byte), inodes: make(map[uint32]*inode)}
	fs.pc.seed = maphash.MakeSeed()
	// The superblock is at byte 1024 whatever the block size.
	n := (layout.SuperOffset + layout.SuperSize + ss - 1) / ss
	buf := make([]byte, n*ss)
	if uint64(n) > dev.Sectors() {
		return nil, mountFail(abi.EINVAL, "device of %d sectors is too small", dev.Sectors())
	}
	if err := dev.ReadSectors(buf, 0); err != nil {
		return nil, mountFail(abi.EIO, "reading the superblock: %v", err)
	}
	sb, err := layout.DecodeSuperblock(buf[layout.SuperOffset:])
	if err != nil {
		return nil, mountFail(abi.EINVAL, "%v", err)
	}
	if !sb.VerifyChecksum() {
		return nil, mountFail(abi.EINVAL, "superblock checksum mismatch")
	}
	if sb.HasMetadataCsum() && sb.ChecksumType != layout.ChecksumCrc32c {
		return nil, mountFail(abi.EINVAL, "unknown checksum type %d", sb.ChecksumType)
	}
	if unk := sb.FeatureIncompat &^ incompatRead; unk != 0 {
		return nil, mountFail(abi.EINVAL, "couldn't mount because of unsupported optional features (%s)", layout.FeatureNames(unk, true))
	}
	if unk := sb.FeatureRoCompat &^ roCompatWrite; unk != 0 && !fs.ro {
		return nil, mountFail(abi.EINVAL, "couldn't mount RDWR because of unsupported optional features (%s)", layout.FeatureNames(unk, false))
	}
	if sb.LogClusterSize != sb.LogBlockSize && sb.FeatureRoCompat&layout.RoCompatBigalloc == 0 {
		return nil, mountFail(abi.EINVAL, "cluster size differs from block size without bigalloc")
	}
	fs.sb = sb
	fs.bs = int(sb.BlockSize())
	if fs.bs < ss {
		return nil, mountFail(abi.EINVAL, "block size %d below the sector size %d", fs.bs, ss)
	}
	if sb.BlocksCount > dev.Sectors()*uint64(ss)/uint64(fs.bs) {
		return nil, mountFail(abi.EINVAL, "filesystem of %d blocks is larger than the device (%d sectors)", sb.BlocksCount, dev.Sectors())
	}
	if err := fs.loadGroups(); err != nil {
		return nil, err
	}
	if sb.FeatureIncompat&layout.IncompatRecover != 0 {
		if dev.ReadOnly() {
			return nil, mountFail(abi.EROFS, "the journal needs recovery and the device is read-only")
		}
		if err := fs.replayJournal(); err != nil {
			return nil, err
		}
	} else if sb.FeatureCompat&layout.CompatHasJournal != 0 && !fs.ro {
		if err := fs.checkJournalClean(); err != nil {
			return nil, err
		}
	}
	fs.gen = uint32(clock().UnixNano())
	root, err := fs.iget(layout.RootIno)
	if err != nil {
		return nil, mountFail(abi.EUCLEAN, "root inode: %v", err)
	}
	if !root.IsDir() {
		return nil, mountFail(abi.EUCLEAN, "root inode is not a directory")
	}
	root.SetParent(root, "")
	fs.root = root
	if !fs.ro {
		if err := fs.startWriting(); err != nil {
			return nil, err
		}
	}
	return fs, nil
}

// startWriting turns a read-only filesystem read-write: the superblock
// records the mount (and needs_recovery with a journal, the valid flag
// cleared without), journalled writes start, and the orphan list left by
// a crash is processed.
func (fs *FS) startWriting() error {
	sb := fs.sb
	if unk := sb.FeatureRoCompat &^ roCompatWrite; unk != 0 {
		return mountFail(abi.EINVAL, "couldn't mount RDWR because of unsupported optional features (%s)", layout.FeatureNames(unk, false))
	}
	if sb.FeatureIncompat&layout.IncompatExtents == 0 {
		return mountFail(abi.EINVAL, "couldn't mount RDWR: files without extents are read-only here")
	}
	if sb.FeatureIncompat&layout.IncompatRecover != 0 {
		return mountFail(abi.EINVAL, "the journal needs recovery") // replayed at mount, not later
	}
	fs.ro, fs.unmounted = false, false
	now := uint32(fs.clock().Unix())
	sb.Mtime, sb.Wtime = now, now
	sb.MntCount++
	if sb.FeatureCompat&layout.CompatHasJournal != 0 {
		// As Linux: needs_recovery while mounted, cleared by Unmount.
		sb.FeatureIncompat |= layout.IncompatRecover
	} else {
		sb.State &^= layout.StateValid
	}
	fail := func(err error) error {
		fs.ro = true
		return err
	}
	if err := fs.writeSuper(); err != nil {
		return fail(mountFail(abi.EIO, "writing the superblock: %v", err))
	}
	if err := fs.dev.Flush(); err != nil {
		return fail(mountFail(abi.EIO, "flush: %v", err))
	}
	if sb.FeatureCompat&layout.CompatHasJournal != 0 {
		if err := fs.startJournal(); err != nil {
			return fail(err)
		}
	}
	fs.mu.Lock()
	err := fs.cleanOrphans()
	if err == nil {
		err = fs.commit()
	}
	fs.mu.Unlock()
	if err != nil {
		fs.abandon()
		return fail(mountFail(abi.EUCLEAN, "orphan list: %v", err))
	}
	return nil
}

// Remount implements vfs.Remounter: MS_RDONLY leaves the filesystem
// clean and read-only (as Unmount does, but it stays mounted); without
// it a read-only filesystem becomes writable. Options are checked as at
// mount.
func (fs *FS) Remount(flags uint32, data string) error {
	if err := checkOpts(data); err != nil {
		return err
	}
	ro := flags&abi.MS_RDONLY != 0
	fs.mu.Lock()
	cur := fs.ro
	fs.mu.Unlock()
	switch {
	case ro == cur:
		return nil
	case ro:
		if err := fs.finish(false); err != nil {
			return err
		}
		fs.mu.Lock()
		fs.ro, fs.unmounted = true, false
		fs.mu.Unlock()
		return nil
	case fs.dev.ReadOnly():
		return abi.EACCES
	}
	return fs.startWriting()
}

// checkOpts accepts the mount options whose behaviour is this package's
// own (data=ordered, user_xattr, barriers) or the VFS's; others are
// EINVAL, as ext4 rejects what it does not know.
func checkOpts(data string) error {
	for _, opt := range splitOpts(data) {
		switch opt {
		case "rw", "ro", "defaults", "relatime", "noatime", "errors=remount-ro", "errors=continue",
			"data=ordered", "user_xattr", "barrier", "barrier=1":
		default:
			return mountFail(abi.EINVAL, "unknown mount option %q", opt)
		}
	}
	return nil
}

func splitOpts(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

// loadGroups reads and checks every group descriptor.
func (fs *FS) loadGroups() error {
	sb := fs.sb
	if sb.FeatureIncompat&layout.IncompatMetaBG != 0 {
		return mountFail(abi.EINVAL, "meta_bg is not supported")
	}
	count := sb.GroupCount()
	if count > 1<<24 {
		return mountFail(abi.EINVAL, "%d block groups", count)
	}
	fs.groups = make([]layout.GroupDesc, count)
	dsz := sb.DescriptorSize()
	for g := uint64(0); g < count; g++ {
		blk, off := sb.GroupDescLocation(g)
		b, err := fs.readMeta(blk)
		if err != nil {
			return mountFail(abi.EIO, "group descriptors: %v", err)
		}
		raw := b[off : off+dsz]
		d, err := layout.DecodeGroupDesc(raw, dsz)
		if err != nil {
			return mountFail(abi.EINVAL, "group %d: %v", g, err)
		}
		if (sb.HasMetadataCsum() || sb.HasGdtCsum()) && sb.GroupDescChecksum(g, raw) != d.Checksum {
			return mountFail(abi.EINVAL, "group descriptor %d checksum mismatch", g)
		}
		itBlocks := (uint64(sb.InodesPerGroup)*uint64(sb.InodeSize) + uint64(fs.bs) - 1) / uint64(fs.bs)
		for _, x := range []struct {
			what string
			blk  uint64
			n    uint64
		}{{"block bitmap", d.BlockBitmap, 1}, {"inode bitmap", d.InodeBitmap, 1}, {"inode table", d.InodeTable, itBlocks}} {
			if x.blk < uint64(sb.FirstDataBlock)+1 || x.blk+x.n > sb.BlocksCount {
				return mountFail(abi.EINVAL, "group %d: %s at block %d outside the filesystem", g, x.what, x.blk)
			}
		}
		if d.FreeInodes > sb.InodesPerGroup || d.FreeBlocks > sb.BlocksPerGroup {
			return mountFail(abi.EINVAL, "group %d: free counts %d/%d", g, d.FreeBlocks, d.FreeInodes)
		}
		fs.groups[g] = d
	}
	return nil
}

// Type implements vfs.Filesystem.
func (fs *FS) Type() string { return "ext4" }

// Root implements vfs.Filesystem.
func (fs *FS) Root() *vfs.Inode { return fs.root }

// Dev implements vfs.Filesystem: st_dev, the device number the block
// layer gave (SetDevNumber).
func (fs *FS) Dev() uint64 { return fs.devnum }

// SetDevNumber sets st_dev of every inode (the block device's number);
// call it once, before the filesystem is attached.
func (fs *FS) SetDevNumber(d uint64) { fs.devnum = d }

// ReadOnly reports whether the filesystem was mounted read-only.
func (fs *FS) ReadOnly() bool { return fs.ro }

// Statfs implements vfs.Filesystem as Linux's ext4_statfs does.
func (fs *FS) Statfs() abi.Statfs {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	sb := fs.sb
	overhead := uint64(le32(sb.Raw[0x248:]))
	if overhead == 0 {
		overhead = fs.computeOverhead()
	}
	blocks := sb.BlocksCount - min(overhead, sb.BlocksCount)
	bfree := sb.FreeBlocksCount
	bavail := bfree - min(bfree, sb.RBlocksCount+fs.resvBlocks())
	u := sb.UUID[:]
	fsid := le64(u[0:]) ^ le64(u[8:])
	return abi.Statfs{Type: abi.EXT4_SUPER_MAGIC, Bsize: int64(fs.bs), Blocks: blocks, Bfree: bfree, Bavail: bavail,
		Files: uint64(sb.InodesCount), Ffree: uint64(sb.FreeInodesCount), Namelen: layout.NameMax,
		Frsize: int64(fs.bs), Fsid: [2]int32{int32(uint32(fsid)), int32(uint32(fsid >> 32))}}
}

// resvBlocks is what Linux's ext4 holds back from every user beyond
// root's reserved blocks (ext4_calculate_resv_clusters: 2% of the
// clusters, at most 4096, on extent-mapped filesystems), in blocks; its
// statfs leaves them out of f_bavail.
func (fs *FS) resvBlocks() uint64 {
	sb := fs.sb
	if sb.FeatureIncompat&layout.IncompatExtents == 0 {
		return 0
	}
	shift := uint64(0)
	if sb.FeatureRoCompat&layout.RoCompatBigalloc != 0 && sb.LogClusterSize > sb.LogBlockSize {
		shift = uint64(sb.LogClusterSize - sb.LogBlockSize)
	}
	clusters := min((sb.BlocksCount>>shift)/50, 4096)
	return clusters << shift
}

// computeOverhead counts metadata blocks as ext4_calculate_overhead does
// when the superblock does not record them.
func (fs *FS) computeOverhead() uint64 {
	sb := fs.sb
	n := uint64(sb.FirstDataBlock)
	itBlocks := (uint64(sb.InodesPerGroup)*uint64(sb.InodeSize) + uint64(fs.bs) - 1) / uint64(fs.bs)
	for g := range fs.groups {
		n += sb.BaseMetaBlocks(uint64(g)) + 2 + itBlocks
	}
	if sb.FeatureCompat&layout.CompatHasJournal != 0 && sb.JournalInum != 0 {
		if j, ok := fs.inodes[sb.JournalInum]; ok {
			n += j.disk.Size / uint64(fs.bs)
		} else if d, err := fs.readInode(sb.JournalInum); err == nil {
			n += d.Size / uint64(fs.bs)
		}
	}
	return n
}

// Sync implements sync(2) and syncfs(2): everything is written back and
// committed, and the journal is emptied (so a machine powered off after
// sync leaves a filesystem e2fsck finds clean).
func (fs *FS) Sync() error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.syncLocked(); err != nil {
		return err
	}
	if fs.ro || fs.unmounted {
		return nil
	}
	return fs.drain()
}

func (fs *FS) syncLocked() error {
	if fs.ro || fs.unmounted {
		return nil
	}
	if fs.err != nil {
		return fs.err
	}
	if err := fs.writebackAll(); err != nil {
		return err
	}
	if fs.jnl != nil {
		if fs.sbDirty {
			if err := fs.writeSuper(); err != nil {
				return err
			}
		}
		return fs.commit()
	}
	if fs.sbDirty {
		if err := fs.writeSuper(); err != nil {
			return err
		}
	}
	if err := fs.dev.Flush(); err != nil {
		return fs.fail(err)
	}
	return nil
}

// Unmount frees the inodes unlinked while open, marks the filesystem
// clean and flushes. The filesystem must not be used afterwards.
func (fs *FS) Unmount() error { return fs.finish(true) }

// finish commits everything and marks the filesystem clean; the inodes
// unlinked while open are freed first for an unmount (a remount keeps
// them on the orphan list: their files are still open).
func (fs *FS) finish(freeOrphans bool) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.unmounted || fs.ro {
		if freeOrphans {
			fs.dropCache() // a read-only mount's clean pages
		}
		fs.unmounted = true
		return nil
	}
	if err := fs.writebackAll(); err != nil {
		return err
	}
	for _, ip := range fs.inodes {
		if freeOrphans && ip.disk.LinksCount == 0 && ip.orphan {
			if err := fs.freeInode(ip); err != nil {
				return err
			}
		}
	}
	if err := fs.stopJournal(); err != nil {
		return err
	}
	fs.sb.State |= layout.StateValid
	fs.sb.FeatureIncompat &^= layout.IncompatRecover
	fs.sb.Wtime = uint32(fs.clock().Unix())
	if err := fs.writeSuper(); err != nil {
		return err
	}
	fs.unmounted = true
	if freeOrphans {
		fs.dropCache()
	}
	if err := fs.dev.Flush(); err != nil {
		return fs.fail(err)
	}
	return nil
}

// abandon stops the commit timer without writing anything more (a
// failed mount, or a test simulating a crash).
func (fs *FS) abandon() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.jnl != nil {
		close(fs.jnl.stop)
		fs.jnl = nil
	}
	fs.unmounted = true
}

// fail records the first write error and returns EIO.
func (fs *FS) fail(err error) error {
	if fs.err == nil {
		fs.err = fmt.Errorf("%w: %v", abi.EIO, err)
	}
	return abi.EIO
}

// writable reports EROFS on a read-only mount and the sticky error after
// a failed write.
func (fs *FS) writable() error {
	switch {
	case fs.ro || fs.unmounted:
		return abi.EROFS
	case fs.err != nil:
		return abi.EIO
	}
	return nil
}

// errCorrupt reports corrupt metadata as Linux's EFSCORRUPTED.
var errCorrupt = abi.EUCLEAN

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
func le64(b []byte) uint64 { return uint64(le32(b)) | uint64(le32(b[4:]))<<32 }

// SupportsXattr implements vfs.XattrFS: inodes keep extended attributes
// on disk (vfs.XattrOps).
func (fs *FS) SupportsXattr() bool { return true }
