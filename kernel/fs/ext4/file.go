package ext4

import (
	"aramid/kernel/abi"
	"aramid/kernel/fs/ext4/layout"
	"aramid/kernel/vfs"
)

// chunkBlocks bounds one device transfer of file data.
const chunkBlocks = 256

// maxBytes is the largest file size (s_maxbytes for extent files).
func (fs *FS) maxBytes() int64 { return (maxLogical - 1) * int64(fs.bs) }

// Open implements vfs.InodeOps for regular files and directories.
func (ip *inode) Open(_ *vfs.Caller, in *vfs.Inode, flags uint32) (vfs.FileImpl, error) {
	fs := ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.endOp()
	a := in.Attr()
	switch a.Type() {
	case abi.S_IFDIR:
		return dirFile{fs: fs}, nil
	case abi.S_IFREG:
		ip.opens++
		if flags&abi.O_ACCMODE != abi.O_RDONLY {
			ip.writable = true // it may be mapped shared and writable now
		}
		return &regFile{ip: ip}, nil
	case abi.S_IFLNK:
		return nil, abi.ELOOP
	}
	return nil, abi.ENXIO
}

// regFile is an open regular file.
type regFile struct {
	vfs.FileDefaults
	ip *inode
}

// Read implements vfs.FileImpl: through the page cache, or with
// O_DIRECT from the disk after the range's dirty pages are written back.
func (r *regFile) Read(_ *vfs.Caller, f *vfs.File, dst []byte, off int64) (int, error) {
	fs := r.ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.endOp()
	if direct(f) && len(dst) > 0 {
		if err := r.directCheck(f, off, len(dst), false); err != nil {
			return 0, err
		}
		if err := fs.writebackRange(r.ip, off/pageSize, (off+int64(len(dst))+pageSize-1)/pageSize); err != nil {
			return 0, err
		}
		return fs.readDisk(r.ip, dst, off)
	}
	return fs.readFile(r.ip, dst, off)
}

// direct reports an O_DIRECT file.
func direct(f *vfs.File) bool { return f != nil && f.Flags()&abi.O_DIRECT != 0 }

// directCheck refuses an O_DIRECT transfer whose offset or length is not
// a multiple of the device's logical block size with EINVAL, as Linux's
// iomap direct I/O does; an empty transfer and a read at or past the end
// of the file return before the check (FS.mu held).
func (r *regFile) directCheck(f *vfs.File, off int64, n int, write bool) error {
	if f == nil || f.Flags()&abi.O_DIRECT == 0 || n == 0 {
		return nil
	}
	size := r.ip.v.Attr().Size
	if off < 0 {
		off = size // O_APPEND
	}
	if !write && off >= size {
		return nil
	}
	if lbs := int64(r.ip.fs.dev.SectorSize()); lbs > 1 && (off|int64(n))&(lbs-1) != 0 {
		return abi.EINVAL
	}
	return nil
}

// DirectAlign implements vfs.DirectIO: an O_DIRECT buffer must be
// aligned to the device's logical block size (Linux's queue dma
// alignment, 512 for virtio-blk), except where nothing is transferred.
func (r *regFile) DirectAlign(write bool, off int64, n uint64) uint64 {
	if n == 0 {
		return 0
	}
	if !write && off >= 0 && off >= r.ip.v.Attr().Size {
		return 0
	}
	return uint64(r.ip.fs.dev.SectorSize())
}

// readStart is what every read does first: dst is cut at the end of the
// file (empty at or past it) and the extents are loaded.
func (fs *FS) readStart(ip *inode, dst []byte, off int64) ([]byte, error) {
	size := ip.v.Attr().Size
	if off >= size || len(dst) == 0 {
		return nil, nil
	}
	if rem := size - off; int64(len(dst)) > rem {
		dst = dst[:rem]
	}
	return dst, fs.loadExtents(ip)
}

// readDisk reads file data at off from the disk.
func (fs *FS) readDisk(ip *inode, dst []byte, off int64) (int, error) {
	dst, err := fs.readStart(ip, dst, off)
	if err != nil || len(dst) == 0 {
		return 0, err
	}
	bs := int64(fs.bs)
	done := 0
	for done < len(dst) {
		pos := off + int64(done)
		lb := uint64(pos / bs)
		inBlock := int(pos % bs)
		phys, n, unwritten, ok := ip.mapBlock(lb)
		if !ok || unwritten {
			// A hole (or preallocated space) reads as zeros up to the
			// next extent.
			span := int64(len(dst) - done)
			if !ok && n > 0 {
				span = min(span, int64(n)*bs-int64(inBlock))
			} else if ok {
				span = min(span, int64(n)*bs-int64(inBlock))
			}
			clear(dst[done : done+int(span)])
			done += int(span)
			continue
		}
		k := min(n, chunkBlocks, uint64((int64(inBlock)+int64(len(dst)-done)+bs-1)/bs))
		if inBlock == 0 && int64(len(dst)-done) >= int64(k)*bs {
			// Whole blocks: straight into dst.
			if err := fs.readBlocks(dst[done:done+int(k)*fs.bs], phys); err != nil {
				if done > 0 {
					return done, nil
				}
				return 0, err
			}
			done += int(k) * fs.bs
			continue
		}
		buf := make([]byte, int(k)*fs.bs)
		if err := fs.readBlocks(buf, phys); err != nil {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		done += copy(dst[done:], buf[inBlock:])
	}
	return done, nil
}

// Write implements vfs.FileImpl: into the page cache, or with O_DIRECT
// through it to the disk, leaving no clean page of the range behind.
func (r *regFile) Write(c *vfs.Caller, f *vfs.File, src []byte, off int64) (int, error) {
	fs := r.ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.endOp()
	if err := r.directCheck(f, off, len(src), true); err != nil {
		return 0, err
	}
	if !fs.mayUseReserved(c) {
		fs.reserveFloor = fs.sb.RBlocksCount
		defer func() { fs.reserveFloor = 0 }()
	}
	if !direct(f) || len(src) == 0 {
		return fs.writeFile(r.ip, src, off)
	}
	if off < 0 {
		off = r.ip.v.Attr().Size
	}
	n, err := fs.writeFile(r.ip, src, off)
	if n == 0 {
		return 0, err
	}
	from, to := off/pageSize, (off+int64(n)+pageSize-1)/pageSize
	if err := fs.writebackRange(r.ip, from, to); err != nil {
		return 0, err
	}
	for idx, p := range r.ip.pages {
		if idx >= from && idx < to && !p.mapped {
			fs.dropPage(p)
		}
	}
	return n, nil
}

// mayUseReserved reports whether c may allocate the blocks reserved for
// root (s_r_blocks_count): the reserved uid or gid, or CAP_SYS_RESOURCE,
// as Linux's ext4_has_free_clusters. Kernel writers (nil) may.
func (fs *FS) mayUseReserved(c *vfs.Caller) bool {
	if c == nil {
		return true
	}
	resuid, resgid := uint32(le16(fs.sb.Raw[0x50:])), uint32(le16(fs.sb.Raw[0x52:]))
	return c.UID == resuid || c.InGroup(resgid) || c.Capable(abi.CAP_SYS_RESOURCE)
}

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }

// writeStart is what every write does first: the filesystem must be
// writable and the file extent-mapped; off -1 is the end of the file; src
// is cut at the largest file size (EFBIG at or past it); the extents are
// loaded. An empty src comes back empty.
func (fs *FS) writeStart(ip *inode, src []byte, off int64) ([]byte, int64, error) {
	if err := fs.writable(); err != nil {
		return nil, 0, err
	}
	if ip.disk.Flags&layout.FlagExtents == 0 {
		return nil, 0, abi.EOPNOTSUPP // block-mapped files are read-only here
	}
	if off < 0 {
		off = ip.v.Attr().Size
	}
	if len(src) == 0 {
		return nil, off, nil
	}
	if off >= fs.maxBytes() {
		return nil, 0, abi.EFBIG
	}
	if rem := fs.maxBytes() - off; int64(len(src)) > rem {
		src = src[:rem]
	}
	return src, off, fs.loadExtents(ip)
}

// writeDisk writes src at off straight to the disk, allocating blocks
// for holes and converting unwritten extents it covers (write-back of
// pages a mapping stored into a hole). stamp extends the size and sets
// the times, as a write(2) does.
func (fs *FS) writeDisk(ip *inode, src []byte, off int64, stamp bool) (int, error) {
	src, off, err := fs.writeStart(ip, src, off)
	if err != nil || len(src) == 0 {
		return 0, err
	}
	oldExt := append([]layout.Extent(nil), ip.ext...)
	var taken []layout.Extent // blocks this call allocated
	bs := int64(fs.bs)
	done := 0
	changed := false
	var werr error
	for done < len(src) && werr == nil {
		pos := off + int64(done)
		lb := uint64(pos / bs)
		inBlock := int(pos % bs)
		endBlock := uint64((pos + int64(len(src)-done) + bs - 1) / bs) // exclusive
		phys, n, unwritten, ok := ip.mapBlock(lb)
		want := endBlock - lb
		if n > 0 {
			want = min(want, n)
		}
		want = min(want, chunkBlocks)
		fresh := !ok || unwritten // the blocks' old contents read as zeros
		if !ok {
			goal := uint64(0)
			if lb > 0 {
				if p, _, _, ok := ip.mapBlock(lb - 1); ok {
					goal = p + 1
				}
			}
			if goal == 0 {
				g, _ := fs.sb.InodeLocation(ip.ino)
				goal = fs.sb.GroupFirstBlock(g)
			}
			start, got, err := fs.allocBlocks(goal, int(want))
			if err != nil {
				werr = err
				break
			}
			phys, want = start, uint64(got)
			taken = append(taken, layout.Extent{Start: start, Len: uint16(got)})
		}
		buf := make([]byte, int(want)*fs.bs)
		chunkEnd := min(int64(want)*bs, int64(inBlock)+int64(len(src)-done))
		if !fresh {
			// Keep the bytes of partly written first and last blocks.
			if inBlock != 0 {
				if err := fs.readBlocks(buf[:fs.bs], phys); err != nil {
					werr = err
					break
				}
			}
			if last := (chunkEnd - 1) / bs; chunkEnd%bs != 0 && (last != 0 || inBlock == 0) {
				if err := fs.readBlocks(buf[last*bs:(last+1)*bs], phys+uint64(last)); err != nil {
					werr = err
					break
				}
			}
		}
		n2 := copy(buf[inBlock:chunkEnd], src[done:])
		if err := fs.writeBlocks(buf, phys); err != nil {
			if !ok {
				fs.freeBlocks(phys, want)
				taken = taken[:len(taken)-1]
			}
			werr = err
			break
		}
		if fresh {
			ip.setRange(lb, want, phys, false)
			changed = true
		}
		done += n2
	}
	if changed {
		if err := fs.storeExtents(ip); err != nil {
			// No room for the tree: the write did not happen. Its
			// blocks go back and the file keeps its old map.
			ip.ext = oldExt
			for _, x := range taken {
				fs.freeBlocks(x.Start, uint64(x.Len))
			}
			return 0, err
		}
	}
	if done > 0 {
		now := fs.now()
		end := off + int64(done)
		ip.v.Update(func(a *vfs.Attr) {
			if !stamp {
				return
			}
			if end > a.Size {
				a.Size = end
			}
			a.Mtime, a.Ctime = now, now
		})
		if err := fs.writeInode(ip); err != nil && werr == nil {
			werr = err
		}
		return done, nil
	}
	return 0, werr
}

// Truncate implements vfs.TruncateOps.
func (ip *inode) Truncate(in *vfs.Inode, size int64) error {
	fs := ip.fs
	fs.mu.Lock()
	var invalidate PageInvalidator
	defer func() {
		// Mappings of the pages past the end go after FS.mu is let go
		// (faults take it under their address space's lock).
		if invalidate != nil {
			invalidate.InvalidateFrom(in, (size+pageSize-1)/pageSize)
		}
	}()
	defer fs.mu.Unlock()
	defer fs.endOp()
	if err := fs.writable(); err != nil {
		return err
	}
	if size < 0 {
		return abi.EINVAL
	}
	if size > fs.maxBytes() {
		return abi.EFBIG
	}
	if ip.disk.Flags&layout.FlagExtents == 0 {
		return abi.EOPNOTSUPP
	}
	if err := fs.loadExtents(ip); err != nil {
		return err
	}
	old := in.Attr().Size
	bs := int64(fs.bs)
	if size < old {
		// The pages past the end go before their blocks do; the last
		// page keeps zeros past the end.
		if fs.dropPages(ip, (size+pageSize-1)/pageSize) {
			invalidate, _ = fs.pages.(PageInvalidator)
		}
		if p := ip.pages[size/pageSize]; p != nil {
			clear(p.data[size%pageSize:])
		}
		if err := fs.truncateBlocks(ip, uint64((size+bs-1)/bs)); err != nil {
			return err
		}
		if err := fs.zeroTail(ip, size); err != nil {
			return err
		}
	}
	now := fs.now()
	in.Update(func(a *vfs.Attr) {
		a.Size = size
		a.Mtime, a.Ctime = now, now
	})
	return fs.writeInode(ip)
}

// zeroTail clears the bytes of the block holding offset size that lie at
// or after it, so a later extension reads zeros there.
func (fs *FS) zeroTail(ip *inode, size int64) error {
	bs := int64(fs.bs)
	if size%bs == 0 {
		return nil
	}
	phys, _, unwritten, ok := ip.mapBlock(uint64(size / bs))
	if !ok || unwritten {
		return nil
	}
	b := make([]byte, fs.bs)
	if err := fs.readBlocks(b, phys); err != nil {
		return err
	}
	clear(b[size%bs:])
	return fs.writeBlocks(b, phys)
}

// Allocate implements vfs.AllocateOps (fallocate modes 0 and
// FALLOC_FL_KEEP_SIZE): holes in the range get unwritten extents.
func (ip *inode) Allocate(in *vfs.Inode, off, length int64, keepSize bool) error {
	fs := ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.endOp()
	if err := fs.writable(); err != nil {
		return err
	}
	if off < 0 || length <= 0 {
		return abi.EINVAL
	}
	if off > fs.maxBytes()-length {
		return abi.EFBIG
	}
	if ip.disk.Flags&layout.FlagExtents == 0 {
		return abi.EOPNOTSUPP
	}
	if err := fs.loadExtents(ip); err != nil {
		return err
	}
	bs := int64(fs.bs)
	first, end := uint64(off/bs), uint64((off+length+bs-1)/bs)
	var need uint64
	for lb := first; lb < end; {
		_, n, _, ok := ip.mapBlock(lb)
		span := end - lb
		if n > 0 {
			span = min(span, n)
		}
		if !ok {
			need += span
		}
		lb += span
	}
	if need > fs.sb.FreeBlocksCount {
		return abi.ENOSPC
	}
	var err error
	changed := false
	oldExt := append([]layout.Extent(nil), ip.ext...)
	var taken []layout.Extent
	for lb := first; lb < end && err == nil; {
		_, n, _, ok := ip.mapBlock(lb)
		span := end - lb
		if n > 0 {
			span = min(span, n)
		}
		if ok {
			lb += span
			continue
		}
		var start uint64
		var got int
		start, got, err = fs.allocBlocks(fs.goalFor(ip, lb), int(min(span, layout.MaxUnwrittenLen)))
		if err != nil {
			break
		}
		ip.setRange(lb, uint64(got), start, true)
		taken = append(taken, layout.Extent{Start: start, Len: uint16(got)})
		changed = true
		lb += uint64(got)
	}
	if changed {
		if e := fs.storeExtents(ip); e != nil {
			ip.ext = oldExt // nothing allocated stays
			for _, x := range taken {
				fs.freeBlocks(x.Start, uint64(x.Len))
			}
			return e
		}
	}
	if err != nil {
		return err
	}
	now := fs.now()
	in.Update(func(a *vfs.Attr) {
		if !keepSize && off+length > a.Size {
			a.Size = off + length
			a.Mtime = now
		}
		a.Ctime = now
	})
	return fs.writeInode(ip)
}

// goalFor is where to allocate logical block lb of ip: after the block
// before it, or at the start of the inode's group.
func (fs *FS) goalFor(ip *inode, lb uint64) uint64 {
	if lb > 0 {
		if p, _, _, ok := ip.mapBlock(lb - 1); ok {
			return p + 1
		}
	}
	g, _ := fs.sb.InodeLocation(ip.ino)
	return fs.sb.GroupFirstBlock(g)
}

// PunchHole implements vfs.AllocateOps (FALLOC_FL_PUNCH_HOLE).
func (ip *inode) PunchHole(in *vfs.Inode, off, length int64) error {
	fs := ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.endOp()
	if err := fs.writable(); err != nil {
		return err
	}
	if off < 0 || length <= 0 {
		return abi.EINVAL
	}
	if ip.disk.Flags&layout.FlagExtents == 0 {
		return abi.EOPNOTSUPP
	}
	if err := fs.loadExtents(ip); err != nil {
		return err
	}
	size := in.Attr().Size
	end := min(off+length, size)
	if off < end {
		// The disk gets the range's dirty pages first, then the hole;
		// the cached pages get the punched bytes cleared.
		if err := fs.writebackRange(ip, off/pageSize, (end+pageSize-1)/pageSize); err != nil {
			return err
		}
		fs.zeroPages(ip, off, end)
	}
	if off < end {
		bs := int64(fs.bs)
		// Partial blocks at the edges are zeroed in place.
		zero := func(from, to int64) error {
			phys, _, unwritten, ok := ip.mapBlock(uint64(from / bs))
			if !ok || unwritten {
				return nil
			}
			b := make([]byte, fs.bs)
			if err := fs.readBlocks(b, phys); err != nil {
				return err
			}
			clear(b[from%bs : to-from/bs*bs])
			return fs.writeBlocks(b, phys)
		}
		fb, lbEnd := (off+bs-1)/bs, end/bs // whole blocks [fb, lbEnd)
		if off%bs != 0 {
			if err := zero(off, min(end, (off/bs+1)*bs)); err != nil {
				return err
			}
		}
		if end%bs != 0 && end/bs >= fb && (off%bs == 0 || end/bs != off/bs) {
			if err := zero(end/bs*bs, end); err != nil {
				return err
			}
		}
		if lbEnd > fb {
			if err := fs.unmapRange(ip, uint64(fb), uint64(lbEnd-fb)); err != nil {
				return err
			}
		}
	}
	now := fs.now()
	in.Update(func(a *vfs.Attr) { a.Mtime, a.Ctime = now, now })
	return fs.writeInode(ip)
}

// Seek implements vfs.FileImpl with SEEK_DATA and SEEK_HOLE from the
// extent list (unwritten extents are holes).
func (r *regFile) Seek(f *vfs.File, cur, off int64, whence int) (int64, error) {
	if whence != abi.SEEK_DATA && whence != abi.SEEK_HOLE {
		return vfs.GenericSeek(f, cur, off, whence)
	}
	fs := r.ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.endOp()
	size := r.ip.v.Attr().Size
	if off < 0 || off >= size {
		return 0, abi.ENXIO
	}
	if err := fs.loadExtents(r.ip); err != nil {
		return 0, err
	}
	bs := int64(fs.bs)
	for pos := off; pos < size; {
		_, n, unwritten, ok := r.ip.mapBlock(uint64(pos / bs))
		data := ok && !unwritten
		if whence == abi.SEEK_DATA && data || whence == abi.SEEK_HOLE && !data {
			return pos, nil
		}
		if n == 0 {
			break // a hole to the end of the file
		}
		pos = (pos/bs + int64(n)) * bs
	}
	if whence == abi.SEEK_HOLE {
		return size, nil
	}
	return 0, abi.ENXIO
}

// Fsync implements vfs.FileImpl (fsync and fdatasync): the dirty pages
// are written back (every file's: a commit writes back all data first),
// the running transaction commits and the device flushes.
func (r *regFile) Fsync(*vfs.File) error {
	fs := r.ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.writebackRange(r.ip, 0, maxPages); err != nil {
		return err
	}
	return fs.syncLocked()
}

// Release implements vfs.FileImpl: the last close of an unlinked file
// frees it.
func (r *regFile) Release(*vfs.File) {
	fs := r.ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.endOp()
	ip := r.ip
	ip.opens--
	if ip.opens == 0 && ip.orphan && !ip.freed && ip.v.Attr().Nlink == 0 {
		fs.freeInode(ip) // an error here is sticky in fs.err
	}
}

// dirFile is an open directory.
type dirFile struct {
	vfs.DirFileDefaults
	fs *FS
}

// Fsync implements vfs.FileImpl: fsync of a directory commits the
// running transaction (so a rename or create in it is durable).
func (d dirFile) Fsync(*vfs.File) error {
	d.fs.mu.Lock()
	defer d.fs.mu.Unlock()
	return d.fs.syncLocked()
}
