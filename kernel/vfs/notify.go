package vfs

import (
	"sync/atomic"

	"aramid/kernel/abi"
)

// Filesystem event notification, the source inotify (kernel/fs/notify)
// listens to.
//
// A watched inode carries a Watches value (SetWatches); the VFS calls its
// Event method after each successful operation that Linux reports through
// fsnotify. Unwatched inodes cost one locked pointer load per operation.
// Events are delivered in Linux's order, measured on Linux 6.18 with
// inotify(7): for an event on a child, the watches of its directory
// (with the child's name) first, then the child's own (no name).
//
//	create, mkdir, mknod, symlink  dir: IN_CREATE[|IN_ISDIR] name
//	link                           target: IN_ATTRIB; dir: IN_CREATE name
//	unlink, rmdir                  child: IN_ATTRIB (non-directories),
//	                               IN_DELETE_SELF if no link is left;
//	                               dir: IN_DELETE[|IN_ISDIR] name
//	rename                         old dir: IN_MOVED_FROM old, new dir:
//	                               IN_MOVED_TO new (same cookie); moved
//	                               inode: IN_MOVE_SELF; a replaced target:
//	                               IN_ATTRIB, IN_DELETE_SELF
//	open                           IN_OPEN
//	read, getdents                 IN_ACCESS (NotifyAccess)
//	write, truncate                IN_MODIFY
//	chmod, chown, utimens          IN_ATTRIB
//	last close of a description    IN_CLOSE_WRITE or IN_CLOSE_NOWRITE
//
// A non-directory's directory is the one it was opened or named through
// (a hard link's other names are not told, as on Linux); for chmod,
// chown, utimens and truncate by path it is found again when any inode is
// watched, and a path ending in a symlink that was followed reaches only
// the target's own watches. IN_DELETE_SELF is sent when the last link goes,
// or, if the inode is still open then, when its last open file description
// is released (Linux sends it when the inode is evicted). IN_ACCESS comes
// from read system calls and getdents, not from page faults; IN_UNMOUNT is
// never sent.
//
// Event runs with VFS.mu held for namespace operations, so it must not
// call back into the VFS; it may call SetWatches (to detach itself).

// Watches receives the events of one watched inode.
type Watches interface {
	// Event reports mask (abi.IN_* bits, with abi.IN_ISDIR when the
	// subject is a directory) on the watched inode. name is "" for an
	// event on the inode itself, else the entry of the watched
	// directory the event concerns. cookie ties IN_MOVED_FROM to
	// IN_MOVED_TO.
	Event(mask, cookie uint32, name string)
}

// EventUnlinked is set in an event's mask (beside the IN_* bits) when the
// event concerns an open file whose name is gone, as Linux's d_unlinked:
// watches with IN_EXCL_UNLINK drop such events. Watches must not pass it
// on to user space.
const EventUnlinked = 1 << 20

// SetWatches attaches w to in (nil detaches).
func (in *Inode) SetWatches(w Watches) {
	in.mu.Lock()
	switch {
	case in.watches == nil && w != nil:
		watched.Add(1)
	case in.watches != nil && w == nil:
		watched.Add(-1)
	}
	in.watches = w
	in.mu.Unlock()
}

// watched counts inodes with watches: with none, every notification
// returns at once.
var watched atomic.Int64

// Watches returns what SetWatches attached, or nil.
func (in *Inode) Watches() Watches {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.watches
}

var moveCookie atomic.Uint32

// self sends mask to in's own watches. A directory's access, change and
// open events carry IN_ISDIR, as Linux's fsnotify_file and notify_change
// add it (its IN_DELETE_SELF and IN_MOVE_SELF do not).
func self(in *Inode, mask uint32) {
	if watched.Load() == 0 || in == nil {
		return
	}
	if w := in.Watches(); w != nil {
		if mask&(abi.IN_ACCESS|abi.IN_MODIFY|abi.IN_ATTRIB|abi.IN_OPEN|abi.IN_CLOSE_WRITE|abi.IN_CLOSE_NOWRITE) != 0 && in.IsDir() {
			mask |= abi.IN_ISDIR
		}
		w.Event(mask, 0, "")
	}
}

// entry sends mask about name to dir's watches.
func entry(dir *Inode, name string, mask, cookie uint32, child *Inode) {
	if watched.Load() == 0 || dir == nil {
		return
	}
	if w := dir.Watches(); w != nil {
		if child != nil && child.IsDir() {
			mask |= abi.IN_ISDIR
		}
		w.Event(mask, cookie, name)
	}
}

// onChild sends an event on child to its directory's watches, then its own.
// dir may be nil (unknown); for a directory child its recorded parent is
// used.
func onChild(dir *Inode, name string, child *Inode, mask uint32) {
	if watched.Load() == 0 {
		return
	}
	if child.IsDir() {
		if p, n := child.Parent(); p != nil && p != child {
			dir, name = p, n
		} else {
			dir = nil
		}
	}
	entry(dir, name, mask, 0, child)
	self(child, mask)
}

// notifyCreate reports a new entry.
func notifyCreate(dir *Inode, name string, in *Inode) { entry(dir, name, abi.IN_CREATE, 0, in) }

// createdAt reports a Create's result (for one-line call sites).
type createdAt struct {
	dir  *Inode
	name string
}

func (c createdAt) created(in *Inode, err error) error {
	if err == nil {
		notifyCreate(c.dir, c.name, in)
	}
	return err
}

// notifyLink reports a successful link(2).
func notifyLink(dir *Inode, name string, target *Inode, err error) error {
	if err == nil {
		self(target, abi.IN_ATTRIB)
		notifyCreate(dir, name, target)
	}
	return err
}

// gone reports to a removed inode: IN_ATTRIB (link count) for a
// non-directory, IN_DELETE_SELF once no link is left.
func gone(in *Inode) {
	if watched.Load() == 0 || in == nil {
		return
	}
	a := in.Attr()
	if !a.IsDir() {
		self(in, abi.IN_ATTRIB)
	}
	if a.Nlink == 0 || a.IsDir() {
		if in.files.Load() > 0 {
			in.deleteSelf.Store(true) // sent when the last open file goes
			return
		}
		self(in, abi.IN_DELETE_SELF)
	}
}

// notifyRemove reports a successful unlink or rmdir.
func notifyRemove(dir *Inode, name string, child *Inode, err error) error {
	if err == nil && watched.Load() != 0 {
		isDir := child.IsDir()
		gone(child)
		mask := uint32(abi.IN_DELETE)
		if isDir {
			mask |= abi.IN_ISDIR
		}
		if w := dir.Watches(); w != nil {
			w.Event(mask, 0, name)
		}
	}
	return err
}

// notifyRename reports a successful rename; replaced is the inode that
// was at the new name (nil if none), which RENAME_EXCHANGE moves back.
func notifyRename(od *Inode, oname string, nd *Inode, nname string, moved, replaced *Inode, flags uint32, err error) error {
	if err != nil {
		return err
	}
	move := func(from *Inode, fname string, to *Inode, tname string, in *Inode) {
		cookie := moveCookie.Add(1)
		entry(from, fname, abi.IN_MOVED_FROM, cookie, in)
		entry(to, tname, abi.IN_MOVED_TO, cookie, in)
		self(in, abi.IN_MOVE_SELF)
	}
	move(od, oname, nd, nname, moved)
	if replaced != nil {
		if flags&abi.RENAME_EXCHANGE != 0 {
			move(nd, nname, od, oname, replaced)
		} else {
			gone(replaced)
		}
	}
	return err
}

// notifyAt reports mask on in, which dir+path (as given to a *at call)
// resolved to.
func (v *VFS) notifyAt(c *Caller, fsc *FSContext, dir *File, path string, in *Inode, mask uint32) {
	if watched.Load() == 0 {
		return
	}
	var pd *Inode
	var name string
	if path == "" {
		if dir != nil && dir.Inode == in && !dir.dir.IsZero() {
			pd, name = dir.dir.Inode, dir.base
		}
	} else if s, err := start(fsc, dir, path); err == nil {
		v.mu.RLock()
		w := v.walker(c, fsc)
		if d, last, _, err := w.parent(s, path); err == nil && last != "." && last != ".." {
			if q, err := w.step(d, last, false); err == nil && q.Inode == in {
				pd, name = d.Inode, last
			}
		}
		v.mu.RUnlock()
	}
	onChild(pd, name, in, mask)
}

// notifyTruncate reports a successful truncate(2).
func (v *VFS) notifyTruncate(c *Caller, fsc *FSContext, path string, in *Inode, err error) error {
	if err == nil {
		v.notifyAt(c, fsc, nil, path, in, abi.IN_MODIFY)
	}
	return err
}

// notifyModify reports a successful ftruncate(2).
func (f *File) notifyModify(err error) error {
	if err == nil {
		f.fileEvent(abi.IN_MODIFY)
	}
	return err
}

// fileEvent sends mask about f's inode to its directory and itself,
// marked EventUnlinked once the file has no link left (Linux tells by the
// name the file was opened through; a hard link's other names count here).
func (f *File) fileEvent(mask uint32) {
	if f.Inode == nil || f.Path.IsZero() {
		return
	}
	if watched.Load() != 0 && !f.Inode.IsDir() && f.Inode.Attr().Nlink == 0 {
		mask |= EventUnlinked
	}
	onChild(f.dir.Inode, f.base, f.Inode, mask)
}

// NotifyAccess reports IN_ACCESS after a read(2)-family call returned data
// from f, as Linux's fsnotify_access.
func (f *File) NotifyAccess() {
	if watched.Load() != 0 {
		f.fileEvent(abi.IN_ACCESS)
	}
}

// opened reports IN_OPEN for a new description and returns it.
func opened(f *File) *File {
	if !f.IsPath() {
		f.fileEvent(abi.IN_OPEN)
	}
	return f
}

// closed reports the last close of f.
func (f *File) closed() {
	if f.IsPath() {
		return
	}
	if f.Writable() {
		f.fileEvent(abi.IN_CLOSE_WRITE)
	} else {
		f.fileEvent(abi.IN_CLOSE_NOWRITE)
	}
}

// Write implements write(2).
func (f *File) Write(c *Caller, src []byte) (int, error) {
	n, err := f.write(c, src)
	if n > 0 {
		f.fileEvent(abi.IN_MODIFY)
	}
	return n, err
}

// Pwrite implements pwrite64(2). Like Linux, an O_APPEND file appends
// regardless of off.
func (f *File) Pwrite(c *Caller, src []byte, off int64) (int, error) {
	n, err := f.pwrite(c, src, off)
	if n > 0 {
		f.fileEvent(abi.IN_MODIFY)
	}
	return n, err
}

// LookupAt resolves dir+path for callers outside the VFS that need the
// inode itself (inotify_add_watch). flags may hold AT_SYMLINK_NOFOLLOW and
// AT_EMPTY_PATH. Search permission is checked on the way, as for stat.
func (v *VFS) LookupAt(c *Caller, fsc *FSContext, dir *File, path string, flags uint32) (Path, error) {
	if flags&^(abi.AT_SYMLINK_NOFOLLOW|abi.AT_EMPTY_PATH) != 0 {
		return Path{}, abi.EINVAL
	}
	return v.lookupInode(c, fsc, dir, path, flags)
}
