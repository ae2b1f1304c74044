package ext4

import (
	"strings"

	"aramid/kernel/abi"
	"aramid/kernel/fs/ext4/layout"
	"aramid/kernel/vfs"
)

// Directories. FS.mu is held by every function here but the DirOps
// methods, which take it.

// dirLoc is where a name lives: logical block and byte offset.
type dirLoc struct {
	lblk uint32
	off  int
	ino  uint32
	ft   uint8
}

// tmpfileName is the prefix the VFS gives an O_TMPFILE inode's transient
// name: such an inode stays allocated (on the orphan list) after its name
// goes, until its last close.
const tmpfileName = ".#tmpfile."

func (fs *FS) csum() bool { return fs.sb.HasMetadataCsum() }

// dirEnd is the end of the entry area of a directory block.
func (fs *FS) dirEnd() int {
	if fs.csum() {
		return fs.bs - layout.DirTailSize
	}
	return fs.bs
}

func (ip *inode) indexed() bool { return ip.disk.Flags&layout.FlagIndex != 0 }

func (ip *inode) seed() uint32 { return ip.fs.sb.InodeCsumSeed(ip.ino, ip.disk.Generation) }

// isDxNode reports whether b is an htree interior block (a fake empty
// entry spanning the block).
func (fs *FS) isDxNode(b []byte) bool {
	return le32(b) == 0 && layout.RecLenFromDisk(uint16(b[4])|uint16(b[5])<<8, fs.bs) == fs.bs && b[6] == 0
}

// dirBlock returns directory block lblk and its physical number,
// verifying its checksum.
func (fs *FS) dirBlock(dp *inode, lblk uint32) ([]byte, uint64, error) {
	if err := fs.loadExtents(dp); err != nil {
		return nil, 0, err
	}
	phys, _, unwritten, ok := dp.mapBlock(uint64(lblk))
	if !ok || unwritten {
		return nil, 0, errCorrupt // directories have no holes
	}
	b, err := fs.readMeta(phys)
	if err != nil {
		return nil, 0, err
	}
	if fs.csum() {
		switch {
		case layout.HasDirTail(b):
			if !layout.VerifyDirTail(dp.seed(), b) {
				return nil, 0, errCorrupt
			}
		case dp.indexed() && lblk == 0:
			if !layout.VerifyDxChecksum(dp.seed(), b, layout.DxRootEntries) {
				return nil, 0, errCorrupt
			}
		case dp.indexed() && fs.isDxNode(b):
			if !layout.VerifyDxChecksum(dp.seed(), b, layout.DxNodeEntries) {
				return nil, 0, errCorrupt
			}
		default:
			return nil, 0, errCorrupt
		}
	}
	return b, phys, nil
}

// sealDirBlock recomputes a directory block's checksum and writes it.
func (fs *FS) sealDirBlock(dp *inode, lblk uint32, phys uint64, b []byte) error {
	if fs.csum() {
		switch {
		case dp.indexed() && lblk == 0:
			layout.SetDxChecksum(dp.seed(), b, layout.DxRootEntries)
		case dp.indexed() && fs.isDxNode(b):
			layout.SetDxChecksum(dp.seed(), b, layout.DxNodeEntries)
		default:
			layout.SetDirTail(dp.seed(), b)
		}
	}
	return fs.writeMeta(phys, b)
}

func (fs *FS) dirBlocks(dp *inode) (uint32, error) {
	size := dp.v.Attr().Size
	n := size / int64(fs.bs)
	if size%int64(fs.bs) != 0 || n >= maxLogical {
		return 0, errCorrupt
	}
	return uint32(n), nil
}

// entries walks the live entries of a directory block (dx nodes have
// none), up to the checksum tail.
func (fs *FS) entries(b []byte, fn func(d layout.Dirent) bool) error {
	end := len(b)
	if layout.HasDirTail(b) {
		end -= layout.DirTailSize
	}
	for off := 0; off < end; {
		d, err := layout.DecodeDirent(b[:end], off)
		if err != nil {
			return errCorrupt
		}
		if d.Inode != 0 && !fn(d) {
			return nil
		}
		off += d.RecLen
	}
	return nil
}

// loadNames builds dp's name index.
func (fs *FS) loadNames(dp *inode) error {
	if dp.names != nil {
		return nil
	}
	n, err := fs.dirBlocks(dp)
	if err != nil {
		return err
	}
	names := make(map[string]dirLoc)
	for l := uint32(0); l < n; l++ {
		b, _, err := fs.dirBlock(dp, l)
		if err != nil {
			return err
		}
		err = fs.entries(b, func(d layout.Dirent) bool {
			name := string(d.Name)
			if l == 0 && (name == "." || name == "..") {
				return true
			}
			names[name] = dirLoc{l, d.Off, d.Inode, d.FileType}
			return true
		})
		if err != nil {
			return err
		}
	}
	dp.names = names
	return nil
}

func (fs *FS) dirInode(dir *vfs.Inode) (*inode, error) {
	ip, ok := dir.Ops.(*inode)
	if !ok || ip.fs != fs || ip.disk.Mode&layout.ModeFmt != layout.ModeDir {
		return nil, abi.ENOTDIR
	}
	return ip, nil
}

// Lookup implements vfs.DirOps.
func (ip *inode) Lookup(dir *vfs.Inode, name string) (*vfs.Inode, error) {
	fs := ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.endOp()
	if err := fs.loadNames(ip); err != nil {
		return nil, err
	}
	loc, ok := ip.names[name]
	if !ok {
		return nil, abi.ENOENT
	}
	child, err := fs.iget(loc.ino)
	if err != nil || !child.IsDir() || name == "." || name == ".." {
		return child, err
	}
	if err := adoptDir(dir, child, name); err != nil {
		return nil, err
	}
	return child, nil
}

// adoptDir records dir as the parent of directory child found in it
// under name: ".." and the rename loop check follow these links. A
// directory has one name, so a found directory is where it lives
// (Linux's d_splice_alias moves a directory's only alias likewise). On
// a corrupted disk, an entry naming the directory itself is EUCLEAN
// (ext4_lookup) and one naming an ancestor would make a loop: ELOOP, as
// d_splice_alias.
func adoptDir(dir, child *vfs.Inode, name string) error {
	if child == dir {
		return errCorrupt
	}
	for a, i := dir, 0; ; i++ {
		p, _ := a.Parent()
		if p == child || i >= 1<<16 {
			return abi.ELOOP
		}
		if p == nil || p == a {
			break
		}
		a = p
	}
	if p, n := child.Parent(); p != dir || n != name {
		child.SetParent(dir, name)
	}
	return nil
}

// IterDir implements vfs.DirOps. Positions 0 and 1 are "." and "..";
// every other entry's position is its byte offset in the directory, so
// positions stay valid as entries come and go.
func (ip *inode) IterDir(dir *vfs.Inode, off int64, emit vfs.DirEmit) error {
	fs := ip.fs
	fs.mu.Lock()
	if off < 0 {
		fs.mu.Unlock()
		return abi.EINVAL
	}
	type ent struct {
		name string
		ino  uint32
		ft   uint8
		next int64
	}
	// Collect under the lock, emit after it: emit copies out to the
	// caller's buffer.
	var out []ent
	err := func() error {
		if ip.freed {
			return abi.ENOENT // as Linux's iterate_dir on a dead directory
		}
		nblocks, err := fs.dirBlocks(ip)
		if err != nil || nblocks == 0 {
			return err
		}
		if fs.hashOrdered(ip, nblocks) {
			ents, err := fs.hashOrder(ip)
			if err != nil {
				return err
			}
			return fs.iterHashed(ip, ents, off, func(name string, ino uint32, ft uint8, next int64) {
				out = append(out, ent{name, ino, ft, next})
			})
		}
		b0, _, err := fs.dirBlock(ip, 0)
		if err != nil {
			return err
		}
		_, dotdot, err := dotEntries(b0)
		if err != nil {
			return err
		}
		first := int64(dotdot.Off + dotdot.RecLen)
		if off == 0 {
			out = append(out, ent{".", ip.ino, layout.FtDir, 1})
			off = 1
		}
		if off == 1 {
			out = append(out, ent{"..", dotdot.Inode, layout.FtDir, first})
			off = first
		}
		off = max(off, first)
		bs := int64(fs.bs)
		for l := uint32(off / bs); l < nblocks && len(out) < 512; l++ {
			b, _, err := fs.dirBlock(ip, l)
			if err != nil {
				return err
			}
			base := int64(l) * bs
			err = fs.entries(b, func(d layout.Dirent) bool {
				pos := base + int64(d.Off)
				if pos < off {
					return true
				}
				out = append(out, ent{string(d.Name), d.Inode, d.FileType, pos + int64(d.RecLen)})
				return true
			})
			if err != nil {
				return err
			}
		}
		return nil
	}()
	fs.mu.Unlock()
	for _, e := range out {
		if !emit(e.name, uint64(e.ino), ftToDT(e.ft), e.next) {
			return nil
		}
	}
	return err
}

func ftToDT(ft uint8) uint8 {
	switch ft {
	case layout.FtReg:
		return abi.DT_REG
	case layout.FtDir:
		return abi.DT_DIR
	case layout.FtChr:
		return abi.DT_CHR
	case layout.FtBlk:
		return abi.DT_BLK
	case layout.FtFIFO:
		return abi.DT_FIFO
	case layout.FtSock:
		return abi.DT_SOCK
	case layout.FtLnk:
		return abi.DT_LNK
	}
	return abi.DT_UNKNOWN
}

func (fs *FS) fileType(mode uint32) uint8 {
	if fs.sb.FeatureIncompat&layout.IncompatFiletype == 0 {
		return 0
	}
	return layout.FileTypeOfMode(uint16(mode))
}

// insertInBlock places an entry in block b if it has room, returning its
// offset.
func (fs *FS) insertInBlock(b []byte, name string, ino uint32, ft uint8) (int, bool) {
	need := layout.DirentSize(len(name))
	end := fs.dirEnd()
	for off := 0; off < end; {
		d, err := layout.DecodeDirent(b[:end], off)
		if err != nil {
			return 0, false
		}
		if d.Inode == 0 && d.RecLen >= need {
			layout.EncodeDirent(b, off, ino, d.RecLen, []byte(name), ft)
			return off, true
		}
		used := layout.DirentSize(d.NameLen)
		if d.Inode != 0 && d.RecLen-used >= need {
			layout.EncodeDirent(b, off, d.Inode, used, d.Name, d.FileType)
			layout.EncodeDirent(b, off+used, ino, d.RecLen-used, []byte(name), ft)
			return off + used, true
		}
		off += d.RecLen
	}
	return 0, false
}

// appendDirBlock maps a new block at the end of directory dp and returns
// it (zeroed; the caller fills and seals it).
func (fs *FS) appendDirBlock(dp *inode) (uint32, uint64, []byte, error) {
	n, err := fs.dirBlocks(dp)
	if err != nil {
		return 0, 0, nil, err
	}
	if err := fs.loadExtents(dp); err != nil {
		return 0, 0, nil, err
	}
	phys, _, err := fs.allocBlocks(fs.goalFor(dp, uint64(n)), 1)
	if err != nil {
		return 0, 0, nil, err
	}
	old := append([]layout.Extent(nil), dp.ext...)
	dp.setRange(uint64(n), 1, phys, false)
	dp.v.Update(func(a *vfs.Attr) { a.Size += int64(fs.bs) })
	if err := fs.storeExtents(dp); err != nil {
		dp.ext = old
		dp.v.Update(func(a *vfs.Attr) { a.Size -= int64(fs.bs) })
		fs.freeBlocks(phys, 1)
		return 0, 0, nil, err
	}
	return n, phys, make([]byte, fs.bs), nil
}

// emptyDirBlock formats b as a block with one unused entry spanning it.
func (fs *FS) emptyDirBlock(b []byte) {
	clear(b)
	layout.FillDirBlock(b, fs.dirEnd(), nil)
}

// addEntry links name to ino in directory dp.
func (fs *FS) addEntry(dp *inode, name string, ino uint32, ft uint8) error {
	if err := fs.loadNames(dp); err != nil {
		return err
	}
	if _, ok := dp.names[name]; ok {
		return abi.EEXIST
	}
	dp.order = nil
	if dp.indexed() {
		return fs.dxAdd(dp, name, ino, ft)
	}
	n, err := fs.dirBlocks(dp)
	if err != nil {
		return err
	}
	// Start where the last insertion found room.
	for i := uint32(0); i < n; i++ {
		l := (dp.dirHint + i) % n
		b, phys, err := fs.dirBlock(dp, l)
		if err != nil {
			return err
		}
		if off, ok := fs.insertInBlock(b, name, ino, ft); ok {
			if err := fs.sealDirBlock(dp, l, phys, b); err != nil {
				return err
			}
			dp.names[name] = dirLoc{l, off, ino, ft}
			dp.dirHint = l
			return nil
		}
	}
	if n == 1 && fs.sb.FeatureCompat&layout.CompatDirIndex != 0 {
		// As Linux's make_indexed_dir: a full one-block directory
		// becomes an htree.
		if fs.sb.FreeBlocksCount < dxReserve {
			return abi.ENOSPC
		}
		if err := fs.makeIndexed(dp); err != nil {
			return err
		}
		return fs.dxAdd(dp, name, ino, ft)
	}
	l, phys, b, err := fs.appendDirBlock(dp)
	if err != nil {
		return err
	}
	fs.emptyDirBlock(b)
	off, ok := fs.insertInBlock(b, name, ino, ft)
	if !ok {
		return errCorrupt
	}
	if err := fs.sealDirBlock(dp, l, phys, b); err != nil {
		return err
	}
	dp.names[name] = dirLoc{l, off, ino, ft}
	dp.dirHint = l
	return nil
}

// removeEntry unlinks name from dp (merging its record into the one
// before it, or marking it unused if it starts the block).
func (fs *FS) removeEntry(dp *inode, name string) error {
	if err := fs.loadNames(dp); err != nil {
		return err
	}
	loc, ok := dp.names[name]
	if !ok {
		return abi.ENOENT
	}
	dp.order = nil
	b, phys, err := fs.dirBlock(dp, loc.lblk)
	if err != nil {
		return err
	}
	end := len(b)
	if layout.HasDirTail(b) {
		end -= layout.DirTailSize
	}
	prev := -1
	for off := 0; off < end; {
		d, err := layout.DecodeDirent(b[:end], off)
		if err != nil {
			return errCorrupt
		}
		if off == loc.off {
			if prev >= 0 {
				p, _ := layout.DecodeDirent(b[:end], prev)
				layout.EncodeDirent(b, prev, p.Inode, p.RecLen+d.RecLen, p.Name, p.FileType)
			} else {
				putLe32(b[off:], 0)
			}
			delete(dp.names, name)
			return fs.sealDirBlock(dp, loc.lblk, phys, b)
		}
		prev = off
		off += d.RecLen
	}
	return errCorrupt
}

// setEntry points an existing name at another inode.
func (fs *FS) setEntry(dp *inode, name string, ino uint32, ft uint8) error {
	loc, ok := dp.names[name]
	if !ok {
		return abi.ENOENT
	}
	dp.order = nil
	b, phys, err := fs.dirBlock(dp, loc.lblk)
	if err != nil {
		return err
	}
	d, err := layout.DecodeDirent(b, loc.off)
	if err != nil || string(d.Name) != name {
		return errCorrupt
	}
	putLe32(b[loc.off:], ino)
	b[loc.off+7] = ft
	loc.ino, loc.ft = ino, ft
	dp.names[name] = loc
	return fs.sealDirBlock(dp, loc.lblk, phys, b)
}

// setDotDot points directory dp's ".." at parent.
func (fs *FS) setDotDot(dp *inode, parent uint32) error {
	b, phys, err := fs.dirBlock(dp, 0)
	if err != nil {
		return err
	}
	dot, err := layout.DecodeDirent(b, 0)
	if err != nil {
		return errCorrupt
	}
	dd, err := layout.DecodeDirent(b, dot.RecLen)
	if err != nil || string(dd.Name) != ".." {
		return errCorrupt
	}
	putLe32(b[dd.Off:], parent)
	return fs.sealDirBlock(dp, 0, phys, b)
}

// isEmptyDir reports whether dp holds no names but "." and "..".
func (fs *FS) isEmptyDir(dp *inode) (bool, error) {
	if err := fs.loadNames(dp); err != nil {
		return false, err
	}
	return len(dp.names) == 0, nil
}

// initDir writes the first block of a new directory.
func (fs *FS) initDir(dp *inode, parent uint32) error {
	l, phys, b, err := fs.appendDirBlock(dp)
	if err != nil {
		return err
	}
	layout.EncodeDotEntries(b, dp.ino, parent, fs.fileType(abi.S_IFDIR), fs.dirEnd())
	dp.names = map[string]dirLoc{}
	return fs.sealDirBlock(dp, l, phys, b)
}

// nlinkAdd changes a link count, following dir_nlink for directories
// (past 65000 links a directory counts 1, "many").
func (fs *FS) nlinkAdd(ip *inode, delta int, now abi.Timespec, ctime bool) {
	ip.v.Update(func(a *vfs.Attr) {
		if a.IsDir() && a.Nlink == 1 && fs.sb.FeatureRoCompat&layout.RoCompatDirNlink != 0 {
			// "many": stays so
		} else if n := int(a.Nlink) + delta; n < 0 {
			a.Nlink = 0
		} else if a.IsDir() && n >= 65000 {
			a.Nlink = 1
		} else {
			a.Nlink = uint32(n)
		}
		if ctime {
			a.Ctime = now
		}
	})
}

func (fs *FS) touchDir(dp *inode, now abi.Timespec) {
	dp.v.Update(func(a *vfs.Attr) { a.Mtime, a.Ctime = now, now })
}

// Create implements vfs.DirOps.
func (ip *inode) Create(dir *vfs.Inode, name string, args vfs.CreateArgs) (*vfs.Inode, error) {
	fs := ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.endOp()
	if err := fs.writable(); err != nil {
		return nil, err
	}
	if len(name) > layout.NameMax {
		return nil, abi.ENAMETOOLONG
	}
	if ip.freed || ip.v.Attr().Nlink == 0 {
		return nil, abi.ENOENT // a removed directory takes no names
	}
	if err := fs.loadNames(ip); err != nil {
		return nil, err
	}
	if _, ok := ip.names[name]; ok {
		return nil, abi.EEXIST
	}
	typ := args.Mode & abi.S_IFMT
	if typ == abi.S_IFDIR && ip.v.Attr().Nlink >= 65000 && fs.sb.FeatureRoCompat&layout.RoCompatDirNlink == 0 {
		return nil, abi.EMLINK
	}
	child, err := fs.newInode(ip, args)
	if err != nil {
		return nil, err
	}
	undo := func(err error) (*vfs.Inode, error) {
		child.v.Update(func(a *vfs.Attr) { a.Nlink = 0 })
		fs.freeInode(child)
		return nil, err
	}
	switch {
	case typ == abi.S_IFDIR:
		if err := fs.initDir(child, ip.ino); err != nil {
			return undo(err)
		}
	case typ == abi.S_IFLNK && child.disk.Flags&layout.FlagExtents != 0:
		if _, err := fs.writeFile(child, []byte(args.Target), 0); err != nil {
			return undo(err)
		}
	}
	if err := fs.addEntry(ip, name, child.ino, fs.fileType(args.Mode)); err != nil {
		return undo(err)
	}
	now := fs.now()
	if typ == abi.S_IFDIR {
		child.v.SetParent(dir, name)
		fs.nlinkAdd(ip, 1, now, false)
	}
	fs.touchDir(ip, now)
	if err := fs.writeInode(ip); err != nil {
		return nil, err
	}
	if err := fs.writeInode(child); err != nil {
		return nil, err
	}
	return child.v, nil
}

// Link implements vfs.DirOps.
func (ip *inode) Link(dir *vfs.Inode, name string, target *vfs.Inode) error {
	fs := ip.fs
	t, ok := target.Ops.(*inode)
	if !ok || t.fs != fs {
		return abi.EXDEV
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.endOp()
	if err := fs.writable(); err != nil {
		return err
	}
	if len(name) > layout.NameMax {
		return abi.ENAMETOOLONG
	}
	if target.Attr().Nlink >= 65000 {
		return abi.EMLINK
	}
	if ip.freed || ip.v.Attr().Nlink == 0 {
		return abi.ENOENT
	}
	if err := fs.addEntry(ip, name, t.ino, fs.fileType(target.Attr().Mode)); err != nil {
		return err
	}
	now := fs.now()
	fs.nlinkAdd(t, 1, now, true)
	if t.orphan && target.Attr().Nlink > 0 {
		if err := fs.orphanRemove(t); err != nil {
			return err
		}
		t.disk.Dtime = 0
	}
	fs.touchDir(ip, now)
	if err := fs.writeInode(t); err != nil {
		return err
	}
	return fs.writeInode(ip)
}

// dropLink removes one link of child (all of a directory's), freeing it
// when none remain and nothing has it open.
func (fs *FS) dropLink(child *inode, name string, now abi.Timespec) error {
	isDir := child.v.IsDir()
	if isDir {
		child.v.Update(func(a *vfs.Attr) { a.Nlink, a.Ctime = 0, now })
	} else {
		fs.nlinkAdd(child, -1, now, true)
	}
	if child.v.Attr().Nlink > 0 {
		return fs.writeInode(child)
	}
	if child.opens > 0 || strings.HasPrefix(name, tmpfileName) {
		return fs.orphanAdd(child)
	}
	return fs.freeInode(child)
}

// Remove implements vfs.DirOps.
func (ip *inode) Remove(dir *vfs.Inode, name string, child *vfs.Inode) error {
	fs := ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.endOp()
	if err := fs.writable(); err != nil {
		return err
	}
	c, ok := child.Ops.(*inode)
	if !ok || c.fs != fs {
		return abi.ENOENT
	}
	if err := fs.loadNames(ip); err != nil {
		return err
	}
	if loc, ok := ip.names[name]; !ok || loc.ino != c.ino {
		return abi.ENOENT
	}
	isDir := child.IsDir()
	if isDir {
		empty, err := fs.isEmptyDir(c)
		if err != nil {
			return err
		}
		if !empty {
			return abi.ENOTEMPTY
		}
	}
	if err := fs.removeEntry(ip, name); err != nil {
		return err
	}
	now := fs.now()
	if isDir {
		fs.nlinkAdd(ip, -1, now, false)
	}
	fs.touchDir(ip, now)
	if err := fs.writeInode(ip); err != nil {
		return err
	}
	return fs.dropLink(c, name, now)
}

// Rename implements vfs.DirOps.
func (ip *inode) Rename(dir *vfs.Inode, oldName string, newDir *vfs.Inode, newName string, flags uint32) error {
	fs := ip.fs
	nd, ok := newDir.Ops.(*inode)
	if !ok || nd.fs != fs {
		return abi.EXDEV
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.endOp()
	if err := fs.writable(); err != nil {
		return err
	}
	if len(newName) > layout.NameMax {
		return abi.ENAMETOOLONG
	}
	if nd.freed || nd.v.Attr().Nlink == 0 {
		return abi.ENOENT
	}
	if err := fs.loadNames(ip); err != nil {
		return err
	}
	if err := fs.loadNames(nd); err != nil {
		return err
	}
	sloc, ok := ip.names[oldName]
	if !ok {
		return abi.ENOENT
	}
	src, err := fs.igetInode(sloc.ino)
	if err != nil {
		return err
	}
	dloc, exists := nd.names[newName]
	var dst *inode
	if exists {
		if dst, err = fs.igetInode(dloc.ino); err != nil {
			return err
		}
	}
	now := fs.now()
	srcDir := src.v.IsDir()
	if flags&abi.RENAME_EXCHANGE != 0 {
		if !exists {
			return abi.ENOENT
		}
		dstDir := dst.v.IsDir()
		if err := fs.setEntry(ip, oldName, dst.ino, dloc.ft); err != nil {
			return err
		}
		if err := fs.setEntry(nd, newName, src.ino, sloc.ft); err != nil {
			return err
		}
		if ip != nd {
			if srcDir {
				if err := fs.setDotDot(src, nd.ino); err != nil {
					return err
				}
				src.v.SetParent(newDir, newName)
			}
			if dstDir {
				if err := fs.setDotDot(dst, ip.ino); err != nil {
					return err
				}
				dst.v.SetParent(dir, oldName)
			}
			if srcDir != dstDir {
				d := 1
				if dstDir {
					d = -1
				}
				fs.nlinkAdd(ip, -d, now, false)
				fs.nlinkAdd(nd, d, now, false)
			}
		} else {
			if srcDir {
				src.v.SetParent(newDir, newName)
			}
			if dstDir {
				dst.v.SetParent(dir, oldName)
			}
		}
		for _, x := range []*inode{src, dst} {
			x.v.Update(func(a *vfs.Attr) { a.Ctime = now })
			if err := fs.writeInode(x); err != nil {
				return err
			}
		}
		fs.touchDir(ip, now)
		fs.touchDir(nd, now)
		if err := fs.writeInode(ip); err != nil {
			return err
		}
		return fs.writeInode(nd)
	}
	if exists {
		if dst.v.IsDir() {
			empty, err := fs.isEmptyDir(dst)
			if err != nil {
				return err
			}
			if !empty {
				return abi.ENOTEMPTY
			}
		}
		if err := fs.setEntry(nd, newName, src.ino, sloc.ft); err != nil {
			return err
		}
	} else if err := fs.addEntry(nd, newName, src.ino, sloc.ft); err != nil {
		return err
	}
	if err := fs.removeEntry(ip, oldName); err != nil {
		return err
	}
	if srcDir {
		src.v.SetParent(newDir, newName)
		if ip != nd {
			if err := fs.setDotDot(src, nd.ino); err != nil {
				return err
			}
			fs.nlinkAdd(ip, -1, now, false)
			fs.nlinkAdd(nd, 1, now, false)
		}
	}
	src.v.Update(func(a *vfs.Attr) { a.Ctime = now })
	if err := fs.writeInode(src); err != nil {
		return err
	}
	fs.touchDir(ip, now)
	fs.touchDir(nd, now)
	if exists {
		if dst.v.IsDir() {
			fs.nlinkAdd(nd, -1, now, false)
		}
		if err := fs.dropLink(dst, newName, now); err != nil {
			return err
		}
	}
	if err := fs.writeInode(ip); err != nil {
		return err
	}
	return fs.writeInode(nd)
}

// Readlink implements vfs.SymlinkOps.
func (ip *inode) Readlink(in *vfs.Inode) (string, error) {
	fs := ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.endOp()
	size := in.Attr().Size
	if size <= 0 || size >= int64(abi.PATH_MAX) {
		return "", errCorrupt
	}
	xattrBlocks := uint64(0)
	if ip.disk.FileACL != 0 {
		xattrBlocks = uint64(fs.bs / 512)
	}
	if ip.disk.BlocksIn512(fs.sb) == xattrBlocks && ip.disk.Flags&layout.FlagExtents == 0 {
		if size >= int64(len(ip.disk.Block)) {
			return "", errCorrupt
		}
		return string(ip.disk.Block[:size]), nil // fast symlink
	}
	b := make([]byte, size)
	n, err := fs.readFile(ip, b, 0)
	if err != nil {
		return "", err
	}
	return string(b[:n]), nil
}
