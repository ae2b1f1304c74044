package vfs

import (
	"sync"
	"sync/atomic"

	"aramid/kernel/abi"
)

// Attr is an inode's metadata.
type Attr struct {
	Mode   uint32 // file type (S_IFMT bits) and permissions
	UID    uint32
	GID    uint32
	Nlink  uint32
	Size   int64
	Blocks int64  // 512-byte units
	Rdev   uint64 // device number for S_IFCHR and S_IFBLK (abi.MakeDev)
	Atime  abi.Timespec
	Mtime  abi.Timespec
	Ctime  abi.Timespec
	Btime  abi.Timespec
}

// Type returns the S_IFMT bits.
func (a *Attr) Type() uint32 { return a.Mode & abi.S_IFMT }

// IsDir reports whether the inode is a directory.
func (a *Attr) IsDir() bool { return a.Type() == abi.S_IFDIR }

// Filesystem is one mounted filesystem instance (a superblock).
type Filesystem interface {
	// Type is the name in /proc/mounts, e.g. "tmpfs".
	Type() string
	// Root returns the root directory.
	Root() *Inode
	// Dev is st_dev for every inode of the filesystem.
	Dev() uint64
	// Statfs reports usage; Type carries the magic number.
	Statfs() abi.Statfs
}

// InodeOps is what a filesystem implements for each inode. Directories
// also implement DirOps, symlinks SymlinkOps, regular files that can
// change size TruncateOps.
type InodeOps interface {
	// Open returns the behaviour of a new open file on in. It is called
	// for regular files and directories; device, FIFO and socket inodes
	// are opened by the VFS (device registry, FIFOOpener).
	Open(c *Caller, in *Inode, flags uint32) (FileImpl, error)
}

// CreateArgs describe a new inode.
type CreateArgs struct {
	Mode   uint32 // type and permissions, umask already applied
	UID    uint32
	GID    uint32
	Rdev   uint64 // devices
	Target string // symlinks
	// Caller is who creates the inode (filesystems that charge or limit
	// creation, like mqueue, need it); nil inside the kernel.
	Caller *Caller
}

// DirEmit receives one directory entry from DirOps.IterDir: its name,
// inode number, d_type and the offset of the entry after it. It returns
// false to stop.
type DirEmit func(name string, ino uint64, typ uint8, next int64) bool

// DirOps is implemented by directory inodes. The VFS holds VFS.mu for
// writing around every modifying call and has already checked permissions,
// names ("." and ".." never reach these methods) and types.
type DirOps interface {
	// Lookup returns the child called name, or abi.ENOENT.
	Lookup(dir *Inode, name string) (*Inode, error)
	// Create makes a child of any type (regular, directory, symlink,
	// device, FIFO, socket); abi.EEXIST if the name is taken.
	Create(dir *Inode, name string, args CreateArgs) (*Inode, error)
	// Link adds a name for an existing non-directory inode.
	Link(dir *Inode, name string, target *Inode) error
	// Remove deletes the entry name, which refers to child; for a
	// directory child it returns abi.ENOTEMPTY unless child is empty.
	Remove(dir *Inode, name string, child *Inode) error
	// Rename moves oldName in dir to newName in newDir, replacing any
	// existing target (the VFS has checked the types). flags may carry
	// abi.RENAME_EXCHANGE, in which case both exist and swap.
	Rename(dir *Inode, oldName string, newDir *Inode, newName string, flags uint32) error
	// IterDir emits the entries at or after position off, including "."
	// and ".." at positions 0 and 1. Positions are stable across
	// insertions and removals of other entries.
	IterDir(dir *Inode, off int64, emit DirEmit) error
}

// SymlinkOps is implemented by symlink inodes.
type SymlinkOps interface {
	Readlink(in *Inode) (string, error)
}

// TruncateOps is implemented by inodes whose size can be set.
type TruncateOps interface {
	Truncate(in *Inode, size int64) error
}

// Inode is a file in a filesystem. Ops and the identity fields are set at
// creation and never change; the attributes are guarded by mu.
type Inode struct {
	FS  Filesystem
	Ino uint64
	Ops InodeOps

	mu     sync.Mutex
	attr   Attr
	parent *Inode // directories: the containing directory
	name   string // directories: the name in parent

	watches Watches           // inotify marks (notify.go), guarded by mu
	flocks  *flocks           // flock(2) locks (flock.go), created under mu
	records *recordLocks      // fcntl record locks (posixlock.go), created under mu
	xattrs  map[string][]byte // extended attributes (xattr.go), guarded by mu
	// noPrivs caches that a write need not drop set-id bits or file
	// capabilities (filecaps.go); chmod and setxattr clear it.
	noPrivs atomic.Bool
	// linkable marks an O_TMPFILE file that linkat may still name.
	linkable bool

	// files counts the open file descriptions of the inode; an unlinked
	// inode still open sends IN_DELETE_SELF when the last one closes
	// (deleteSelf marks that pending), as Linux does on eviction.
	files atomic.Int32
	// writeCount is Linux's i_writecount: > 0 descriptions open for
	// writing, < 0 denials held by running programs (writeaccess.go).
	writeCount atomic.Int64
	deleteSelf atomic.Bool
}

func (in *Inode) tmpfileLinkable() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.linkable
}

func (in *Inode) setTmpfileLinkable(v bool) {
	in.mu.Lock()
	in.linkable = v
	in.mu.Unlock()
}

// NewInode returns an inode of fs with the given number, attributes and
// operations.
func NewInode(fs Filesystem, ino uint64, attr Attr, ops InodeOps) *Inode {
	return &Inode{FS: fs, Ino: ino, Ops: ops, attr: attr}
}

// Attr returns a copy of the attributes.
func (in *Inode) Attr() Attr {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.attr
}

// Mode returns the mode (type and permissions).
func (in *Inode) Mode() uint32 {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.attr.Mode
}

// IsDir reports whether in is a directory.
func (in *Inode) IsDir() bool { return in.Mode()&abi.S_IFMT == abi.S_IFDIR }

// Update calls f with the attributes locked.
func (in *Inode) Update(f func(a *Attr)) {
	in.mu.Lock()
	f(&in.attr)
	in.mu.Unlock()
}

// SetParent records the containing directory and name of a directory
// inode; filesystems call it on creation and rename. The root of a
// filesystem is its own parent.
func (in *Inode) SetParent(parent *Inode, name string) {
	in.mu.Lock()
	in.parent, in.name = parent, name
	in.mu.Unlock()
}

// Parent returns the containing directory and name set by SetParent.
func (in *Inode) Parent() (*Inode, string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.parent, in.name
}

// Stat returns the inode's struct stat.
func (in *Inode) Stat() abi.Stat {
	a := in.Attr()
	return abi.Stat{
		Dev: in.FS.Dev(), Ino: in.Ino, Nlink: uint64(a.Nlink), Mode: a.Mode, UID: a.UID, GID: a.GID,
		Rdev: a.Rdev, Size: a.Size, Blksize: 4096, Blocks: a.Blocks,
		Atime: a.Atime, Mtime: a.Mtime, Ctime: a.Ctime,
	}
}

// Statx returns the inode's struct statx with every basic field and the
// birth time filled in.
func (in *Inode) Statx() abi.Statx {
	a := in.Attr()
	dev := in.FS.Dev()
	ts := func(t abi.Timespec) abi.StatxTimestamp { return abi.StatxTimestamp{Sec: t.Sec, Nsec: uint32(t.Nsec)} }
	return abi.Statx{
		Mask:    abi.STATX_BASIC_STATS | abi.STATX_BTIME,
		Blksize: 4096, Nlink: a.Nlink, UID: a.UID, GID: a.GID, Mode: uint16(a.Mode), Ino: in.Ino,
		Size: uint64(a.Size), Blocks: uint64(a.Blocks),
		Atime: ts(a.Atime), Btime: ts(a.Btime), Ctime: ts(a.Ctime), Mtime: ts(a.Mtime),
		RdevMajor: abi.DevMajor(a.Rdev), RdevMinor: abi.DevMinor(a.Rdev),
		DevMajor: abi.DevMajor(dev), DevMinor: abi.DevMinor(dev),
	}
}
