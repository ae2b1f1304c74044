package ext4

import (
	"bytes"
	"sort"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// Mapped pages. With a PageSource (SetPageSource), file pages that
// processes map are kept in page frames the mappings share: MapPage
// fills a frame from the file on first use; read and write see and update
// the frames; fsync, sync, unmount and the commit timer write changed
// pages back to the file (a MAP_SHARED store reaches the disk). Frames
// stay with the inode until truncation, removal or unmount. This is a
// cache of mapped pages only, not a page cache for read and write.
//
// Lock order: a fault holds its address space's lock and calls MapPage,
// which takes FS.mu; so FS.mu is never held while mappings are
// invalidated (Truncate does that after letting go).

const pageSize = 4096

// PageSource supplies page frames for mapped file pages (mm.Frames).
type PageSource interface {
	// AllocPage returns a zeroed frame holding one reference.
	AllocPage() (frame uint64, data *[pageSize]byte, err error)
	// PutPage drops a reference.
	PutPage(frame uint64)
}

// PageInvalidator removes a file's pages from every mapping from a page
// index on (mm.Frames).
type PageInvalidator interface {
	InvalidateFrom(owner any, firstPage int64)
}

type mappedPage struct {
	frame uint64
	data  *[pageSize]byte
}

// SetPageSource lets files be mapped shared (and privately without a
// copy until written); call it before the filesystem is used.
func (fs *FS) SetPageSource(p PageSource) {
	fs.mu.Lock()
	fs.pages = p
	fs.mu.Unlock()
}

// CanMapShared implements vfs.SharedPagesOps.
func (ip *inode) CanMapShared() bool {
	ip.fs.mu.Lock()
	defer ip.fs.mu.Unlock()
	return ip.fs.pages != nil
}

// MapPage implements vfs.SharedPagesOps: the frame holding page pg of
// the file, read from the file on first use. Pages wholly past the end
// do not exist (EFAULT: the fault becomes SIGBUS).
func (ip *inode) MapPage(in *vfs.Inode, pg int64) (uint64, error) {
	fs := ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.pages == nil {
		return 0, abi.ENODEV
	}
	if pg < 0 || pg*pageSize >= in.Attr().Size {
		return 0, abi.EFAULT
	}
	if mp := ip.mapped[pg]; mp != nil {
		return mp.frame, nil
	}
	frame, data, err := fs.pages.AllocPage()
	if err != nil {
		return 0, abi.ENOMEM
	}
	n, err := fs.readFile(ip, data[:], pg*pageSize)
	if err != nil {
		fs.pages.PutPage(frame)
		return 0, err
	}
	clear(data[n:])
	if ip.mapped == nil {
		ip.mapped = map[int64]*mappedPage{}
	}
	ip.mapped[pg] = &mappedPage{frame, data}
	return frame, nil
}

// overlayMapped copies mapped pages' bytes over dst, which holds the
// file at off (a read sees stores made through mappings).
func (ip *inode) overlayMapped(dst []byte, off int64) {
	if len(ip.mapped) == 0 || len(dst) == 0 {
		return
	}
	end := off + int64(len(dst))
	for pg, mp := range ip.mapped {
		ps, pe := pg*pageSize, pg*pageSize+pageSize
		lo, hi := max(ps, off), min(pe, end)
		if lo < hi {
			copy(dst[lo-off:hi-off], mp.data[lo-ps:hi-ps])
		}
	}
}

// updateMapped copies written bytes into the mapped pages they cover.
func (ip *inode) updateMapped(src []byte, off int64) {
	if len(ip.mapped) == 0 || len(src) == 0 {
		return
	}
	end := off + int64(len(src))
	for pg, mp := range ip.mapped {
		ps, pe := pg*pageSize, pg*pageSize+pageSize
		lo, hi := max(ps, off), min(pe, end)
		if lo < hi {
			copy(mp.data[lo-ps:hi-ps], src[lo-off:hi-off])
		}
	}
}

// zeroMapped clears [from, to) in the mapped pages (punched holes).
func (ip *inode) zeroMapped(from, to int64) {
	for pg, mp := range ip.mapped {
		ps, pe := pg*pageSize, pg*pageSize+pageSize
		lo, hi := max(ps, from), min(pe, to)
		if lo < hi {
			clear(mp.data[lo-ps : hi-ps])
		}
	}
}

// dropMappedFrom releases the frames of pages from the one holding
// byte size on, and clears the tail of a partly kept page. It reports
// whether any page was dropped (mappings need invalidating).
func (fs *FS) dropMappedFrom(ip *inode, size int64) bool {
	dropped := false
	for pg, mp := range ip.mapped {
		ps := pg * pageSize
		switch {
		case ps >= size:
			fs.pages.PutPage(mp.frame)
			delete(ip.mapped, pg)
			dropped = true
		case ps+pageSize > size:
			clear(mp.data[size-ps:])
		}
	}
	return dropped
}

// writebackMapped writes the mapped pages of ip that differ from the
// file back into it.
func (fs *FS) writebackMapped(ip *inode) error {
	if len(ip.mapped) == 0 || ip.freed {
		return nil
	}
	pgs := make([]int64, 0, len(ip.mapped))
	for pg := range ip.mapped {
		pgs = append(pgs, pg)
	}
	sort.Slice(pgs, func(i, j int) bool { return pgs[i] < pgs[j] })
	size := ip.v.Attr().Size
	disk := make([]byte, pageSize)
	for _, pg := range pgs {
		off := pg * pageSize
		if off >= size {
			continue
		}
		n := min(int64(pageSize), size-off)
		data := ip.mapped[pg].data[:n]
		got, err := fs.readDisk(ip, disk[:n], off)
		if err != nil {
			return err
		}
		if got == int(n) && bytes.Equal(disk[:n], data) {
			continue
		}
		if _, err := fs.writeFile(ip, append([]byte(nil), data...), off); err != nil {
			return err
		}
	}
	return nil
}

// writebackAll writes back every inode's mapped pages.
func (fs *FS) writebackAll() error {
	for _, ip := range fs.inodes {
		if err := fs.writebackMapped(ip); err != nil {
			return err
		}
	}
	return nil
}

// releaseMapped gives every frame of ip back (the inode is freed).
func (fs *FS) releaseMapped(ip *inode) {
	for pg, mp := range ip.mapped {
		fs.pages.PutPage(mp.frame)
		delete(ip.mapped, pg)
	}
}
