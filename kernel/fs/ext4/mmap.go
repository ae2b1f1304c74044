package ext4

import (
	"aramid/kernel/abi"
	"aramid/kernel/mm"
	"aramid/kernel/vfs"
)

// Mapped pages. With a PageSource (SetPageSource), the page cache's pages
// (pagecache.go) are frames from it, and processes map those frames:
// MapPage returns the cached page, read on first use, and pins it. read,
// write and every mapping see one copy; write-back finds stores made
// through mappings. Pinned pages stay with the inode until truncation,
// removal or unmount.
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

// SetPageSource puts the page cache in frames from p and lets files be
// mapped shared (and privately without a copy until written); call it
// before the filesystem is used. The cache then answers the memory
// watchdog and the OOM path (mm.RegisterShrinker).
func (fs *FS) SetPageSource(p PageSource) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	// Pages taken before (Go memory) are written back and let go.
	fs.writebackAll()
	for _, ip := range fs.inodes {
		fs.dropPages(ip, 0)
	}
	fs.pages = p
	if fs.pc.unregister == nil {
		fs.pc.unregister = mm.RegisterShrinker(fs.shrink)
	}
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
	p := ip.pages[pg]
	if p == nil {
		if err := fs.loadExtents(ip); err != nil {
			return 0, err
		}
		if err := fs.fillRun(ip, pg, pg+1, in.Attr().Size, true); err != nil {
			return 0, err
		}
		if p = ip.pages[pg]; p == nil {
			return 0, abi.ENOMEM
		}
	}
	if !p.mapped {
		p.mapped = true
		fs.pc.lruRemove(p)
		fs.pc.pinned++
		mm.CacheAccount(0, 0, 0, 1)
		if !p.dirty {
			fs.markClean(p) // records the contents a store changes
		}
	}
	return p.frame, nil
}
