package ext4

import (
	"weak"

	"aramid/kernel/abi"
	"aramid/kernel/fs/ext4/layout"
	"aramid/kernel/vfs"
)

// inode is the filesystem's state of one inode: its on-disk form and,
// loaded on demand, its extent list and (directories) name index. The
// vfs.Inode's attributes are the current mode, owners, size, times and
// link count; writeInode copies them into the on-disk inode.
type inode struct {
	fs   *FS
	ino  uint32
	disk *layout.Inode
	v    *vfs.Inode

	// ext is the file's extent list, sorted, loaded by loadExtents;
	// nodes are the blocks of its extent tree (not the root in i_block).
	ext       []layout.Extent
	nodes     []uint64
	extLoaded bool

	// names is a directory's name index, built on first lookup.
	names map[string]dirLoc
	// dirHint is the directory block the last insertion used.
	dirHint uint32
	// order is a hashed directory's entries in readdir (hash) order,
	// built on demand and dropped when an entry changes.
	order []hashEnt

	// pages is the file's page cache (pagecache.go); raNext is the page
	// a sequential read would read next and raWin the readahead window.
	pages         map[int64]*cpage
	raNext, raWin int64
	// writable is set once the file is opened for writing: only then
	// can a mapping store into its pages.
	writable bool

	opens  int  // open file descriptions
	orphan bool // on the orphan list: freed at the last close
	freed  bool
}

// inodeLocation returns the block holding ino and its byte offset there.
func (fs *FS) inodeLocation(ino uint32) (uint64, int, error) {
	if ino == 0 || ino > fs.sb.InodesCount {
		return 0, 0, errCorrupt
	}
	g, idx := fs.sb.InodeLocation(ino)
	off := uint64(idx) * uint64(fs.sb.InodeSize)
	return fs.groups[g].InodeTable + off/uint64(fs.bs), int(off % uint64(fs.bs)), nil
}

// readInode reads and verifies the on-disk inode ino.
func (fs *FS) readInode(ino uint32) (*layout.Inode, error) {
	blk, off, err := fs.inodeLocation(ino)
	if err != nil {
		return nil, err
	}
	b, err := fs.readMeta(blk)
	if err != nil {
		return nil, err
	}
	raw := b[off : off+int(fs.sb.InodeSize)]
	if !fs.sb.VerifyInodeChecksum(ino, raw) {
		return nil, errCorrupt
	}
	d, err := layout.DecodeInode(raw, int(fs.sb.InodeSize))
	if err != nil {
		return nil, errCorrupt
	}
	return d, nil
}

// iget returns the vfs.Inode of ino, loading it once.
func (fs *FS) iget(ino uint32) (*vfs.Inode, error) {
	ip, err := fs.igetInode(ino)
	if err != nil {
		return nil, err
	}
	return ip.v, nil
}

func (fs *FS) igetInode(ino uint32) (*inode, error) {
	if ip, ok := fs.inodes[ino]; ok && !ip.freed {
		return ip, nil
	}
	if w, ok := fs.evicted[ino]; ok {
		// Evicted but still referenced (a cwd, a mount point, a watch):
		// the same inode comes back.
		delete(fs.evicted, ino)
		if ip := w.Value(); ip != nil && !ip.freed {
			fs.inodes[ino] = ip
			return ip, nil
		}
	}
	d, err := fs.readInode(ino)
	if err != nil {
		return nil, err
	}
	if d.LinksCount == 0 && ino != layout.RootIno {
		return nil, errCorrupt // a name referring to a deleted inode
	}
	if d.Flags&layout.FlagInlineData != 0 {
		return nil, errCorrupt // inline data is refused at mount; this is damage
	}
	ip := &inode{fs: fs, ino: ino, disk: d}
	ip.v = vfs.NewInode(fs, uint64(ino), fs.attrOf(d), ip)
	fs.inodes[ino] = ip
	return ip, nil
}

// evictInodes lets go of cached inodes nothing of the filesystem needs
// until at most keep remain (0: all it can): not open, not on the orphan
// list, with no dirty or mapped page, not the root. Their clean pages,
// extent lists and name indexes are freed; the inode itself is kept by a
// weak pointer (fs.evicted) only, so one still referenced from outside
// (a working directory, a mount point, an inotify watch) is the same
// inode when looked up again, and one that is not is collected.
func (fs *FS) evictInodes(keep int) {
	if keep > 0 && len(fs.inodes) <= keep {
		return
	}
	if fs.evicted == nil {
		fs.evicted = map[uint32]weak.Pointer[inode]{}
	}
	for ino, ip := range fs.inodes {
		if keep > 0 && len(fs.inodes) <= keep {
			break
		}
		if ip.opens > 0 || ip.orphan || ip.v == fs.root || fs.pc.busy(ip) {
			continue
		}
		fs.dropPages(ip, 0)
		ip.ext, ip.nodes, ip.extLoaded = nil, nil, false
		ip.names, ip.order = nil, nil
		delete(fs.inodes, ino)
		fs.evicted[ino] = weak.Make(ip)
	}
	if len(fs.evicted) > 4*inodeMax {
		for ino, w := range fs.evicted {
			if w.Value() == nil {
				delete(fs.evicted, ino)
			}
		}
	}
}

func toTimespec(t layout.Timestamp) abi.Timespec {
	return abi.Timespec{Sec: t.Sec, Nsec: int64(t.Nsec)}
}

func fromTimespec(t abi.Timespec) layout.Timestamp {
	return layout.Timestamp{Sec: t.Sec, Nsec: uint32(t.Nsec)}
}

// attrOf converts an on-disk inode to VFS attributes.
func (fs *FS) attrOf(d *layout.Inode) vfs.Attr {
	a := vfs.Attr{
		Mode: uint32(d.Mode), UID: d.UID, GID: d.GID, Nlink: uint32(d.LinksCount),
		Size: int64(d.Size), Blocks: int64(d.BlocksIn512(fs.sb)),
		Atime: toTimespec(d.Atime), Mtime: toTimespec(d.Mtime), Ctime: toTimespec(d.Ctime), Btime: toTimespec(d.Crtime),
	}
	if a.Size < 0 {
		a.Size = 0
	}
	if d.Mode&layout.ModeFmt == layout.ModeDir && fs.sb.FeatureRoCompat&layout.RoCompatDirNlink != 0 && d.LinksCount == 1 {
		a.Nlink = 1 // more than 65000 subdirectories
	}
	switch d.Mode & layout.ModeFmt {
	case layout.ModeChr, layout.ModeBlk:
		a.Rdev = decodeDev(d.Block[:])
		a.Size = 0
	}
	return a
}

// decodeDev reads a device number from i_block (old or new encoding).
func decodeDev(b []byte) uint64 { return abi.MakeDev(layout.DecodeDev(b)) }

func encodeDev(b []byte, dev uint64) { layout.EncodeDev(b, abi.DevMajor(dev), abi.DevMinor(dev)) }

func putLe32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

// writeInode copies the VFS attributes into the on-disk inode and writes
// it with its checksum.
func (fs *FS) writeInode(ip *inode) error {
	if ip.freed {
		return nil
	}
	a := ip.v.Attr()
	d := ip.disk
	d.Mode = uint16(a.Mode)
	d.UID, d.GID = a.UID, a.GID
	d.LinksCount = uint16(a.Nlink)
	if a.Nlink > 65000 {
		d.LinksCount = 1 // dir_nlink: "many"
	}
	if a.Type() == abi.S_IFREG || a.Type() == abi.S_IFDIR || a.Type() == abi.S_IFLNK {
		d.Size = uint64(a.Size)
	}
	d.Atime, d.Mtime, d.Ctime = fromTimespec(a.Atime), fromTimespec(a.Mtime), fromTimespec(a.Ctime)
	return fs.storeInode(ip)
}

// storeInode writes ip.disk as it is.
func (fs *FS) storeInode(ip *inode) error {
	blk, off, err := fs.inodeLocation(ip.ino)
	if err != nil {
		return err
	}
	b, err := fs.readMeta(blk)
	if err != nil {
		return err
	}
	raw := ip.disk.Encode()
	fs.sb.SetInodeChecksum(ip.ino, raw)
	copy(b[off:], raw)
	return fs.writeMeta(blk, b)
}

// setBlocks records the blocks an inode holds (data, tree, xattr) in
// i_blocks and the VFS attributes.
func (fs *FS) setBlocks(ip *inode, blocks uint64) {
	per := uint64(fs.bs / 512)
	n := blocks * per
	ip.disk.Flags &^= layout.FlagHugeFile
	if n >= 1<<32 && fs.sb.FeatureRoCompat&layout.RoCompatHugeFile != 0 && n >= 1<<48 {
		ip.disk.Flags |= layout.FlagHugeFile
		ip.disk.Blocks = blocks
	} else {
		ip.disk.Blocks = n
	}
	ip.v.Update(func(a *vfs.Attr) { a.Blocks = int64(n) })
}

// countBlocks is the number of filesystem blocks the inode holds.
func (ip *inode) countBlocks() uint64 {
	var n uint64
	for _, x := range ip.ext {
		n += uint64(x.Len)
	}
	n += uint64(len(ip.nodes))
	if ip.disk.FileACL != 0 {
		n++
	}
	return n
}

func (fs *FS) now() abi.Timespec { return abi.TimeToTimespec(fs.clock()) }

// newInode allocates and initialises an inode of the given type near dir.
func (fs *FS) newInode(dir *inode, args vfs.CreateArgs) (*inode, error) {
	typ := args.Mode & abi.S_IFMT
	g, _ := fs.sb.InodeLocation(dir.ino)
	ino, err := fs.allocInodeNumber(g, typ == abi.S_IFDIR)
	if err != nil {
		return nil, err
	}
	raw := make([]byte, fs.sb.InodeSize)
	d, err := layout.DecodeInode(raw, int(fs.sb.InodeSize))
	if err != nil {
		return nil, err
	}
	if fs.sb.InodeSize > layout.GoodOldInodeSize {
		d.ExtraIsize = 32
		if w := fs.sb.WantExtraIsize; w > 32 && int(w)+layout.GoodOldInodeSize <= int(fs.sb.InodeSize) {
			d.ExtraIsize = w
		}
	}
	fs.gen++
	d.Generation = fs.gen
	now := fs.now()
	ts := fromTimespec(now)
	d.Atime, d.Mtime, d.Ctime, d.Crtime = ts, ts, ts, ts
	switch typ {
	case abi.S_IFREG, abi.S_IFDIR:
		d.Flags |= layout.FlagExtents
		emptyExtentRoot(d.Block[:])
	case abi.S_IFLNK:
		if len(args.Target) >= len(d.Block) {
			d.Flags |= layout.FlagExtents
			emptyExtentRoot(d.Block[:])
		} else {
			copy(d.Block[:], args.Target)
		}
	case abi.S_IFCHR, abi.S_IFBLK:
		encodeDev(d.Block[:], args.Rdev)
	}
	nlink := uint32(1)
	if typ == abi.S_IFDIR {
		nlink = 2
	}
	a := vfs.Attr{Mode: args.Mode, UID: args.UID, GID: args.GID, Nlink: nlink, Rdev: args.Rdev,
		Atime: now, Mtime: now, Ctime: now, Btime: now}
	if typ == abi.S_IFLNK && len(args.Target) < len(d.Block) {
		a.Size = int64(len(args.Target))
	}
	ip := &inode{fs: fs, ino: ino, disk: d, extLoaded: true}
	ip.v = vfs.NewInode(fs, uint64(ino), a, ip)
	fs.inodes[ino] = ip
	if err := fs.writeInode(ip); err != nil {
		return nil, err
	}
	return ip, nil
}

func emptyExtentRoot(b []byte) {
	clear(b)
	layout.ExtentHeader{Max: 4}.Encode(b)
}

// freeInode releases every block of ip and its inode number.
func (fs *FS) freeInode(ip *inode) error {
	isDir := ip.disk.Mode&layout.ModeFmt == layout.ModeDir
	// Cached pages go before the blocks they would be written to.
	fs.dropPages(ip, 0)
	if ip.disk.Flags&layout.FlagExtents != 0 {
		if err := fs.truncateBlocks(ip, 0); err != nil {
			return err
		}
	}
	if ip.disk.FileACL != 0 {
		if err := fs.releaseXattrBlock(ip); err != nil {
			return err
		}
	}
	if ip.orphan {
		if err := fs.orphanRemove(ip); err != nil {
			return err
		}
	}
	ip.disk.LinksCount = 0
	ip.disk.Size = 0
	ip.disk.Blocks = 0
	ip.disk.Dtime = uint32(fs.clock().Unix())
	if err := fs.storeInode(ip); err != nil {
		return err
	}
	if err := fs.freeInodeNumber(ip.ino, isDir); err != nil {
		return err
	}
	ip.freed = true
	ip.names, ip.order = map[string]dirLoc{}, nil
	ip.v.Update(func(a *vfs.Attr) { a.Size, a.Blocks = 0, 0 })
	delete(fs.inodes, ip.ino)
	return nil
}

// releaseXattrBlock drops ip's reference to its xattr block, freeing the
// block with the last one.
func (fs *FS) releaseXattrBlock(ip *inode) error {
	blk := ip.disk.FileACL
	b, err := fs.readMeta(blk)
	if err != nil {
		return err
	}
	if len(b) < layout.XattrHeaderSize || le32(b) != layout.XattrMagic {
		return errCorrupt
	}
	refs := le32(b[4:])
	if refs > 1 {
		putLe32(b[4:], refs-1)
		if fs.sb.HasMetadataCsum() {
			putLe32(b[0x10:], fs.sb.XattrBlockChecksum(blk, b))
		}
		if err := fs.writeMeta(blk, b); err != nil {
			return err
		}
	} else if err := fs.freeBlocks(blk, 1); err != nil {
		return err
	}
	ip.disk.FileACL = 0
	return nil
}

// orphanAdd puts ip on the on-disk orphan list (s_last_orphan, chained
// through i_dtime), so a crash before it is freed leaves e2fsck and
// Linux something to clean.
func (fs *FS) orphanAdd(ip *inode) error {
	if ip.orphan {
		return nil
	}
	ip.disk.Dtime = fs.sb.LastOrphan
	fs.sb.LastOrphan = ip.ino
	ip.orphan = true
	if err := fs.writeInode(ip); err != nil {
		return err
	}
	return fs.writeSuper()
}

// orphanRemove takes ip off the orphan list.
func (fs *FS) orphanRemove(ip *inode) error {
	next := ip.disk.Dtime
	if fs.sb.LastOrphan == ip.ino {
		fs.sb.LastOrphan = next
		ip.orphan = false
		return fs.writeSuper()
	}
	for cur := fs.sb.LastOrphan; cur != 0; {
		c, ok := fs.inodes[cur]
		if !ok || !c.orphan {
			return errCorrupt
		}
		if c.disk.Dtime == ip.ino {
			c.disk.Dtime = next
			ip.orphan = false
			return fs.storeInode(c)
		}
		cur = c.disk.Dtime
	}
	return errCorrupt
}

// WriteAttr implements vfs.AttrWriter: chmod, chown and utimens reach
// the disk.
func (ip *inode) WriteAttr(in *vfs.Inode) error {
	fs := ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.endOp()
	if err := fs.writable(); err != nil {
		return err
	}
	return fs.writeInode(ip)
}

// cleanOrphans finishes what a crash interrupted: inodes on the orphan
// list with no links are freed, others are cut to their size (Linux's
// ext4_orphan_cleanup). Read-write mounts only.
func (fs *FS) cleanOrphans() error {
	for n := uint32(0); fs.sb.LastOrphan != 0; n++ {
		ino := fs.sb.LastOrphan
		if n > fs.sb.InodesCount || ino < fs.sb.FirstIno || ino > fs.sb.InodesCount {
			return errCorrupt
		}
		d, err := fs.readInode(ino)
		if err != nil {
			return err
		}
		next := d.Dtime
		ip := &inode{fs: fs, ino: ino, disk: d}
		ip.v = vfs.NewInode(fs, uint64(ino), fs.attrOf(d), ip)
		fs.sb.LastOrphan = next
		if d.LinksCount == 0 {
			fs.inodes[ino] = ip
			if err := fs.freeInode(ip); err != nil {
				return err
			}
		} else {
			if d.Flags&layout.FlagExtents != 0 {
				bs := uint64(fs.bs)
				if err := fs.truncateBlocks(ip, (d.Size+bs-1)/bs); err != nil {
					return err
				}
			}
			d.Dtime = 0
			if err := fs.storeInode(ip); err != nil {
				return err
			}
		}
	}
	return fs.writeSuper()
}
