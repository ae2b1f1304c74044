package vfs

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"aramid/kernel/abi"
)

// Path is a place in the mount tree: an inode as seen through a mount.
type Path struct {
	Mount *Mount
	Inode *Inode
}

// IsZero reports whether p is unset.
func (p Path) IsZero() bool { return p.Mount == nil || p.Inode == nil }

// perMountFlags are the mount(2) flags a mount records and reports.
const perMountFlags = abi.MS_RDONLY | abi.MS_NOSUID | abi.MS_NODEV | abi.MS_NOEXEC | abi.MS_SYNCHRONOUS |
	abi.MS_MANDLOCK | abi.MS_DIRSYNC | abi.MS_NOSYMFOLLOW | abi.MS_NOATIME | abi.MS_NODIRATIME |
	abi.MS_RELATIME | abi.MS_STRICTATIME | abi.MS_LAZYTIME

// propagationFlags select a mount's propagation type (recorded only).
const propagationFlags = abi.MS_SHARED | abi.MS_PRIVATE | abi.MS_SLAVE | abi.MS_UNBINDABLE

// Mount is one filesystem (or part of one, for bind mounts) attached to the
// tree.
type Mount struct {
	ID     int
	FS     Filesystem
	Root   *Inode // the mount's root: FS.Root(), or a subtree for binds
	Source string // mount(2) source, as /proc/mounts shows it
	Data   string // mount(2) data (filesystem options)
	// RootPath is Root's path within FS ("/" unless a bind mount).
	RootPath string

	flags       atomic.Uint32
	propagation atomic.Uint32
	// openFiles counts open file descriptions on this mount: umount
	// without MNT_DETACH fails with EBUSY while any is open.
	openFiles atomic.Int64
	// writers counts the descriptions open for writing on this mount
	// (Linux's mnt_writers): remounting read-only is EBUSY while any is.
	writers atomic.Int64

	// Set under VFS.mu.
	parent *Mount
	point  *Inode
	// For a mount on a non-directory: the directory holding it and its
	// name there.
	pointDir  *Inode
	pointName string
}

// Flags returns the recorded per-mount flags (MS_RDONLY, MS_NOSUID, ...).
func (m *Mount) Flags() uint32 { return m.flags.Load() }

// Propagation returns the recorded propagation flag (MS_SHARED, ...), or 0.
func (m *Mount) Propagation() uint32 { return m.propagation.Load() }

// ReadOnly reports whether the mount is read-only.
func (m *Mount) ReadOnly() bool { return m.Flags()&abi.MS_RDONLY != 0 }

type mountKey struct {
	m  *Mount
	in *Inode
}

// FSFactory makes a filesystem for mount(2) from its source, flags and
// data string.
type FSFactory func(source string, flags uint32, data string) (Filesystem, error)

// DeviceOpener opens device inodes: kind is abi.S_IFCHR or abi.S_IFBLK,
// rdev the inode's device number. An unknown device is abi.ENXIO.
type DeviceOpener interface {
	OpenDevice(c *Caller, kind uint32, rdev uint64, in *Inode, flags uint32) (FileImpl, error)
}

// FIFOOpener opens named pipes; it may block (the VFS holds no lock).
type FIFOOpener interface {
	OpenFIFO(c *Caller, in *Inode, flags uint32) (FileImpl, error)
}

// Options configure a VFS.
type Options struct {
	// Clock gives the time for attribute changes (chmod, utimens).
	// Required.
	Clock func() time.Time
	// Devices opens device nodes; nil makes every device ENXIO.
	Devices DeviceOpener
	// FIFOs opens named pipes; nil makes FIFOs EOPNOTSUPP.
	FIFOs FIFOOpener
}

// VFS is one mount namespace with its filesystems.
type VFS struct {
	mu      sync.RWMutex
	root    *Mount
	mounts  map[*Mount]struct{}
	covers  map[mountKey]*Mount
	nextID  int
	fsTypes map[string]FSFactory

	clock   func() time.Time
	devices DeviceOpener
	fifos   FIFOOpener

	// mountEvent counts changes of the mount table (Linux's
	// mnt_namespace.event); mountQueue is notified after each, outside mu.
	mountEvent atomic.Uint64
	mountQueue Queue
}

// MountEvent returns the mount table's change counter: it grows with every
// mount, bind mount, remount and unmount, as Linux's namespace event does
// (what poll on /proc/self/mounts and mountinfo reports).
func (v *VFS) MountEvent() uint64 { return v.mountEvent.Load() }

// MountQueue is notified (POLLERR|POLLPRI) after the mount table changes.
func (v *VFS) MountQueue() *Queue { return &v.mountQueue }

// mountsChanged wakes the mount table's pollers; called without v.mu.
func (v *VFS) mountsChanged() {
	v.mountQueue.Notify(abi.POLLERR | abi.POLLPRI | abi.POLLIN | abi.POLLRDNORM)
}

// New returns a VFS whose root mount is root.
func New(root Filesystem, opts Options) *VFS {
	v := &VFS{
		mounts: make(map[*Mount]struct{}), covers: make(map[mountKey]*Mount),
		fsTypes: make(map[string]FSFactory), clock: opts.Clock, devices: opts.Devices, fifos: opts.FIFOs,
		nextID: 1,
	}
	if v.clock == nil {
		v.clock = func() time.Time { return time.Unix(0, 0) }
	}
	v.root = v.newMount(root, root.Root(), "none", 0, "")
	return v
}

func (v *VFS) newMount(fs Filesystem, root *Inode, source string, flags uint32, data string) *Mount {
	m := &Mount{ID: v.nextID, FS: fs, Root: root, Source: source, Data: data, RootPath: "/"}
	v.nextID++
	m.flags.Store(flags & perMountFlags)
	v.mounts[m] = struct{}{}
	return m
}

// Root returns the root of the namespace, for the first FSContext.
func (v *VFS) Root() Path { return Path{v.root, v.root.Root} }

func (v *VFS) now() abi.Timespec { return abi.TimeToTimespec(v.clock()) }

// RegisterFilesystem makes fstype mountable by MountByType.
func (v *VFS) RegisterFilesystem(fstype string, f FSFactory) {
	v.mu.Lock()
	v.fsTypes[fstype] = f
	v.mu.Unlock()
}

// crossDown follows mounts stacked on p. Caller holds v.mu.
func (v *VFS) crossDown(p Path) Path {
	for {
		m := v.covers[mountKey{p.Mount, p.Inode}]
		if m == nil {
			return p
		}
		p = Path{m, m.Root}
	}
}

// isMountpoint reports whether p has something mounted on it or is the
// root of a mount. Caller holds v.mu.
func (v *VFS) isMountpoint(p Path) bool {
	return v.covers[mountKey{p.Mount, p.Inode}] != nil || p.Inode == p.Mount.Root
}

// Mount attaches fs at target (mount(2) of a new filesystem). Only root may
// mount; target must be a directory, and not the root of a mount of fs
// itself (EBUSY).
func (v *VFS) Mount(c *Caller, fsc *FSContext, target string, fs Filesystem, flags uint32, source, data string) error {
	if !c.Capable(abi.CAP_SYS_ADMIN) {
		return abi.EPERM
	}
	defer v.mountsChanged() // after the unlock below
	v.mu.Lock()
	defer v.mu.Unlock()
	p, err := v.walker(c, fsc).resolve(fsc.Cwd(), target, true)
	if err != nil {
		return err
	}
	if !p.Inode.IsDir() {
		return abi.ENOTDIR
	}
	if p.Mount != nil && p.Mount.FS == fs && p.Inode == p.Mount.Root {
		// Linux's do_add_mount: the same superblock on the root of a
		// mount of it (sysfs on /sys, a disk on its own mount point).
		return abi.EBUSY
	}
	m := v.newMount(fs, fs.Root(), source, flags, data)
	m.propagation.Store(flags & propagationFlags)
	v.attach(m, p)
	return nil
}

func (v *VFS) attach(m *Mount, at Path) {
	v.mountEvent.Add(1)
	m.parent, m.point = at.Mount, at.Inode
	m.pointDir, m.pointName = nil, ""
	v.covers[mountKey{at.Mount, at.Inode}] = m
}

// BindMount implements mount(2) with MS_BIND: the subtree at source
// becomes visible at target. A directory binds onto a directory, anything
// else onto a non-directory. MS_REC is accepted but submounts of source
// are not copied.
func (v *VFS) BindMount(c *Caller, fsc *FSContext, source, target string, flags uint32) error {
	if !c.Capable(abi.CAP_SYS_ADMIN) {
		return abi.EPERM
	}
	defer v.mountsChanged() // after the unlock below
	v.mu.Lock()
	defer v.mu.Unlock()
	w := v.walker(c, fsc)
	src, err := w.resolve(fsc.Cwd(), source, true)
	if err != nil {
		return err
	}
	dst, err := w.resolve(fsc.Cwd(), target, true)
	if err != nil {
		return err
	}
	if src.Inode.IsDir() != dst.Inode.IsDir() {
		if src.Inode.IsDir() {
			return abi.ENOTDIR
		}
		return abi.EISDIR
	}
	m := v.newMount(src.Mount.FS, src.Inode, src.Mount.Source, src.Mount.Flags(), src.Mount.Data)
	m.RootPath = bindRootPath(src, w.lastDir, w.lastName)
	v.attach(m, dst)
	if !dst.Inode.IsDir() {
		m.pointDir, m.pointName = w.lastDir.Inode, w.lastName
	}
	return nil
}

// Remount implements MS_REMOUNT: target must be the root of a mount; its
// per-mount flags become flags (data is recorded unless MS_BIND).
func (v *VFS) Remount(c *Caller, fsc *FSContext, target string, flags uint32, data string) error {
	if !c.Capable(abi.CAP_SYS_ADMIN) {
		return abi.EPERM
	}
	defer v.mountsChanged() // after the unlock below
	v.mu.Lock()
	defer v.mu.Unlock()
	p, err := v.walker(c, fsc).resolve(fsc.Cwd(), target, true)
	if err != nil {
		return err
	}
	if p.Inode != p.Mount.Root {
		return abi.EINVAL
	}
	if flags&abi.MS_RDONLY != 0 && !p.Mount.ReadOnly() && v.writersLocked(p.Mount, flags&abi.MS_BIND == 0) {
		return abi.EBUSY // sb_prepare_remount_readonly, or mnt_make_readonly for a bind remount
	}
	if r, ok := p.Mount.FS.(Remounter); ok && flags&abi.MS_BIND == 0 {
		if err := r.Remount(flags, data); err != nil {
			return err
		}
	}
	p.Mount.flags.Store(flags & perMountFlags)
	v.mountEvent.Add(1)
	if flags&abi.MS_BIND == 0 && data != "" {
		p.Mount.Data = data
	}
	return nil
}

// writersLocked reports whether m (with sb, every mount of its
// filesystem) has a description open for writing. Caller holds v.mu.
func (v *VFS) writersLocked(m *Mount, sb bool) bool {
	if !sb {
		return m.writers.Load() > 0
	}
	for o := range v.mounts {
		if o.FS == m.FS && o.writers.Load() > 0 {
			return true
		}
	}
	return false
}

// SetPropagation records MS_SHARED/MS_PRIVATE/MS_SLAVE/MS_UNBINDABLE on
// the mount at target. Nothing propagates.
func (v *VFS) SetPropagation(c *Caller, fsc *FSContext, target string, flags uint32) error {
	if !c.Capable(abi.CAP_SYS_ADMIN) {
		return abi.EPERM
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	p, err := v.walker(c, fsc).resolve(fsc.Cwd(), target, true)
	if err != nil {
		return err
	}
	if p.Inode != p.Mount.Root {
		return abi.EINVAL
	}
	p.Mount.propagation.Store(flags & propagationFlags)
	return nil
}

// MountByType implements mount(2) after the arguments are copied in:
// MS_REMOUNT, MS_BIND, propagation changes, or a new filesystem of a type
// registered with RegisterFilesystem (ENODEV if unknown), or MS_MOVE.
func (v *VFS) MountByType(c *Caller, fsc *FSContext, source, target, fstype string, flags uint32, data string) error {
	switch {
	case flags&abi.MS_REMOUNT != 0:
		return v.Remount(c, fsc, target, flags, data)
	case flags&abi.MS_BIND != 0:
		return v.BindMount(c, fsc, source, target, flags)
	case flags&propagationFlags != 0:
		return v.SetPropagation(c, fsc, target, flags)
	case flags&abi.MS_MOVE != 0:
		return v.MoveMount(c, fsc, source, target)
	}
	if !c.Capable(abi.CAP_SYS_ADMIN) {
		return abi.EPERM
	}
	if bk := v.blockFactory(fstype); bk != nil {
		return v.mountBlock(c, fsc, bk, source, target, flags, data)
	}
	v.mu.RLock()
	mk := v.fsTypes[fstype]
	v.mu.RUnlock()
	if mk == nil {
		return abi.ENODEV
	}
	fs, err := mk(source, flags, data)
	if err != nil {
		return err
	}
	return v.Mount(c, fsc, target, fs, flags, source, data)
}

// Umount implements umount2(2). The target must be the root of a mount;
// a mount with mounts below it is EBUSY unless MNT_DETACH, which detaches
// the whole subtree. The namespace root cannot be unmounted (EINVAL).
func (v *VFS) Umount(c *Caller, fsc *FSContext, target string, flags uint32) error {
	if flags&^(abi.MNT_FORCE|abi.MNT_DETACH|abi.MNT_EXPIRE|abi.UMOUNT_NOFOLLOW) != 0 {
		return abi.EINVAL
	}
	if !c.Capable(abi.CAP_SYS_ADMIN) {
		return abi.EPERM
	}
	defer v.releaseUnmounted() // disk filesystems left without a mount
	defer v.mountsChanged()    // after the unlock below
	v.mu.Lock()
	defer v.mu.Unlock()
	p, err := v.walker(c, fsc).resolve(fsc.Cwd(), target, flags&abi.UMOUNT_NOFOLLOW == 0)
	if err != nil {
		return err
	}
	m := p.Mount
	if p.Inode != m.Root {
		return abi.EINVAL
	}
	if m.parent == nil {
		return abi.EINVAL
	}
	children := v.childrenLocked(m)
	if (len(children) > 0 || m.openFiles.Load() > 0) && flags&abi.MNT_DETACH == 0 {
		return abi.EBUSY
	}
	gone := v.subtreeLocked(m)
	v.detachLocked(m)
	v.unmountUnused(gone)
	return nil
}

func (v *VFS) childrenLocked(m *Mount) []*Mount {
	var out []*Mount
	for c := range v.mounts {
		if c.parent == m {
			out = append(out, c)
		}
	}
	return out
}

func (v *VFS) detachLocked(m *Mount) {
	v.mountEvent.Add(1)
	for _, c := range v.childrenLocked(m) {
		v.detachLocked(c)
	}
	k := mountKey{m.parent, m.point}
	if v.covers[k] == m {
		delete(v.covers, k)
	}
	// A mount stacked on m's root now sits on what m covered.
	if top := v.covers[mountKey{m, m.Root}]; top != nil {
		delete(v.covers, mountKey{m, m.Root})
		v.attach(top, Path{m.parent, m.point})
		top.pointDir, top.pointName = m.pointDir, m.pointName
	}
	delete(v.mounts, m)
}

// MountInfo describes one mount for /proc/mounts and mountinfo.
type MountInfo struct {
	ID, ParentID int
	Source       string
	MountPoint   string // relative to the caller's root
	Root         string // the mount's root within its filesystem ("/" unless bound)
	FSType       string
	Flags        uint32 // per-mount MS_* flags
	Propagation  uint32
	Data         string
}

// Mounts lists the mounts reachable from fsc's root, in mount order.
func (v *VFS) Mounts(fsc *FSContext) []MountInfo {
	v.mu.RLock()
	defer v.mu.RUnlock()
	root := fsc.Root()
	var out []MountInfo
	for m := range v.mounts {
		var mp string
		switch {
		case (Path{m, m.Root}) == root:
			// The mount the caller's root is (after a chroot into a
			// mounted filesystem, as the kernel's root= mount does):
			// "/", and what it is mounted on lies outside.
			mp = "/"
		case m.parent == nil:
			if _, ok := v.pathStringLocked(root, Path{m, m.Root}); !ok {
				continue // rootfs, hidden by a chroot below it
			}
			mp = "/"
		case m.pointDir != nil:
			s, ok := v.pathStringLocked(root, Path{m.parent, m.pointDir})
			if !ok {
				continue
			}
			mp = joinPath(s, m.pointName)
		default:
			s, ok := v.pathStringLocked(root, Path{m.parent, m.point})
			if !ok {
				continue
			}
			mp = s
		}
		pid := m.ID
		if m.parent != nil {
			pid = m.parent.ID
		}
		out = append(out, MountInfo{ID: m.ID, ParentID: pid, Source: m.Source, MountPoint: mp, Root: m.RootPath,
			FSType: m.FS.Type(), Flags: m.Flags(), Propagation: m.Propagation(), Data: m.Data})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// pathStringLocked names the directory p relative to root, and reports
// false if p is not below root.
func (v *VFS) pathStringLocked(root, p Path) (string, bool) {
	var parts []string
	for p != root {
		if p.Inode == p.Mount.Root {
			if p.Mount.parent == nil {
				return joinReverse(parts), false
			}
			m := p.Mount
			if m.pointDir != nil {
				parts = append(parts, m.pointName)
				p = Path{m.parent, m.pointDir}
			} else {
				p = Path{m.parent, m.point}
			}
			continue
		}
		parent, name := p.Inode.Parent()
		if parent == nil || parent == p.Inode {
			return joinReverse(parts), false
		}
		parts = append(parts, name)
		p = Path{p.Mount, parent}
	}
	return joinReverse(parts), true
}

func joinReverse(parts []string) string {
	if len(parts) == 0 {
		return "/"
	}
	n := 0
	for _, s := range parts {
		n += len(s) + 1
	}
	b := make([]byte, 0, n)
	for i := len(parts) - 1; i >= 0; i-- {
		b = append(b, '/')
		b = append(b, parts[i]...)
	}
	return string(b)
}

func joinPath(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// bindRootPath is the path within its filesystem of src, found in dir
// under name, for a bind mount's root.
func bindRootPath(src, dir Path, name string) string {
	if !src.Inode.IsDir() {
		return joinPath(bindRootPath(dir, Path{}, ""), name)
	}
	var parts []string
	for in := src.Inode; in != src.Mount.Root; {
		parent, n := in.Parent()
		if parent == nil || parent == in {
			break
		}
		parts = append(parts, n)
		in = parent
	}
	rel := joinReverse(parts)
	if src.Mount.RootPath == "/" {
		return rel
	}
	if rel == "/" {
		return src.Mount.RootPath
	}
	return src.Mount.RootPath + rel
}
