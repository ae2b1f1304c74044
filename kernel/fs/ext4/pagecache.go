package ext4

import (
	"hash/maphash"
	"slices"

	"aramid/kernel/abi"
	"aramid/kernel/fs/ext4/layout"
	"aramid/kernel/mm"
	"aramid/kernel/vfs"
)

// The page cache. Regular-file data (and slow symlinks) is read and
// written through 4 KiB pages kept per inode (inode.pages):
//
//   - A read copies from cached pages; a missing run is read from the disk
//     in one request, with readahead when the reads are sequential (the
//     window doubles from raMin up to raMax pages, and a random read
//     reads only what it asks for, as Linux's ondemand readahead does).
//   - A write fills the partly written edge pages from the disk (whole
//     pages are not read), allocates the blocks it covers at once (so
//     ENOSPC is the write's, and i_size and the extent tree change in the
//     running transaction), copies the data into the pages and marks
//     them dirty. Nothing reaches the disk yet.
//   - Write-back copies runs of dirty pages to the disk in requests of up
//     to raMax pages. It happens on fsync, fdatasync, sync, syncfs,
//     sync_file_range(SYNC_FILE_RANGE_WRITE) (the range only), before
//     every journal commit (so a file's data is on the disk before the
//     metadata that refers to it: ordered mode), at unmount, when dirty
//     pages pass dirtyMax, and when memory runs short.
//   - Mapped pages (MapPage) are the cached pages themselves: read,
//     write and every mapping see one copy. They are pinned (never
//     evicted) until truncation, removal or unmount, because mappings hold
//     the frames. A store through a mapping is found at write-back by a
//     hash of the page taken when it was last clean (only for inodes ever
//     opened for writing: nothing else can map a page writable and
//     shared); stores into holes allocate blocks then.
//   - Clean unmapped pages sit on an LRU list and are evicted, oldest
//     first, when the cache wants a page while memory is short
//     (mm.MemoryPressure), when a frame cannot be had, and when the
//     memory watchdog or the OOM path asks (mm.ShrinkCaches). Dirty pages
//     are written back and then evicted when that is not enough.
//   - O_DIRECT writes the range back and reads the disk (reads), or writes
//     through the cache, writes the range back and drops its clean pages
//     (writes), so direct and cached I/O stay coherent.
//   - Truncation drops the pages past the new end and clears the tail of
//     the last page; punching a hole writes the range back, then clears
//     the punched bytes in the cached pages; removing an inode drops its
//     pages before its blocks are freed (a late write-back must not land
//     in blocks reused since).
//
// Frames come from the PageSource (mm.Frames in the kernel, so the page
// allocator's reserve rules hold and /proc/meminfo counts them through
// mm.CacheAccount); without one, pages are Go memory. FS.mu guards it all.

// Cache sizes, in pages.
const (
	raMin = 4
	raMax = 256 // 1 MiB: also the largest write-back request
	// dirtyMax is how many dirty pages a filesystem holds before a writer
	// writes them back (Linux's dirty_ratio, as a fixed size).
	dirtyMax = 8192
	// evictBatch is how many clean pages one eviction frees.
	evictBatch = 64
	// inodeMax is how many inodes stay cached when unreferenced (see
	// evictInodes).
	inodeMax = 4096
)

// cpage is one cached page of a file.
type cpage struct {
	frame  uint64
	data   *[pageSize]byte
	ip     *inode
	idx    int64
	dirty  bool
	mapped bool
	// sum is the hash of a mapped page's contents when last clean.
	sum uint64
	// prev and next link clean unmapped pages on the LRU list.
	prev, next *cpage
}

// pageCache is a filesystem's cache state.
type pageCache struct {
	lru    cpage // sentinel: lru.next is the most recently used page
	n      int   // pages held
	dirty  int   // dirty pages
	pinned int   // mapped pages
	stage  []byte
	seed   maphash.Seed
	// inWriteback is set while writebackAll runs: a commit it causes
	// (a full transaction) does not start another.
	inWriteback bool
	unregister  func()
}

// heapPages is the PageSource of a filesystem given none: Go memory.
type heapPages struct{}

func (heapPages) AllocPage() (uint64, *[pageSize]byte, error) { return 0, new([pageSize]byte), nil }
func (heapPages) PutPage(uint64)                              {}

func (fs *FS) pageSource() PageSource {
	if fs.pages != nil {
		return fs.pages
	}
	return heapPages{}
}

func (c *pageCache) lruRemove(p *cpage) {
	if p.next != nil {
		p.prev.next, p.next.prev = p.next, p.prev
		p.prev, p.next = nil, nil
	}
}

// lruPush puts a clean unmapped page at the head of the LRU list.
func (c *pageCache) lruPush(p *cpage) {
	if c.lru.next == nil {
		c.lru.next, c.lru.prev = &c.lru, &c.lru
	}
	c.lruRemove(p)
	if p.dirty || p.mapped {
		return
	}
	p.prev, p.next = &c.lru, c.lru.next
	c.lru.next.prev = p
	c.lru.next = p
}

// stageBuf returns the filesystem's I/O staging buffer, n bytes long.
func (fs *FS) stageBuf(n int) []byte {
	if cap(fs.pc.stage) < n {
		fs.pc.stage = make([]byte, max(n, raMax*pageSize))
	}
	return fs.pc.stage[:n]
}

// allocPage adds an empty (zeroed) page idx to ip, off the LRU list: the
// caller fills it and then pushes it or marks it dirty. While memory is
// short the cache gives back its own clean pages first.
func (fs *FS) allocPage(ip *inode, idx int64) (*cpage, error) {
	if fs.pc.n > 0 && mm.MemoryPressure() {
		fs.evictClean(evictBatch)
	}
	src := fs.pageSource()
	fr, data, err := src.AllocPage()
	if err != nil {
		if fs.evictClean(evictBatch) == 0 && fs.pc.dirty > 0 && !fs.pc.inWriteback {
			if fs.writebackAll() == nil {
				fs.evictClean(evictBatch)
			}
		}
		if fr, data, err = src.AllocPage(); err != nil {
			return nil, abi.ENOMEM
		}
	}
	p := &cpage{frame: fr, data: data, ip: ip, idx: idx}
	if fs.inodes[ip.ino] != ip && !ip.freed {
		// An evicted inode still referenced (a mapping's fault): pages
		// are only kept on inodes write-back and unmount can find.
		fs.inodes[ip.ino] = ip
		delete(fs.evicted, ip.ino)
	}
	if ip.pages == nil {
		ip.pages = map[int64]*cpage{}
	}
	ip.pages[idx] = p
	fs.pc.n++
	mm.CacheAccount(1, 0, 0, 0)
	return p, nil
}

// dropPage removes p from the cache, whatever its state.
func (fs *FS) dropPage(p *cpage) {
	fs.pc.lruRemove(p)
	delete(p.ip.pages, p.idx)
	var dirty, pinned int64
	if p.dirty {
		fs.pc.dirty--
		dirty = -1
	}
	if p.mapped {
		fs.pc.pinned--
		pinned = -1
	}
	fs.pc.n--
	mm.CacheAccount(-1, dirty, 0, pinned)
	fs.pageSource().PutPage(p.frame)
	p.data = nil
}

// dropPages drops every page of ip at or past page index from; it
// reports whether a mapped one was among them.
func (fs *FS) dropPages(ip *inode, from int64) bool {
	mapped := false
	for idx, p := range ip.pages {
		if idx >= from {
			mapped = mapped || p.mapped
			fs.dropPage(p)
		}
	}
	return mapped
}

// evictClean drops up to n clean unmapped pages, least recently used
// first, and returns how many it dropped.
func (fs *FS) evictClean(n int) int {
	done := 0
	for done < n && fs.pc.lru.prev != nil && fs.pc.lru.prev != &fs.pc.lru {
		fs.dropPage(fs.pc.lru.prev)
		done++
	}
	return done
}

func (fs *FS) markDirty(p *cpage) {
	if !p.dirty {
		p.dirty = true
		fs.pc.dirty++
		fs.pc.lruRemove(p)
		mm.CacheAccount(0, 1, 0, 0)
	}
}

func (fs *FS) markClean(p *cpage) {
	if p.dirty {
		p.dirty = false
		fs.pc.dirty--
		mm.CacheAccount(0, -1, 0, 0)
	}
	if p.mapped {
		p.sum = maphash.Bytes(fs.pc.seed, p.data[:])
	}
	fs.pc.lruPush(p)
}

// fillRun reads pages from idx on that are not cached, through the
// page holding need-1 at least, and with ra as far as the readahead
// window reaches when the reads of ip are sequential. size is the file
// size.
func (fs *FS) fillRun(ip *inode, idx, need int64, size int64, ra bool) error {
	end := need
	if ra && (idx == ip.raNext || idx == 0) {
		ip.raWin = min(max(ip.raWin*2, raMin), raMax)
		end = max(end, idx+ip.raWin)
	} else if ra {
		ip.raWin = 0
	}
	end = min(end, idx+raMax, (size+pageSize-1)/pageSize)
	n := int64(0)
	for idx+n < end && ip.pages[idx+n] == nil {
		n++
	}
	if n == 0 {
		n = 1 // past the end (a mapping's last page): one zero page
	}
	pages := make([]*cpage, 0, n)
	for i := int64(0); i < n; i++ {
		p, err := fs.allocPage(ip, idx+i)
		if err != nil {
			if i == 0 {
				return err
			}
			break
		}
		pages = append(pages, p)
	}
	buf := fs.stageBuf(len(pages) * pageSize)
	got, err := fs.readDisk(ip, buf, idx*pageSize)
	if err != nil {
		for _, p := range pages {
			fs.dropPage(p)
		}
		return err
	}
	clear(buf[got:])
	for i, p := range pages {
		copy(p.data[:], buf[i*pageSize:])
		fs.pc.lruPush(p)
	}
	return nil
}

// readFile reads file data at off through the cache (FS.mu held).
func (fs *FS) readFile(ip *inode, dst []byte, off int64) (int, error) {
	size := ip.v.Attr().Size
	dst, err := fs.readStart(ip, dst, off)
	if err != nil || len(dst) == 0 {
		return 0, err
	}
	end := off + int64(len(dst))
	last := (end - 1) / pageSize
	done := 0
	for pg := off / pageSize; pg <= last; {
		p := ip.pages[pg]
		if p == nil {
			if err := fs.fillRun(ip, pg, last+1, size, true); err != nil {
				if err == abi.ENOMEM {
					// No memory for pages: read around the cache.
					n, err := fs.readUncached(ip, dst[done:], off+int64(done))
					return done + n, err
				}
				if done > 0 {
					return done, nil
				}
				return 0, err
			}
			continue
		}
		fs.pc.lruPush(p)
		ps := pg * pageSize
		lo, hi := max(off, ps), min(end, ps+pageSize)
		done += copy(dst[lo-off:hi-off], p.data[lo-ps:hi-ps])
		pg++
	}
	ip.raNext = last + 1
	return done, nil
}

// readUncached reads from the disk with the cached pages laid over it
// (they may be newer).
func (fs *FS) readUncached(ip *inode, dst []byte, off int64) (int, error) {
	n, err := fs.readDisk(ip, dst, off)
	end := off + int64(n)
	for pg, p := range ip.pages {
		ps := pg * pageSize
		lo, hi := max(ps, off), min(ps+pageSize, end)
		if lo < hi {
			copy(dst[lo-off:hi-off], p.data[lo-ps:hi-ps])
		}
	}
	return n, err
}

// writeFile writes src at off (-1: at the end) into the cache: blocks
// are allocated for holes and unwritten extents are converted now, the
// data reaches the disk at write-back.
func (fs *FS) writeFile(ip *inode, src []byte, off int64) (int, error) {
	size := ip.v.Attr().Size
	src, off, err := fs.writeStart(ip, src, off)
	if err != nil || len(src) == 0 {
		return 0, err
	}
	done := 0
	var werr error
	for done < len(src) {
		pos := off + int64(done)
		n := min(len(src)-done, int(((pos/pageSize)+raMax)*pageSize-pos))
		got, err := fs.writePages(ip, src[done:done+n], pos, size)
		done += got
		if err != nil {
			werr = err
			break
		}
	}
	if done == 0 {
		return 0, werr
	}
	now := fs.now()
	end := off + int64(done)
	ip.v.Update(func(a *vfs.Attr) {
		if end > a.Size {
			a.Size = end
		}
		a.Mtime, a.Ctime = now, now
	})
	if err := fs.writeInode(ip); err != nil {
		return done, nil // the data is in the cache; the error is sticky
	}
	if fs.pc.dirty >= dirtyMax || fs.pc.dirty >= evictBatch && mm.MemoryPressure() {
		if !fs.pc.inWriteback {
			fs.writebackAll() // an error is sticky in fs.err
		}
	}
	return done, nil
}

// writePages writes src (at most raMax pages) at off into the cache;
// size is the file size before the write.
func (fs *FS) writePages(ip *inode, src []byte, off, size int64) (int, error) {
	end := off + int64(len(src))
	first, last := off/pageSize, (end-1)/pageSize
	pages := make([]*cpage, 0, last-first+1)
	var fresh []*cpage // allocated without reading: wrong unless written
	defer func() {
		for _, p := range pages {
			if !p.dirty && slices.Contains(fresh, p) {
				fs.dropPage(p)
			} else if !p.dirty {
				fs.pc.lruPush(p)
			}
		}
	}()
	for pg := first; pg <= last; pg++ {
		p := ip.pages[pg]
		if p == nil {
			ps := pg * pageSize
			var err error
			if whole := off <= ps && end >= ps+pageSize; whole || ps >= size {
				p, err = fs.allocPage(ip, pg)
				if err == nil {
					fresh = append(fresh, p)
				}
			} else if err = fs.fillRun(ip, pg, pg+1, size, false); err == nil {
				p = ip.pages[pg]
			}
			if err != nil {
				return 0, err
			}
		}
		fs.pc.lruRemove(p)
		pages = append(pages, p)
	}
	// The blocks under the written bytes: holes get blocks, unwritten
	// extents become written (the pages hold their zeros).
	bs := int64(fs.bs)
	lb, lbEnd := uint64(off/bs), uint64((end+bs-1)/bs)
	oldExt := append([]layout.Extent(nil), ip.ext...)
	var taken []layout.Extent
	changed := false
	var aerr error
	for lb < lbEnd {
		phys, n, unwritten, ok := ip.mapBlock(lb)
		span := lbEnd - lb
		if n > 0 {
			span = min(span, n)
		}
		if ok && !unwritten {
			lb += span
			continue
		}
		if ok {
			ip.setRange(lb, span, phys, false)
			changed = true
			lb += span
			continue
		}
		start, got, err := fs.allocBlocks(fs.goalFor(ip, lb), int(min(span, chunkBlocks)))
		if err != nil {
			aerr = err
			break
		}
		ip.setRange(lb, uint64(got), start, false)
		taken = append(taken, layout.Extent{Start: start, Len: uint16(got)})
		changed = true
		lb += uint64(got)
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
	n := len(src)
	if aerr != nil {
		n = int(max(min(int64(lb)*bs-off, int64(len(src))), 0))
		if n == 0 {
			return 0, aerr
		}
		// A short write ends at a block boundary: a page allocated
		// without reading gets the file's bytes past that point.
		cut := off + int64(n)
		if p := ip.pages[cut/pageSize]; p != nil && cut%pageSize != 0 && slices.Contains(fresh, p) {
			if _, err := fs.readDisk(ip, p.data[cut%pageSize:], cut); err != nil {
				return 0, err
			}
		}
	}
	for _, p := range pages {
		ps := p.idx * pageSize
		lo, hi := max(off, ps), min(off+int64(n), ps+pageSize)
		if lo >= hi {
			continue
		}
		copy(p.data[lo-ps:hi-ps], src[lo-off:hi-off])
		fs.markDirty(p)
	}
	return n, aerr
}

// writebackAll writes back every inode's dirty pages.
func (fs *FS) writebackAll() error {
	if fs.pc.n == 0 || fs.pc.inWriteback {
		return nil
	}
	fs.pc.inWriteback = true
	defer func() { fs.pc.inWriteback = false }()
	for _, ip := range fs.inodes {
		if err := fs.writebackRange(ip, 0, maxPages); err != nil {
			return err
		}
	}
	return nil
}

// maxPages is past every page index.
const maxPages = 1 << 62

// writebackRange writes ip's dirty pages with indexes in [from, to) to
// the disk, and the mapped pages a store through a mapping changed.
func (fs *FS) writebackRange(ip *inode, from, to int64) error {
	if len(ip.pages) == 0 || ip.freed {
		return nil
	}
	var idxs []int64
	for idx, p := range ip.pages {
		if idx < from || idx >= to {
			continue
		}
		if p.dirty || p.mapped && ip.writable && maphash.Bytes(fs.pc.seed, p.data[:]) != p.sum {
			idxs = append(idxs, idx)
		}
	}
	if len(idxs) == 0 {
		return nil
	}
	if err := fs.writable(); err != nil {
		return err
	}
	if err := fs.loadExtents(ip); err != nil {
		return err
	}
	slices.Sort(idxs)
	size := ip.v.Attr().Size
	bs := int64(fs.bs)
	for i := 0; i < len(idxs); {
		j := i + 1
		for j < len(idxs) && idxs[j] == idxs[j-1]+1 && j-i < raMax {
			j++
		}
		start := idxs[i] * pageSize
		n := min(int64(j-i)*pageSize, size-start)
		if n > 0 {
			n = (n + bs - 1) / bs * bs
			buf := fs.stageBuf(int(n))
			for k := i; k < j; k++ {
				p := ip.pages[idxs[k]]
				copy(buf[(idxs[k]-idxs[i])*pageSize:], p.data[:])
			}
			if err := fs.writeRun(ip, buf, start); err != nil {
				return err
			}
		}
		for k := i; k < j; k++ {
			fs.markClean(ip.pages[idxs[k]])
		}
		i = j
	}
	return nil
}

// writeRun writes whole blocks of data at off (block-aligned) where the
// file has them; blocks in holes or unwritten extents are written (and
// allocated) only when a mapping stored something there.
func (fs *FS) writeRun(ip *inode, data []byte, off int64) error {
	bs := int64(fs.bs)
	lb := uint64(off / bs)
	nb := uint64(int64(len(data)) / bs)
	for i := uint64(0); i < nb; {
		phys, n, unwritten, ok := ip.mapBlock(lb + i)
		span := nb - i
		if n > 0 {
			span = min(span, n)
		}
		seg := data[i*uint64(bs) : (i+span)*uint64(bs)]
		switch {
		case ok && !unwritten:
			mm.CacheAccount(0, 0, int64(span*uint64(bs)/pageSize), 0)
			err := fs.writeBlocks(seg, phys)
			mm.CacheAccount(0, 0, -int64(span*uint64(bs)/pageSize), 0)
			if err != nil {
				return err
			}
		case !allZero(seg):
			if _, err := fs.writeDisk(ip, seg, off+int64(i)*bs, false); err != nil {
				return err
			}
		}
		i += span
	}
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// shrink is the filesystem's mm.Shrinker: clean pages first, then dirty
// pages written back and dropped, then the cached state of unreferenced
// inodes. A filesystem busy elsewhere gives nothing this time.
func (fs *FS) shrink(pages int) int {
	if !fs.mu.TryLock() {
		return 0
	}
	defer fs.mu.Unlock()
	freed := fs.evictClean(pages)
	if freed < pages && fs.pc.dirty > 0 && fs.writable() == nil {
		if fs.writebackAll() == nil {
			freed += fs.evictClean(pages - freed)
		}
	}
	fs.evictInodes(0)
	return freed
}

// dropCache writes everything back and releases every page (unmount).
func (fs *FS) dropCache() {
	for _, ip := range fs.inodes {
		fs.dropPages(ip, 0)
	}
	if fs.pc.unregister != nil {
		fs.pc.unregister()
		fs.pc.unregister = nil
	}
}

// CacheStats reports the pages the filesystem caches, dirty pages among
// them, and mapped (pinned) ones.
func (fs *FS) CacheStats() (cached, dirty, mapped int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.pc.n, fs.pc.dirty, fs.pc.pinned
}

// SyncRange implements vfs.RangeSyncer (sync_file_range with
// SYNC_FILE_RANGE_WRITE): the file's dirty pages in [off, off+n) (n 0:
// to the end) are written to the disk; no metadata is committed and the
// device's cache is not flushed, as on Linux.
func (r *regFile) SyncRange(off, n int64) error {
	fs := r.ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	to := int64(maxPages)
	if n > 0 && off+n > 0 {
		to = (off + n + pageSize - 1) / pageSize
	}
	return fs.writebackRange(r.ip, off/pageSize, to)
}

// zeroPages clears [from, to) in ip's cached pages (a punched hole).
func (fs *FS) zeroPages(ip *inode, from, to int64) {
	for pg, p := range ip.pages {
		ps := pg * pageSize
		lo, hi := max(ps, from), min(ps+pageSize, to)
		if lo < hi {
			clear(p.data[lo-ps : hi-ps])
			if p.mapped && !p.dirty {
				fs.markClean(p) // the disk has the zeros too
			}
		}
	}
}

// busy reports whether ip has pages the cache cannot drop (dirty or
// mapped).
func (c *pageCache) busy(ip *inode) bool {
	for _, p := range ip.pages {
		if p.dirty || p.mapped {
			return true
		}
	}
	return false
}
