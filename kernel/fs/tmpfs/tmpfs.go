// Package tmpfs is an in-memory filesystem: regular files kept in sparse
// 4 KiB pages, directories with stable getdents offsets, symlinks, device
// nodes, FIFOs and sockets (as inodes; opening them is the VFS's business),
// and hard links.
//
// Timestamps come from the clock in Options; the package never reads the
// time itself.
//
// Locking: namespace changes arrive with vfs.VFS.mu write-held, so they
// never race with each other or with lookups; dir.mu guards a directory
// against concurrent getdents, file.mu a regular file's pages. Both are
// taken before vfs.Inode's attribute lock.
//
// Size: with Options.Limit, TotalBlocks bounds the pages writes and
// fallocate add (ENOSPC); without it, fallocate is bounded by Options.Free,
// or by TotalBlocks when there is no Free.
// Not implemented: an inode limit (statfs reports TotalFiles), extended attributes,
// RENAME_WHITEOUT, huge pages, memory-pressure accounting.
package tmpfs

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// PageSize is the unit of file storage.
const PageSize = 4096

// Options configure a filesystem instance.
type Options struct {
	// Clock gives timestamps. Required.
	Clock func() time.Time
	// Dev is st_dev of the filesystem's inodes (an anonymous device,
	// abi.MakeDev(0, n)).
	Dev uint64
	// Mode, UID and GID of the root directory; Mode 0 means 01777.
	Mode     uint32
	UID, GID uint32
	// TotalBlocks and TotalFiles are reported by statfs; 0 means 65536.
	TotalBlocks uint64
	TotalFiles  uint64
	// Magic is the statfs type; 0 means abi.TMPFS_MAGIC.
	Magic int64
	// Name is the type shown in /proc/mounts; "" means "tmpfs".
	Name string
	// Limit makes TotalBlocks a limit (tmpfs's size= and nr_blocks=):
	// a write or fallocate that needs pages beyond it fails with ENOSPC
	// (a write after storing what fits). Without it the total is only
	// reported.
	Limit bool
	// Free, if set, reports free memory in bytes: on a filesystem without
	// Limit, fallocate of more than that fails with ENOSPC at once, as
	// Linux's memory accounting refuses it, instead of allocating until
	// the kernel runs out.
	Free func() uint64
	// Pages, if set, supplies page frames for file pages that are mapped
	// MAP_SHARED, so every mapping and read/write share one copy. Without
	// it files cannot be mapped shared and writable.
	Pages PageSource
}

// FS is one tmpfs instance.
type FS struct {
	opts    Options
	nextIno atomic.Uint64
	pages   atomic.Int64
	files   atomic.Int64
	root    *vfs.Inode
}

// New returns an empty filesystem.
func New(opts Options) *FS {
	if opts.Mode == 0 {
		opts.Mode = 0o1777
	}
	if opts.TotalBlocks == 0 {
		opts.TotalBlocks = 65536
	}
	if opts.TotalFiles == 0 {
		opts.TotalFiles = 65536
	}
	if opts.Magic == 0 {
		opts.Magic = abi.TMPFS_MAGIC
	}
	if opts.Name == "" {
		opts.Name = "tmpfs"
	}
	fs := &FS{opts: opts}
	fs.nextIno.Store(1)
	fs.root = fs.newInode(vfs.CreateArgs{Mode: abi.S_IFDIR | opts.Mode&0o7777, UID: opts.UID, GID: opts.GID})
	fs.root.SetParent(fs.root, "")
	return fs
}

// Type implements vfs.Filesystem.
func (fs *FS) Type() string { return fs.opts.Name }

// Root implements vfs.Filesystem.
func (fs *FS) Root() *vfs.Inode { return fs.root }

// Dev implements vfs.Filesystem.
func (fs *FS) Dev() uint64 { return fs.opts.Dev }

// Statfs implements vfs.Filesystem.
func (fs *FS) Statfs() abi.Statfs {
	used := uint64(fs.pages.Load())
	free := uint64(0)
	if used < fs.opts.TotalBlocks {
		free = fs.opts.TotalBlocks - used
	}
	files := uint64(fs.files.Load())
	ffree := uint64(0)
	if files < fs.opts.TotalFiles {
		ffree = fs.opts.TotalFiles - files
	}
	return abi.Statfs{
		Type: fs.opts.Magic, Bsize: PageSize, Blocks: fs.opts.TotalBlocks, Bfree: free, Bavail: free,
		Files: fs.opts.TotalFiles, Ffree: ffree, Namelen: abi.NAME_MAX, Frsize: PageSize,
		Fsid: [2]int32{int32(abi.DevMajor(fs.opts.Dev)), int32(abi.DevMinor(fs.opts.Dev))},
	}
}

func (fs *FS) now() abi.Timespec { return abi.TimeToTimespec(fs.opts.Clock()) }

// newInode makes an inode of any type with nlink 1 (2 for directories).
func (fs *FS) newInode(args vfs.CreateArgs) *vfs.Inode {
	now := fs.now()
	a := vfs.Attr{Mode: args.Mode, UID: args.UID, GID: args.GID, Nlink: 1, Rdev: args.Rdev,
		Atime: now, Mtime: now, Ctime: now, Btime: now}
	var ops vfs.InodeOps
	switch args.Mode & abi.S_IFMT {
	case abi.S_IFDIR:
		a.Nlink = 2
		ops = &dir{fs: fs, entries: make(map[string]*dirent), next: 2}
	case abi.S_IFREG:
		ops = &file{fs: fs, pages: make(map[int64]*[PageSize]byte), counted: true}
	case abi.S_IFLNK:
		ops = &symlink{target: args.Target}
		a.Size = int64(len(args.Target))
	default:
		ops = special{}
	}
	fs.files.Add(1)
	return vfs.NewInode(fs, fs.nextIno.Add(1)-1, a, ops)
}

// release is called when an inode's last link goes.
func (fs *FS) release(in *vfs.Inode) {
	fs.files.Add(-1)
	if f, ok := in.Ops.(*file); ok {
		// Open descriptions keep reading the data (unlinked but open
		// files work); pages are freed when the garbage collector
		// reclaims the inode, but stop counting them now.
		f.mu.Lock()
		fs.pages.Add(-int64(len(f.pages)))
		f.counted = false
		f.mu.Unlock()
	}
}

type dirent struct {
	name   string
	inode  *vfs.Inode
	cookie int64
}

// dir is a directory: a name map plus the entries in creation order, each
// with a cookie that is its getdents position.
type dir struct {
	fs      *FS
	mu      sync.Mutex
	entries map[string]*dirent
	order   []*dirent // sorted by cookie
	next    int64     // next cookie; 0 and 1 are "." and ".."
}

// Open implements vfs.InodeOps.
func (d *dir) Open(*vfs.Caller, *vfs.Inode, uint32) (vfs.FileImpl, error) { return dirFile{}, nil }

// Lookup implements vfs.DirOps.
func (d *dir) Lookup(_ *vfs.Inode, name string) (*vfs.Inode, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e := d.entries[name]; e != nil {
		return e.inode, nil
	}
	return nil, abi.ENOENT
}

func (d *dir) addLocked(name string, in *vfs.Inode) {
	e := &dirent{name: name, inode: in, cookie: d.next}
	d.next++
	d.entries[name] = e
	d.order = append(d.order, e)
}

func (d *dir) removeLocked(name string) {
	e := d.entries[name]
	if e == nil {
		return
	}
	delete(d.entries, name)
	i := sort.Search(len(d.order), func(i int) bool { return d.order[i].cookie >= e.cookie })
	if i < len(d.order) && d.order[i] == e {
		d.order = append(d.order[:i], d.order[i+1:]...)
	}
}

func (d *dir) touch(in *vfs.Inode, now abi.Timespec, nlinkDelta int) {
	in.Update(func(a *vfs.Attr) {
		a.Mtime, a.Ctime = now, now
		a.Nlink = uint32(int(a.Nlink) + nlinkDelta)
		a.Size = int64(len(d.entries)) * 20 // like Linux tmpfs: BOGO_DIRENT_SIZE per entry
	})
}

// Create implements vfs.DirOps.
func (d *dir) Create(parent *vfs.Inode, name string, args vfs.CreateArgs) (*vfs.Inode, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.entries[name] != nil {
		return nil, abi.EEXIST
	}
	in := d.fs.newInode(args)
	isDir := args.Mode&abi.S_IFMT == abi.S_IFDIR
	if isDir {
		in.SetParent(parent, name)
	}
	d.addLocked(name, in)
	delta := 0
	if isDir {
		delta = 1
	}
	d.touch(parent, d.fs.now(), delta)
	return in, nil
}

// Link implements vfs.DirOps.
func (d *dir) Link(parent *vfs.Inode, name string, target *vfs.Inode) error {
	if target.FS != vfs.Filesystem(d.fs) {
		return abi.EXDEV
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.entries[name] != nil {
		return abi.EEXIST
	}
	now := d.fs.now()
	target.Update(func(a *vfs.Attr) {
		a.Nlink++
		a.Ctime = now
	})
	d.addLocked(name, target)
	d.touch(parent, now, 0)
	return nil
}

// Remove implements vfs.DirOps.
func (d *dir) Remove(parent *vfs.Inode, name string, child *vfs.Inode) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.entries[name]
	if e == nil || e.inode != child {
		return abi.ENOENT
	}
	if cd, ok := child.Ops.(*dir); ok {
		cd.mu.Lock()
		n := len(cd.entries)
		cd.mu.Unlock()
		if n != 0 {
			return abi.ENOTEMPTY
		}
	}
	d.removeLocked(name)
	now := d.fs.now()
	delta := 0
	if _, ok := child.Ops.(*dir); ok {
		delta = -1
	}
	d.unlinkInode(child, now)
	d.touch(parent, now, delta)
	return nil
}

// unlinkInode drops one link of in (all of them for a directory).
func (d *dir) unlinkInode(in *vfs.Inode, now abi.Timespec) {
	var gone bool
	in.Update(func(a *vfs.Attr) {
		if a.IsDir() {
			a.Nlink = 0
		} else if a.Nlink > 0 {
			a.Nlink--
		}
		a.Ctime = now
		gone = a.Nlink == 0
	})
	if gone {
		d.fs.release(in)
	}
}

// Rename implements vfs.DirOps.
func (d *dir) Rename(oldParent *vfs.Inode, oldName string, newParent *vfs.Inode, newName string, flags uint32) error {
	nd, ok := newParent.Ops.(*dir)
	if !ok {
		return abi.ENOTDIR
	}
	now := d.fs.now()
	d.mu.Lock()
	src := d.entries[oldName]
	d.mu.Unlock()
	if src == nil {
		return abi.ENOENT
	}
	nd.mu.Lock()
	dst := nd.entries[newName]
	nd.mu.Unlock()
	srcIsDir := src.inode.IsDir()

	if flags&abi.RENAME_EXCHANGE != 0 {
		if dst == nil {
			return abi.ENOENT
		}
		dstIsDir := dst.inode.IsDir()
		lockPair(d, oldParent, nd, newParent)
		src.inode, dst.inode = dst.inode, src.inode // entries swap inodes
		unlockPair(d, nd)
		if srcIsDir {
			dst.inode.SetParent(newParent, newName)
		}
		if dstIsDir {
			src.inode.SetParent(oldParent, oldName)
		}
		if oldParent != newParent && srcIsDir != dstIsDir {
			if srcIsDir {
				d.touch(oldParent, now, -1)
				nd.touch(newParent, now, 1)
			} else {
				d.touch(oldParent, now, 1)
				nd.touch(newParent, now, -1)
			}
		} else {
			d.touch(oldParent, now, 0)
			nd.touch(newParent, now, 0)
		}
		for _, in := range []*vfs.Inode{src.inode, dst.inode} {
			in.Update(func(a *vfs.Attr) { a.Ctime = now })
		}
		return nil
	}

	moved := src.inode
	if dst != nil {
		if cd, ok := dst.inode.Ops.(*dir); ok {
			cd.mu.Lock()
			n := len(cd.entries)
			cd.mu.Unlock()
			if n != 0 {
				return abi.ENOTEMPTY
			}
		}
		victim := dst.inode
		nd.mu.Lock()
		nd.removeLocked(newName)
		nd.mu.Unlock()
		if victim.IsDir() {
			nd.touch(newParent, now, -1)
		}
		d.unlinkInode(victim, now)
	}
	d.mu.Lock()
	d.removeLocked(oldName)
	d.mu.Unlock()
	nd.mu.Lock()
	nd.addLocked(newName, moved)
	nd.mu.Unlock()
	delta := 0
	if srcIsDir {
		moved.SetParent(newParent, newName)
		delta = 1
	}
	if oldParent != newParent {
		d.touch(oldParent, now, -delta)
		nd.touch(newParent, now, delta)
	} else {
		d.touch(oldParent, now, 0)
	}
	moved.Update(func(a *vfs.Attr) { a.Ctime = now })
	return nil
}

// IterDir implements vfs.DirOps.
func (d *dir) IterDir(self *vfs.Inode, off int64, emit vfs.DirEmit) error {
	if off < 0 {
		return abi.EINVAL
	}
	if off == 0 {
		if !emit(".", self.Ino, abi.DT_DIR, 1) {
			return nil
		}
		off = 1
	}
	if off == 1 {
		parent, _ := self.Parent()
		if parent == nil {
			parent = self
		}
		if !emit("..", parent.Ino, abi.DT_DIR, 2) {
			return nil
		}
		off = 2
	}
	d.mu.Lock()
	i := sort.Search(len(d.order), func(i int) bool { return d.order[i].cookie >= off })
	snapshot := make([]dirent, 0, len(d.order)-i)
	for _, e := range d.order[i:] {
		snapshot = append(snapshot, *e)
	}
	d.mu.Unlock()
	for _, e := range snapshot {
		if !emit(e.name, e.inode.Ino, abi.ModeToDT(e.inode.Mode()), e.cookie+1) {
			return nil
		}
	}
	return nil
}

// dirFile is an open directory: read(2) is EISDIR, getdents works through
// the VFS, lseek sets the getdents position.
type dirFile struct{ vfs.DirFileDefaults }

// symlink is a symbolic link.
type symlink struct{ target string }

func (*symlink) Open(*vfs.Caller, *vfs.Inode, uint32) (vfs.FileImpl, error) { return nil, abi.ELOOP }

// Readlink implements vfs.SymlinkOps.
func (s *symlink) Readlink(*vfs.Inode) (string, error) { return s.target, nil }

// special is a device, FIFO or socket inode; the VFS opens those itself.
type special struct{}

func (special) Open(*vfs.Caller, *vfs.Inode, uint32) (vfs.FileImpl, error) { return nil, abi.ENXIO }

// lockPair locks two directories in inode-number order.
func lockPair(a *dir, ain *vfs.Inode, b *dir, bin *vfs.Inode) {
	switch {
	case a == b:
		a.mu.Lock()
	case ain.Ino < bin.Ino:
		a.mu.Lock()
		b.mu.Lock()
	default:
		b.mu.Lock()
		a.mu.Lock()
	}
}

func unlockPair(a, b *dir) {
	a.mu.Unlock()
	if a != b {
		b.mu.Unlock()
	}
}

// SupportsXattr implements vfs.XattrFS: tmpfs keeps trusted.* and
// security.* attributes.
func (fs *FS) SupportsXattr() bool { return true }
