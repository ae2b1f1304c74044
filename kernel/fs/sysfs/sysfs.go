// Package sysfs is a small, read-only /sys (statfs magic SYSFS_MAGIC)
// describing the machine Aramid presents: its CPUs, one 16550 serial port
// (ttyS0, the console), the loopback interface, and the mount points
// systemd mounts over (fs/cgroup, fs/bpf, fs/pstore, kernel/security,
// kernel/debug, kernel/tracing, kernel/config).
//
// What is there (Layout lists every entry):
//
//	devices/system/cpu/{online,possible,present}   "0-N" (Options.CPUs; cpus.go)
//	devices/system/cpu/cpuN/                       each CPU's directory
//	devices/platform/serial8250/tty/ttyS0/{dev,uevent}   4:64
//	devices/virtual/tty/{console,tty}/{dev,uevent}       5:1, 5:0
//	devices/virtual/tty/console/active             "ttyS0": the console
//	devices/virtual/net/lo/{address,ifindex,mtu,type,...}
//	class/tty/{ttyS0,console,tty}, class/net/lo    links into devices/
//	dev/char/{4:64,5:0,5:1}                        links into devices/
//	bus/pci, devices/pci0000:00/...                the PCI functions found
//	                                               at boot (pci.go)
//	dev/block/, block/, firmware/, module/         empty here; the kernel's
//	                                               block layer adds its disks
//	                                               (Add, AddGen, Remove)
//	kernel/mm/transparent_hugepage/{enabled,defrag}  "never" selected:
//	                                                 no huge pages
//	kernel/uevent_seqnum                           the last uevent's SEQNUM
//	                                               (Options.UeventSeqnum)
//	kernel/cgroup/{features,delegate}              what cgroupfs accepts
//	fs/cgroup, fs/bpf, fs/pstore, kernel/security,
//	kernel/debug, kernel/tracing, kernel/config    empty mount points
//
// Every file is read-only (opening one for writing is EACCES, as for a
// sysfs attribute without a store method), except the devices' uevent
// attributes when Options.Uevent is set (uevent.go: writing an action
// announces the device); directories refuse mkdir
// (EPERM), file creation (EACCES) and removal (EPERM). Add extends the
// tree (for devices found at boot) before it is mounted.
//
// Not implemented: attribute writes other than uevent, bus and driver
// directories, power management, anything not listed.
package sysfs

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// Kind of an entry.
const (
	Dir = iota
	File
	Symlink
)

// Entry is one path of the tree, relative to /sys.
type Entry struct {
	Path string
	Kind int
	Data string // file contents, or symlink target
	// Gen, if set, makes a File's contents at each open (an attribute
	// whose value changes, such as a network interface's flags).
	Gen func() string
}

func dir(p string) Entry             { return Entry{Path: p, Kind: Dir} }
func file(p, data string) Entry      { return Entry{Path: p, Kind: File, Data: data} }
func symlink(p, target string) Entry { return Entry{Path: p, Kind: Symlink, Data: target} }

// Layout is the standard tree.
var Layout = []Entry{
	dir("block"), dir("bus"), dir("firmware"), dir("module"), dir("power"), dir("dev/block"),
	dir("fs/cgroup"), dir("fs/bpf"), dir("fs/pstore"),
	dir("kernel/security"), dir("kernel/debug"), dir("kernel/tracing"), dir("kernel/config"),
	file("kernel/uevent_seqnum", "0\n"),
	file("kernel/mm/transparent_hugepage/enabled", "always madvise [never]\n"),
	file("kernel/mm/transparent_hugepage/defrag", "always defer defer+madvise madvise [never]\n"),
	file("kernel/cgroup/features", "nsdelegate\nmemory_recursiveprot\n"),
	file("kernel/cgroup/delegate", "cgroup.procs\ncgroup.threads\ncgroup.subtree_control\nmemory.oom.group\n"),

	file("devices/system/cpu/kernel_max", "0\n"),

	file("devices/platform/serial8250/tty/ttyS0/dev", "4:64\n"),
	file("devices/platform/serial8250/tty/ttyS0/uevent", "MAJOR=4\nMINOR=64\nDEVNAME=ttyS0\n"),
	symlink("devices/platform/serial8250/tty/ttyS0/subsystem", "../../../../../class/tty"),
	file("devices/virtual/tty/console/dev", "5:1\n"),
	file("devices/virtual/tty/console/uevent", "MAJOR=5\nMINOR=1\nDEVNAME=console\n"),
	symlink("devices/virtual/tty/console/subsystem", "../../../../class/tty"),
	file("devices/virtual/tty/console/active", "ttyS0\n"),
	file("devices/virtual/tty/tty/dev", "5:0\n"),
	file("devices/virtual/tty/tty/uevent", "MAJOR=5\nMINOR=0\nDEVNAME=tty\n"),
	symlink("devices/virtual/tty/tty/subsystem", "../../../../class/tty"),
	symlink("class/tty/ttyS0", "../../devices/platform/serial8250/tty/ttyS0"),
	symlink("class/tty/console", "../../devices/virtual/tty/console"),
	symlink("class/tty/tty", "../../devices/virtual/tty/tty"),
	symlink("dev/char/4:64", "../../devices/platform/serial8250/tty/ttyS0"),
	symlink("dev/char/5:1", "../../devices/virtual/tty/console"),
	symlink("dev/char/5:0", "../../devices/virtual/tty/tty"),

	file("devices/virtual/net/lo/address", "00:00:00:00:00:00\n"),
	file("devices/virtual/net/lo/addr_len", "6\n"),
	file("devices/virtual/net/lo/ifindex", "1\n"),
	file("devices/virtual/net/lo/iflink", "1\n"),
	file("devices/virtual/net/lo/type", "772\n"),
	file("devices/virtual/net/lo/uevent", "INTERFACE=lo\nIFINDEX=1\n"),
	symlink("devices/virtual/net/lo/subsystem", "../../../../class/net"),
	symlink("class/net/lo", "../../devices/virtual/net/lo"),
}

// Options configure the filesystem.
type Options struct {
	// Clock gives timestamps. Required.
	Clock func() time.Time
	// Dev is st_dev.
	Dev uint64
	// Uevent, if set, announces a device (kobject_uevent_env): it adds
	// ACTION, DEVPATH and SEQNUM around env. Without it the uevent
	// attributes are read-only.
	Uevent func(action, devpath string, env []string) error
	// UeventSeqnum, if set, gives kernel/uevent_seqnum (else 0).
	UeventSeqnum func() uint64
	// CPUs is how many CPUs run threads (0 counts as 1).
	CPUs int
}

// FS is one sysfs instance.
type FS struct {
	o       Options
	nextIno atomic.Uint64
	root    *vfs.Inode

	mu   sync.Mutex // guards dirs while Add runs
	dirs map[*vfs.Inode]*dirNode
}

// New returns a sysfs holding Layout.
func New(o Options) *FS {
	fs := &FS{o: o, dirs: map[*vfs.Inode]*dirNode{}}
	fs.root = fs.newDir()
	fs.root.SetParent(fs.root, "")
	for _, e := range append(Layout, cpuEntries(o.CPUs)...) {
		if err := fs.Add(e); err != nil {
			panic("sysfs: " + e.Path + ": " + err.Error())
		}
	}
	fs.addRegistered()
	if o.UeventSeqnum != nil {
		if in := fs.lookupLocked("kernel/uevent_seqnum"); in != nil {
			in.Ops.(*fileNode).gen = func() string { return strconv.FormatUint(o.UeventSeqnum(), 10) + "\n" }
		}
	}
	return fs
}

// Type implements vfs.Filesystem.
func (fs *FS) Type() string { return "sysfs" }

// Root implements vfs.Filesystem.
func (fs *FS) Root() *vfs.Inode { return fs.root }

// Dev implements vfs.Filesystem.
func (fs *FS) Dev() uint64 { return fs.o.Dev }

// Statfs implements vfs.Filesystem.
func (fs *FS) Statfs() abi.Statfs {
	return abi.Statfs{Type: abi.SYSFS_MAGIC, Bsize: 4096, Frsize: 4096, Namelen: abi.NAME_MAX}
}

func (fs *FS) attr(mode uint32) vfs.Attr {
	now := abi.TimeToTimespec(fs.o.Clock())
	return vfs.Attr{Mode: mode, Nlink: 1, Atime: now, Mtime: now, Ctime: now, Btime: now}
}

func (fs *FS) newDir() *vfs.Inode {
	a := fs.attr(abi.S_IFDIR | 0o755)
	a.Nlink = 2
	d := &dirNode{fs: fs, children: map[string]*vfs.Inode{}}
	in := vfs.NewInode(fs, fs.nextIno.Add(1), a, d)
	fs.dirs[in] = d
	return in
}

// Add puts e in the tree, making missing parent directories. A path that
// exists already is EEXIST (directories excepted), a parent that is not a
// directory ENOTDIR.
func (fs *FS) Add(e Entry) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	parts := strings.Split(strings.Trim(e.Path, "/"), "/")
	cur := fs.root
	for i, name := range parts {
		if name == "" || name == "." || name == ".." {
			return abi.EINVAL
		}
		d := fs.dirs[cur]
		if d == nil {
			return abi.ENOTDIR
		}
		next := d.children[name]
		last := i == len(parts)-1
		switch {
		case next != nil && last && e.Kind == Dir && fs.dirs[next] != nil:
			return nil
		case next != nil && last:
			return abi.EEXIST
		case next != nil:
			cur = next
			continue
		}
		var in *vfs.Inode
		switch {
		case !last || e.Kind == Dir:
			in = fs.newDir()
			cur.Update(func(a *vfs.Attr) { a.Nlink++ })
		case e.Kind == File:
			n := &fileNode{fs: fs, data: e.Data, gen: e.Gen}
			mode := uint32(0o444)
			if fs.o.Uevent != nil {
				if n.ueventDir = ueventDir(e.Path); n.ueventDir != "" {
					mode = 0o644
				}
			}
			a := fs.attr(abi.S_IFREG | mode)
			a.Size = 4096 // as sysfs reports for attributes
			in = vfs.NewInode(fs, fs.nextIno.Add(1), a, n)
		case e.Kind == Symlink:
			a := fs.attr(abi.S_IFLNK | 0o777)
			a.Size = int64(len(e.Data))
			in = vfs.NewInode(fs, fs.nextIno.Add(1), a, &linkNode{target: e.Data})
		default:
			return abi.EINVAL
		}
		if fs.dirs[in] != nil {
			in.SetParent(cur, name)
		}
		d.children[name] = in
		cur = in
	}
	return nil
}

// dirNode is a directory.
type dirNode struct {
	fs       *FS
	children map[string]*vfs.Inode
}

// Open implements vfs.InodeOps.
func (d *dirNode) Open(*vfs.Caller, *vfs.Inode, uint32) (vfs.FileImpl, error) { return dirFile{}, nil }

type dirFile struct{ vfs.DirFileDefaults }

// Lookup implements vfs.DirOps.
func (d *dirNode) Lookup(_ *vfs.Inode, name string) (*vfs.Inode, error) {
	d.fs.mu.Lock()
	defer d.fs.mu.Unlock()
	if in := d.children[name]; in != nil {
		return in, nil
	}
	return nil, abi.ENOENT
}

// Create implements vfs.DirOps: sysfs has no user-made entries.
func (d *dirNode) Create(_ *vfs.Inode, _ string, args vfs.CreateArgs) (*vfs.Inode, error) {
	if args.Mode&abi.S_IFMT == abi.S_IFREG {
		return nil, abi.EACCES
	}
	return nil, abi.EPERM
}

// Link implements vfs.DirOps.
func (d *dirNode) Link(*vfs.Inode, string, *vfs.Inode) error { return abi.EPERM }

// Remove implements vfs.DirOps.
func (d *dirNode) Remove(*vfs.Inode, string, *vfs.Inode) error { return abi.EPERM }

// Rename implements vfs.DirOps.
func (d *dirNode) Rename(*vfs.Inode, string, *vfs.Inode, string, uint32) error { return abi.EPERM }

// IterDir implements vfs.DirOps: entries sorted by name.
func (d *dirNode) IterDir(self *vfs.Inode, off int64, emit vfs.DirEmit) error {
	d.fs.mu.Lock()
	names := make([]string, 0, len(d.children))
	for n := range d.children {
		names = append(names, n)
	}
	sort.Strings(names)
	parent, _ := self.Parent()
	type ent struct {
		name string
		in   *vfs.Inode
	}
	ents := []ent{{".", self}, {"..", parent}}
	for _, n := range names {
		ents = append(ents, ent{n, d.children[n]})
	}
	d.fs.mu.Unlock()
	for i := off; i < int64(len(ents)); i++ {
		e := ents[i]
		typ := uint8(abi.DT_REG)
		switch e.in.Mode() & abi.S_IFMT {
		case abi.S_IFDIR:
			typ = abi.DT_DIR
		case abi.S_IFLNK:
			typ = abi.DT_LNK
		}
		if !emit(e.name, e.in.Ino, typ, i+1) {
			break
		}
	}
	return nil
}

// fileNode is an attribute: read-only, or a device's uevent.
type fileNode struct {
	fs   *FS
	data string
	gen  func() string // AddGen or Entry.Gen: contents made at each open
	// ueventDir is the device directory of a writable uevent attribute.
	ueventDir string
}

// Open implements vfs.InodeOps.
func (n *fileNode) Open(_ *vfs.Caller, _ *vfs.Inode, flags uint32) (vfs.FileImpl, error) {
	data := n.data
	if n.gen != nil {
		data = n.gen()
	}
	if flags&abi.O_ACCMODE != abi.O_RDONLY {
		if n.ueventDir == "" {
			return nil, abi.EACCES
		}
		return &ueventFile{attrFile: attrFile{data: data}, fs: n.fs, dir: n.ueventDir, n: n}, nil
	}
	return &attrFile{data: data}, nil
}

type attrFile struct {
	vfs.FileDefaults
	data string
}

func (f *attrFile) Read(_ *vfs.Caller, _ *vfs.File, dst []byte, off int64) (int, error) {
	if off >= int64(len(f.data)) {
		return 0, nil
	}
	return copy(dst, f.data[off:]), nil
}

// linkNode is a symlink.
type linkNode struct{ target string }

// Open implements vfs.InodeOps.
func (*linkNode) Open(*vfs.Caller, *vfs.Inode, uint32) (vfs.FileImpl, error) { return nil, abi.ELOOP }

// Readlink implements vfs.SymlinkOps.
func (l *linkNode) Readlink(*vfs.Inode) (string, error) { return l.target, nil }
