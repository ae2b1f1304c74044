package tmpfs

import (
	"math"
	"runtime"
	"sync"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// file is a regular file's data: pages present only where written.
type file struct {
	fs      *FS
	mu      sync.RWMutex
	pages   map[int64]*[PageSize]byte
	counted bool // pages count toward fs usage (false once unlinked)
	// frames holds the pages that live in page frames from fs.opts.Pages
	// (moved there when first mapped shared), by page index.
	frames *frameSet
}

// PageSource supplies the page frames shared file mappings map directly.
// mm.Frames implements it.
type PageSource interface {
	// AllocPage returns a zeroed frame holding one reference, and its bytes.
	AllocPage() (frame uint64, data *[PageSize]byte, err error)
	// PutPage drops a reference; the frame is freed with the last one.
	PutPage(frame uint64)
}

// PageInvalidator is a PageSource that can take a file's pages back from
// every mapping of them (mm.Frames implements it): after a truncation the
// pages past the new end must fault again, and find nothing (SIGBUS).
type PageInvalidator interface {
	InvalidateFrom(owner any, firstPage int64)
}

// frameSet is a file's frame-backed pages. It is separate from file so a
// cleanup can return the frames once the file is unreachable.
type frameSet struct {
	src    PageSource
	frames map[int64]uint64
}

func (fs *frameSet) release() {
	for _, f := range fs.frames {
		fs.src.PutPage(f)
	}
	clear(fs.frames)
}

// dropPage forgets page pg, returning its frame if it had one.
func (f *file) dropPage(pg int64) {
	delete(f.pages, pg)
	if f.frames != nil {
		if fr, ok := f.frames.frames[pg]; ok {
			delete(f.frames.frames, pg)
			f.frames.src.PutPage(fr)
		}
	}
}

// CanMapShared reports whether MapPage works for this file.
func (f *file) CanMapShared() bool { return f.fs.opts.Pages != nil }

// MapPage implements vfs.SharedPagesOps: it returns the frame holding page
// pg, moving the page into a frame (or creating it, zeroed) first. Pages
// wholly past the end of the file do not exist (the fault is SIGBUS).
func (f *file) MapPage(in *vfs.Inode, pg int64) (uint64, error) {
	src := f.fs.opts.Pages
	if src == nil {
		return 0, abi.ENODEV
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if pg < 0 || pg*PageSize >= in.Attr().Size {
		return 0, abi.EFAULT
	}
	if f.frames == nil {
		f.frames = &frameSet{src: src, frames: map[int64]uint64{}}
		runtime.AddCleanup(f, func(fs *frameSet) { fs.release() }, f.frames)
	}
	if fr, ok := f.frames.frames[pg]; ok {
		return fr, nil
	}
	fr, data, err := src.AllocPage()
	if err != nil {
		return 0, abi.ENOMEM
	}
	old := f.pages[pg]
	if old != nil {
		*data = *old
	}
	f.pages[pg] = data
	f.frames.frames[pg] = fr
	if old == nil {
		if f.counted {
			f.fs.pages.Add(1)
		}
		npages := int64(len(f.pages))
		in.Update(func(a *vfs.Attr) { a.Blocks = npages * (PageSize / 512) })
	}
	return fr, nil
}

// Open implements vfs.InodeOps.
func (f *file) Open(_ *vfs.Caller, in *vfs.Inode, _ uint32) (vfs.FileImpl, error) {
	return &regFile{f: f, in: in}, nil
}

// ReadAt copies file data at off into dst and returns the count (0 at or
// past the end).
func (f *file) readAt(in *vfs.Inode, dst []byte, off int64) int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	a := in.Attr()
	if off >= a.Size {
		return 0
	}
	if rem := a.Size - off; int64(len(dst)) > rem {
		dst = dst[:rem]
	}
	n := 0
	for n < len(dst) {
		pos := off + int64(n)
		pg, po := pos/PageSize, pos%PageSize
		chunk := min(len(dst)-n, PageSize-int(po))
		if p := f.pages[pg]; p != nil {
			copy(dst[n:n+chunk], p[po:])
		} else {
			clear(dst[n : n+chunk])
		}
		n += chunk
	}
	return n
}

// writeAt stores src at off (the end of file if off is -1).
func (f *file) writeAt(in *vfs.Inode, src []byte, off int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := in.Attr()
	if off < 0 {
		off = a.Size
	}
	if len(src) == 0 {
		return 0, nil
	}
	if off > math.MaxInt64-int64(len(src)) {
		return 0, abi.EFBIG
	}
	added := 0
	n := 0
	for n < len(src) {
		pos := off + int64(n)
		pg, po := pos/PageSize, pos%PageSize
		p := f.pages[pg]
		if p == nil {
			if f.full(added + 1) {
				break
			}
			p = new([PageSize]byte)
			f.pages[pg] = p
			added++
		}
		n += copy(p[po:], src[n:])
	}
	if f.counted {
		f.fs.pages.Add(int64(added))
	}
	if n == 0 {
		return 0, abi.ENOSPC
	}
	end := off + int64(n)
	now := f.fs.now()
	npages := int64(len(f.pages))
	in.Update(func(a *vfs.Attr) {
		if end > a.Size {
			a.Size = end
		}
		a.Blocks = npages * (PageSize / 512)
		a.Mtime, a.Ctime = now, now
	})
	return n, nil
}

// full reports whether adding more pages would pass the filesystem's
// limit (Options.Limit). f.mu held.
func (f *file) full(more int) bool {
	o := &f.fs.opts
	return f.counted && o.Limit && uint64(f.fs.pages.Load())+uint64(more) > o.TotalBlocks
}

// Truncate implements vfs.TruncateOps.
func (f *file) Truncate(in *vfs.Inode, size int64) error {
	if size < 0 {
		return abi.EINVAL
	}
	f.mu.Lock()
	a := in.Attr()
	// Pages wholly past the new end leave every shared mapping, once the
	// new size is in place and the lock is let go (faults take it under
	// the address space's lock).
	if inv, ok := f.fs.opts.Pages.(PageInvalidator); ok && size < a.Size && f.frames != nil {
		defer inv.InvalidateFrom(in, (size+PageSize-1)/PageSize)
	}
	defer f.mu.Unlock()
	if size < a.Size {
		removed := 0
		for pg, p := range f.pages {
			start := pg * PageSize
			switch {
			case start >= size:
				f.dropPage(pg)
				removed++
			case start+PageSize > size:
				clear(p[size-start:])
			}
		}
		if f.counted {
			f.fs.pages.Add(-int64(removed))
		}
	}
	now := f.fs.now()
	npages := int64(len(f.pages))
	in.Update(func(a *vfs.Attr) {
		a.Size = size
		a.Blocks = npages * (PageSize / 512)
		a.Mtime, a.Ctime = now, now
	})
	return nil
}

// regFile is an open regular file.
type regFile struct {
	vfs.FileDefaults
	f  *file
	in *vfs.Inode
}

// Read implements vfs.FileImpl.
func (r *regFile) Read(_ *vfs.Caller, _ *vfs.File, dst []byte, off int64) (int, error) {
	return r.f.readAt(r.in, dst, off), nil
}

// Write implements vfs.FileImpl.
func (r *regFile) Write(_ *vfs.Caller, _ *vfs.File, src []byte, off int64) (int, error) {
	return r.f.writeAt(r.in, src, off)
}

// Seek implements vfs.FileImpl, with SEEK_DATA and SEEK_HOLE aware of
// absent pages.
func (r *regFile) Seek(fl *vfs.File, cur, off int64, whence int) (int64, error) {
	if whence != abi.SEEK_DATA && whence != abi.SEEK_HOLE {
		return vfs.GenericSeek(fl, cur, off, whence)
	}
	r.f.mu.RLock()
	defer r.f.mu.RUnlock()
	size := r.in.Attr().Size
	if off < 0 || off >= size {
		return 0, abi.ENXIO
	}
	for pos := off; pos < size; pos = (pos/PageSize + 1) * PageSize {
		present := r.f.pages[pos/PageSize] != nil
		if whence == abi.SEEK_DATA && present {
			return pos, nil
		}
		if whence == abi.SEEK_HOLE && !present {
			return pos, nil
		}
	}
	if whence == abi.SEEK_HOLE {
		return size, nil
	}
	return 0, abi.ENXIO
}

// HasPage reports whether page pg of the file holds data in memory (its
// page cache, for mincore): written or allocated, not a hole.
func (f *file) HasPage(in *vfs.Inode, pg int64) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.pages[pg] != nil
}

// Pages returns how many pages of data the file holds (for tests and
// statistics).
func Pages(in *vfs.Inode) int {
	f, ok := in.Ops.(*file)
	if !ok {
		return 0
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	return len(f.pages)
}

// Allocate implements vfs.AllocateOps (fallocate modes 0 and
// FALLOC_FL_KEEP_SIZE): the pages of [off, off+length) exist afterwards.
func (f *file) Allocate(in *vfs.Inode, off, length int64, keepSize bool) error {
	if off < 0 || length <= 0 || off > math.MaxInt64-length {
		return abi.EFBIG
	}
	end := off + length
	f.mu.Lock()
	defer f.mu.Unlock()
	// The length is the caller's: refuse what cannot fit before
	// allocating (Linux's max_blocks check, and its memory accounting on
	// an unlimited instance).
	span := uint64((end-1)/PageSize - off/PageSize + 1)
	need := span - min(span, uint64(len(f.pages))) // at least this many are new
	o := &f.fs.opts
	switch {
	case o.Limit && span > o.TotalBlocks,
		!o.Limit && o.Free != nil && need > o.Free()/PageSize,
		!o.Limit && o.Free == nil && need > o.TotalBlocks: // no measure of memory: the reported size
		return abi.ENOSPC
	}
	added := 0
	var err error
	for pg := off / PageSize; pg*PageSize < end; pg++ {
		if f.pages[pg] == nil {
			if f.full(added + 1) {
				err = abi.ENOSPC
				break
			}
			f.pages[pg] = new([PageSize]byte)
			added++
		}
	}
	if f.counted {
		f.fs.pages.Add(int64(added))
	}
	if err != nil {
		return err
	}
	now := f.fs.now()
	npages := int64(len(f.pages))
	in.Update(func(a *vfs.Attr) {
		if !keepSize && end > a.Size {
			a.Size = end
			a.Mtime = now
		}
		a.Blocks = npages * (PageSize / 512)
		a.Ctime = now
	})
	return nil
}

// PunchHole implements vfs.AllocateOps (FALLOC_FL_PUNCH_HOLE): the range
// reads as zeros and whole pages in it are freed.
func (f *file) PunchHole(in *vfs.Inode, off, length int64) error {
	if off < 0 || length <= 0 || off > math.MaxInt64-length {
		return abi.EINVAL
	}
	end := off + length
	f.mu.Lock()
	defer f.mu.Unlock()
	removed := 0
	first, last := off/PageSize, (end-1)/PageSize
	var pgs []int64
	if last-first+1 > int64(len(f.pages)) {
		// A range wider than the file's pages: visit the pages, not the
		// range (a hole punched over a terabyte costs what is there).
		for pg := range f.pages {
			if pg >= first && pg <= last {
				pgs = append(pgs, pg)
			}
		}
	} else {
		for pg := first; pg <= last; pg++ {
			pgs = append(pgs, pg)
		}
	}
	for _, pg := range pgs {
		p := f.pages[pg]
		if p == nil {
			continue
		}
		start := pg * PageSize
		lo, hi := max(off, start)-start, min(end, start+PageSize)-start
		if lo == 0 && hi == PageSize {
			f.dropPage(pg)
			removed++
			continue
		}
		clear(p[lo:hi])
	}
	if f.counted {
		f.fs.pages.Add(-int64(removed))
	}
	now := f.fs.now()
	npages := int64(len(f.pages))
	in.Update(func(a *vfs.Attr) {
		a.Blocks = npages * (PageSize / 512)
		a.Mtime, a.Ctime = now, now
	})
	return nil
}
