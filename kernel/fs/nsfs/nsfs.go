// Package nsfs is the filesystem of namespace files: what opening
// /proc/<pid>/ns/<type> gives, one inode per namespace (its number is the
// one readlink shows, "uts:[4026531838]"), answering the NS_GET_* ioctls.
//
// Aramid has one namespace of every type except UTS, which processes can
// unshare; the initial namespaces carry Linux's fixed inode numbers for
// those Linux fixes (ipc, uts, user, pid, cgroup, time), others take
// numbers from the same dynamic range Linux uses.
//
// Locking: FS.mu guards the inode cache only.
package nsfs

import (
	"sync"
	"sync/atomic"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// Namespace types (CLONE_NEW*), as NS_GET_NSTYPE returns them.
const (
	CloneNewNS     = 0x00020000
	CloneNewCgroup = 0x02000000
	CloneNewUTS    = 0x04000000
	CloneNewIPC    = 0x08000000
	CloneNewUser   = 0x10000000
	CloneNewPID    = 0x20000000
	CloneNewNet    = 0x40000000
	CloneNewTime   = 0x00000080
)

// NS_* ioctls (linux/nsfs.h).
const (
	NSGetUserNS   = 0xb701
	NSGetParent   = 0xb702
	NSGetNSType   = 0xb703
	NSGetOwnerUID = 0xb704
)

// Magic is NSFS_MAGIC.
const Magic = 0x6e736673

// Namespace is one namespace's identity.
type Namespace struct {
	Type uint32 // CLONE_NEW*
	Name string // "uts", "ipc", ...
	Ino  uint64
	// Parent is the parent of a hierarchical namespace (pid, user); nil
	// for the initial ones.
	Parent *Namespace
	// Owner is the owning user namespace (nil for the initial user
	// namespace, which nothing outside owns).
	Owner *Namespace
	// OwnerUID is a user namespace's creator (NS_GET_OWNER_UID).
	OwnerUID uint32
}

// dynamicIno counts inode numbers handed out from PROC_DYNAMIC_FIRST.
var dynamicIno atomic.Uint64

// New returns a namespace of type typ with a fresh inode number, owned by
// the initial user namespace.
func New(typ uint32, name string) *Namespace {
	return &Namespace{Type: typ, Name: name, Ino: 0xF0000000 + dynamicIno.Add(1) - 1, Owner: InitUser}
}

// The initial namespaces.
var (
	InitUser   = &Namespace{Type: CloneNewUser, Name: "user", Ino: 0xEFFFFFFD}
	InitIPC    = &Namespace{Type: CloneNewIPC, Name: "ipc", Ino: 0xEFFFFFFF, Owner: InitUser}
	InitUTS    = &Namespace{Type: CloneNewUTS, Name: "uts", Ino: 0xEFFFFFFE, Owner: InitUser}
	InitPID    = &Namespace{Type: CloneNewPID, Name: "pid", Ino: 0xEFFFFFFC, Owner: InitUser}
	InitCgroup = &Namespace{Type: CloneNewCgroup, Name: "cgroup", Ino: 0xEFFFFFFB, Owner: InitUser}
	InitTime   = &Namespace{Type: CloneNewTime, Name: "time", Ino: 0xEFFFFFFA, Owner: InitUser}
	InitMnt    = New(CloneNewNS, "mnt")
	InitNet    = New(CloneNewNet, "net")
)

// Link is the text readlink shows for a namespace file.
func (n *Namespace) Link() string { return n.Name + ":[" + itoa(n.Ino) + "]" }

func itoa(v uint64) string {
	if v == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[i:])
}

// FS is the nsfs instance.
type FS struct {
	clock func() time.Time
	dev   uint64
	// Install gives the caller a new descriptor for f (NS_GET_USERNS and
	// NS_GET_PARENT return one).
	Install func(c *vfs.Caller, f *vfs.File) (int32, error)
	mount   *vfs.Mount

	mu     sync.Mutex
	inodes map[*Namespace]*vfs.Inode
}

// NewFS returns the nsfs; SetMount must be called before files are
// opened.
func NewFS(clock func() time.Time, dev uint64) *FS {
	return &FS{clock: clock, dev: dev, inodes: map[*Namespace]*vfs.Inode{}}
}

// SetMount records the detached mount namespace files are opened on.
func (fs *FS) SetMount(m *vfs.Mount) { fs.mount = m }

func (fs *FS) Type() string     { return "nsfs" }
func (fs *FS) Root() *vfs.Inode { return nil }
func (fs *FS) Dev() uint64      { return fs.dev }
func (fs *FS) Statfs() abi.Statfs {
	return abi.Statfs{Type: Magic, Bsize: 4096, Frsize: 4096, Namelen: 255}
}

// Inode returns the inode of namespace n.
func (fs *FS) Inode(n *Namespace) *vfs.Inode {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if in := fs.inodes[n]; in != nil {
		return in
	}
	now := abi.TimeToTimespec(fs.clock())
	in := vfs.NewInode(fs, n.Ino, vfs.Attr{Mode: abi.S_IFREG | 0o444, Nlink: 1, Atime: now, Mtime: now, Ctime: now}, &nsOps{fs: fs, ns: n})
	fs.inodes[n] = in
	return in
}

// Path is where a namespace file is: its inode on the detached mount.
func (fs *FS) Path(n *Namespace) vfs.Path { return vfs.Path{Mount: fs.mount, Inode: fs.Inode(n)} }

type nsOps struct {
	fs *FS
	ns *Namespace
}

func (o *nsOps) Open(c *vfs.Caller, in *vfs.Inode, flags uint32) (vfs.FileImpl, error) {
	return &File{fs: o.fs, ns: o.ns}, nil
}

// File is an open namespace file.
type File struct {
	vfs.FileDefaults
	fs *FS
	ns *Namespace
}

// LinkName is what /proc/<pid>/fd/N shows for the file.
func (f *File) LinkName() string { return f.ns.Link() }

// Namespace returns the namespace the file refers to.
func (f *File) Namespace() *Namespace { return f.ns }

// Ioctl implements ns_ioctl.
func (f *File) Ioctl(c *vfs.Caller, _ *vfs.File, cmd uint32, arg uintptr) (uintptr, error) {
	switch cmd {
	case NSGetUserNS:
		owner := f.ns.Owner
		if f.ns.Type == CloneNewUser {
			owner = f.ns.Parent
		}
		return f.openRelated(c, owner)
	case NSGetParent:
		switch f.ns.Type {
		case CloneNewPID, CloneNewUser:
			return f.openRelated(c, f.ns.Parent)
		}
		return 0, abi.EINVAL
	case NSGetNSType:
		return uintptr(f.ns.Type), nil
	case NSGetOwnerUID:
		if f.ns.Type != CloneNewUser {
			return 0, abi.EINVAL
		}
		if c.Mem == nil {
			return 0, abi.EFAULT
		}
		b := []byte{byte(f.ns.OwnerUID), byte(f.ns.OwnerUID >> 8), byte(f.ns.OwnerUID >> 16), byte(f.ns.OwnerUID >> 24)}
		return 0, c.Mem.CopyOut(arg, b)
	}
	return 0, abi.ENOTTY
}

// openRelated gives the caller a read-only, close-on-exec descriptor for
// n; a namespace outside the caller's reach (none: above the initial
// ones) is EPERM.
func (f *File) openRelated(c *vfs.Caller, n *Namespace) (uintptr, error) {
	if n == nil {
		return 0, abi.EPERM
	}
	if f.fs.Install == nil {
		return 0, abi.ENOTTY
	}
	p := f.fs.Path(n)
	nf := vfs.NewFile(&File{fs: f.fs, ns: n}, p.Inode, p, abi.O_RDONLY)
	fd, err := f.fs.Install(c, nf)
	if err != nil {
		nf.DecRef()
		return 0, err
	}
	return uintptr(fd), nil
}
