// Package cgroupfs is the cgroup v2 filesystem (cgroup2, statfs magic
// CGROUP2_SUPER_MAGIC): one hierarchy of groups made by mkdir and removed
// by rmdir, the membership of every process in exactly one group, and the
// interface files systemd reads and writes.
//
// # Membership
//
// FS implements Membership for the rest of the kernel: Fork puts a new
// process in its parent's group, Exit takes it out (call it when the
// process exits, as Linux's cgroup_exit does, not when it is reaped), and
// CgroupOf gives the path /proc/<pid>/cgroup shows ("0::" + path). A
// process the hierarchy has never heard of is in the root group.
//
// # Controllers
//
// The controllers are cpuset, cpu, io, memory and pids. cgroup.controllers
// of the root lists them all, of any other group its parent's
// cgroup.subtree_control; a controller's interface files appear in a group
// when its parent enables the controller. Writes to subtree_control follow
// Linux 6.18 (measured): tokens are "+name" or "-name", later ones win; an
// unknown name is EINVAL, enabling one not in cgroup.controllers is ENOENT,
// enabling any in a non-root group that has processes is EBUSY ("no
// internal processes"; and moving a process into a non-root group with
// controllers enabled is EBUSY), disabling one a child still enables is
// EBUSY. Limits and weights are validated, recorded and read back (memory
// values rounded down to the 4 KiB page as Linux does) but NOT enforced:
// nothing throttles CPU or I/O or limits memory or process counts.
// pids.current counts threads; memory.current, memory.swap.current and
// the cpu.stat/io.stat/memory.stat counters are reported as zero because
// nothing is accounted.
//
// # Events
//
// cgroup.events ("populated 0|1", "frozen 0|1") changes when the group or
// a descendant gains its first or loses its last process, or cgroup.freeze
// is written. Then, as kernfs_notify does, watches of the file get
// IN_MODIFY (and its directory's watches IN_MODIFY "cgroup.events"), and
// the file's vfs.Queue is notified with POLLPRI|POLLERR, which readiness
// reports until the file is read again. cgroup.freeze is recorded and
// reported; processes are not actually stopped.
//
// Not implemented: threaded subtrees (cgroup.type accepts only "domain";
// "threaded" is EOPNOTSUPP; writes to cgroup.threads are EOPNOTSUPP),
// cgroup.kill, pressure (PSI) files, rename of groups (EPERM), delegation
// by ownership (nsdelegate is accepted as a mount option and ignored),
// the v1 hierarchies.
//
// Locking: FS.mu guards the tree, the membership and every recorded value;
// it is taken below vfs.VFS.mu and above vfs.Inode's lock. Event
// notifications are sent after FS.mu is released.
package cgroupfs

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

// Membership is what the rest of the kernel calls.
type Membership interface {
	// CgroupOf returns the path of pid's group, "/" for the root.
	CgroupOf(pid int32) string
	// Fork puts childPID in parentPID's group.
	Fork(parentPID, childPID int32)
	// Exit removes pid from its group.
	Exit(pid int32)
}

// Controllers in Linux's order.
var controllers = []string{"cpuset", "cpu", "io", "memory", "pids"}

const allControllers = 1<<5 - 1

func ctrlBit(name string) uint32 {
	for i, c := range controllers {
		if c == name {
			return 1 << i
		}
	}
	return 0
}

func ctrlList(mask uint32) string {
	var s []string
	for i, c := range controllers {
		if mask&(1<<i) != 0 {
			s = append(s, c)
		}
	}
	return strings.Join(s, " ")
}

// Options connect the filesystem to the kernel.
type Options struct {
	// Clock gives timestamps. Required.
	Clock func() time.Time
	// Dev is st_dev.
	Dev uint64
	// Alive reports whether pid is a live process (writes to
	// cgroup.procs name one); nil accepts any positive pid.
	Alive func(pid int32) bool
	// Threads lists the thread ids of process pid (cgroup.threads,
	// pids.current); nil means pid alone.
	Threads func(pid int32) []int32
}

// FS is the cgroup2 hierarchy. There is one per kernel; every mount of
// cgroup2 shows it.
type FS struct {
	o       Options
	nextIno atomic.Uint64

	mu     sync.Mutex
	root   *group
	member map[int32]*group
}

var _ Membership = (*FS)(nil)

// New returns a hierarchy with only the root group.
func New(o Options) *FS {
	fs := &FS{o: o, member: map[int32]*group{}}
	fs.nextIno.Store(1)
	fs.root = fs.newGroup(nil, "")
	fs.root.dir.SetParent(fs.root.dir, "")
	return fs
}

// Type implements vfs.Filesystem.
func (fs *FS) Type() string { return "cgroup2" }

// Root implements vfs.Filesystem.
func (fs *FS) Root() *vfs.Inode { return fs.root.dir }

// Dev implements vfs.Filesystem.
func (fs *FS) Dev() uint64 { return fs.o.Dev }

// Statfs implements vfs.Filesystem.
func (fs *FS) Statfs() abi.Statfs {
	return abi.Statfs{Type: abi.CGROUP2_SUPER_MAGIC, Bsize: 4096, Frsize: 4096, Namelen: abi.NAME_MAX}
}

// Factory is a vfs.FSFactory for mount(2) that returns fs itself.
func (fs *FS) Factory() vfs.FSFactory {
	return func(string, uint32, string) (vfs.Filesystem, error) { return fs, nil }
}

// group is one cgroup.
type group struct {
	fs       *FS
	name     string
	parent   *group
	children map[string]*group
	procs    map[int32]bool
	nsub     int    // processes in this group and its descendants
	subtree  uint32 // cgroup.subtree_control
	freeze   bool
	maxDepth int // -1: max
	maxDesc  int // -1: max
	vals     map[string]string
	removed  bool

	dir   *vfs.Inode
	files map[string]*vfs.Inode

	eventSeq atomic.Uint64
	events   vfs.Queue
}

func (fs *FS) now() abi.Timespec { return abi.TimeToTimespec(fs.o.Clock()) }

func (fs *FS) newGroup(parent *group, name string) *group {
	g := &group{fs: fs, name: name, parent: parent, children: map[string]*group{}, procs: map[int32]bool{},
		maxDepth: -1, maxDesc: -1, vals: map[string]string{}, files: map[string]*vfs.Inode{}}
	now := fs.now()
	g.dir = vfs.NewInode(fs, fs.nextIno.Add(1), vfs.Attr{Mode: abi.S_IFDIR | 0o755, Nlink: 2,
		Atime: now, Mtime: now, Ctime: now, Btime: now}, &dirOps{g: g})
	return g
}

// path returns g's path from the root ("/" for the root).
func (g *group) path() string {
	if g.parent == nil {
		return "/"
	}
	var parts []string
	for x := g; x.parent != nil; x = x.parent {
		parts = append(parts, x.name)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return "/" + strings.Join(parts, "/")
}

func (g *group) isRoot() bool { return g.parent == nil }

// available is cgroup.controllers.
func (g *group) available() uint32 {
	if g.isRoot() {
		return allControllers
	}
	return g.parent.subtree
}

func (g *group) frozen() bool {
	for x := g; x != nil; x = x.parent {
		if x.freeze {
			return true
		}
	}
	return false
}

func (g *group) depth() int {
	d := 0
	for x := g; x.parent != nil; x = x.parent {
		d++
	}
	return d
}

func (g *group) descendants() int {
	n := 0
	for _, c := range g.children {
		n += 1 + c.descendants()
	}
	return n
}

// CgroupOf implements Membership.
func (fs *FS) CgroupOf(pid int32) string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if g := fs.member[pid]; g != nil {
		return g.path()
	}
	return "/"
}

// Fork implements Membership.
func (fs *FS) Fork(parentPID, childPID int32) {
	fs.mu.Lock()
	g := fs.member[parentPID]
	if g == nil {
		g = fs.root
	}
	changed := fs.moveLocked(childPID, g)
	fs.mu.Unlock()
	notifyAll(changed)
}

// Exit implements Membership.
func (fs *FS) Exit(pid int32) {
	fs.mu.Lock()
	changed := fs.moveLocked(pid, nil)
	fs.mu.Unlock()
	notifyAll(changed)
}

// Move puts process pid in the group at path (as a write to its
// cgroup.procs does).
func (fs *FS) Move(pid int32, path string) error {
	fs.mu.Lock()
	g := fs.root
	for _, p := range strings.Split(strings.Trim(path, "/"), "/") {
		if p == "" {
			continue
		}
		if g = g.children[p]; g == nil {
			fs.mu.Unlock()
			return abi.ENOENT
		}
	}
	fs.mu.Unlock()
	return fs.writeProcs(g, pid)
}

func (fs *FS) writeProcs(g *group, pid int32) error {
	if pid <= 0 || (fs.o.Alive != nil && !fs.o.Alive(pid)) {
		return abi.ESRCH
	}
	fs.mu.Lock()
	if g.removed {
		fs.mu.Unlock()
		return abi.ENODEV
	}
	if !g.isRoot() && g.subtree != 0 {
		fs.mu.Unlock()
		return abi.EBUSY
	}
	changed := fs.moveLocked(pid, g)
	fs.mu.Unlock()
	notifyAll(changed)
	return nil
}

// moveLocked moves pid to g (nil: out of the hierarchy) and returns the
// groups whose populated state changed.
func (fs *FS) moveLocked(pid int32, g *group) []*group {
	old := fs.member[pid]
	if old == g {
		return nil
	}
	var changed []*group
	if old != nil {
		delete(old.procs, pid)
		for x := old; x != nil; x = x.parent {
			x.nsub--
			if x.nsub == 0 {
				changed = append(changed, x)
			}
		}
		delete(fs.member, pid)
	}
	if g != nil {
		g.procs[pid] = true
		for x := g; x != nil; x = x.parent {
			x.nsub++
			if x.nsub == 1 {
				changed = append(changed, x)
			}
		}
		fs.member[pid] = g
	}
	return changed
}

// notifyAll reports a cgroup.events change of each group.
func notifyAll(gs []*group) {
	for _, g := range gs {
		g.eventSeq.Add(1)
		g.events.Notify(abi.POLLPRI | abi.POLLERR)
		if g.isRoot() {
			continue // the root has no cgroup.events
		}
		g.fs.mu.Lock()
		in := g.files["cgroup.events"]
		g.fs.mu.Unlock()
		if in != nil {
			if w := in.Watches(); w != nil {
				w.Event(abi.IN_MODIFY, 0, "")
			}
		}
		if w := g.dir.Watches(); w != nil {
			w.Event(abi.IN_MODIFY, 0, "cgroup.events")
		}
	}
}

// mkdir makes a child group.
func (fs *FS) mkdir(parent *group, name string) (*group, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if parent.removed {
		return nil, abi.ENOENT
	}
	if parent.children[name] != nil || fs.spec(parent, name) != nil {
		return nil, abi.EEXIST
	}
	if strings.ContainsRune(name, '\n') {
		return nil, abi.EINVAL
	}
	for x, d := parent, 1; x != nil; x, d = x.parent, d+1 {
		if x.maxDepth >= 0 && d > x.maxDepth {
			return nil, abi.EAGAIN
		}
		if x.maxDesc >= 0 && x.descendants() >= x.maxDesc {
			return nil, abi.EAGAIN
		}
	}
	g := fs.newGroup(parent, name)
	parent.children[name] = g
	g.dir.SetParent(parent.dir, name)
	now := fs.now()
	parent.dir.Update(func(a *vfs.Attr) { a.Nlink++; a.Mtime, a.Ctime = now, now })
	return g, nil
}

// rmdir removes an empty child group.
func (fs *FS) rmdir(parent *group, name string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	g := parent.children[name]
	if g == nil {
		return abi.ENOENT
	}
	if g.nsub > 0 || len(g.children) > 0 {
		return abi.EBUSY
	}
	delete(parent.children, name)
	g.removed = true
	g.dir.Update(func(a *vfs.Attr) { a.Nlink = 0 })
	now := fs.now()
	parent.dir.Update(func(a *vfs.Attr) { a.Nlink--; a.Mtime, a.Ctime = now, now })
	return nil
}

// setSubtree applies a write to cgroup.subtree_control.
func (fs *FS) setSubtree(g *group, data string) error {
	var enable, disable uint32
	for _, tok := range strings.Fields(data) {
		if len(tok) < 2 || (tok[0] != '+' && tok[0] != '-') {
			return abi.EINVAL
		}
		b := ctrlBit(tok[1:])
		if b == 0 {
			return abi.EINVAL
		}
		if tok[0] == '+' {
			enable, disable = enable|b, disable&^b
		} else {
			enable, disable = enable&^b, disable|b
		}
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if enable&^g.available() != 0 {
		return abi.ENOENT
	}
	enable &^= g.subtree
	disable &= g.subtree
	if enable != 0 && !g.isRoot() && len(g.procs) > 0 {
		return abi.EBUSY
	}
	for _, c := range g.children {
		if c.subtree&disable != 0 {
			return abi.EBUSY
		}
	}
	g.subtree = (g.subtree | enable) &^ disable
	return nil
}

// pids returns g's processes, sorted.
func (g *group) pids() []int32 {
	out := make([]int32, 0, len(g.procs))
	for p := range g.procs {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (fs *FS) threads(pid int32) []int32 {
	if fs.o.Threads == nil {
		return []int32{pid}
	}
	return fs.o.Threads(pid)
}

// tasks counts the threads in g and its descendants (pids.current).
func (fs *FS) tasks(g *group) int {
	n := 0
	for p := range g.procs {
		n += len(fs.threads(p))
	}
	for _, c := range g.children {
		n += fs.tasks(c)
	}
	return n
}

func itoa(n int) string { return strconv.Itoa(n) }
