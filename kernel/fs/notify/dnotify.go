package notify

import (
	"sync/atomic"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// dnotify: fcntl(fd, F_NOTIFY, arg) asks for a signal when the directory
// fd names, or an entry in it, changes. Behaviour follows Linux's
// fs/notify/dnotify:
//
//   - arg without an event bit (0, or DN_MULTISHOT alone) removes the
//     registrations made through this open file by this process and
//     succeeds on any file; otherwise a non-directory is ENOTDIR.
//   - One registration per (open file, descriptor table): a second
//     F_NOTIFY ors its events in (DN_MULTISHOT included) and takes the new
//     descriptor number.
//   - The events come from the same VFS notifications inotify reads:
//     IN_ACCESS → DN_ACCESS, IN_MODIFY → DN_MODIFY, IN_CREATE and
//     IN_MOVED_TO → DN_CREATE, IN_DELETE and IN_MOVED_FROM → DN_DELETE,
//     IN_ATTRIB → DN_ATTRIB, about the directory itself or an entry in it;
//     DN_RENAME for a rename within the directory only (IN_MOVED_TO with
//     the cookie of the IN_MOVED_FROM just seen here), as Linux measured.
//   - A matching event signals the file's owner (which F_NOTIFY makes the
//     calling process unless an owner is set) as send_sigio with POLL_MSG:
//     SIGIO, or the F_SETSIG signal with si_fd the registering descriptor.
//     Without DN_MULTISHOT the registration ends after its first signal.
//   - Closing any descriptor of the file in the registering process ends
//     it (dnotify_flush).
//
// Registrations are receivers in the inode's marks beside inotify watches;
// marksMu guards them too.

// dnote is one registration (Linux's dnotify_struct).
type dnote struct {
	in   *vfs.Inode
	f    *vfs.File
	t    *vfs.FDTable
	fd   int32  // guarded by marksMu
	mask uint32 // DN_* bits; guarded by marksMu
	from uint32 // cookie of the last IN_MOVED_FROM seen; guarded by marksMu
}

// dnotes lists the registrations by open file; guarded by marksMu.
var dnotes = map[*vfs.File][]*dnote{}

// dnotified counts registrations: with none, closing a descriptor costs one
// atomic load.
var dnotified atomic.Int64

func init() { vfs.DirNotifyFlush = dnotifyFlush }

const dnEvents = abi.DN_ACCESS | abi.DN_MODIFY | abi.DN_CREATE | abi.DN_DELETE | abi.DN_RENAME | abi.DN_ATTRIB

// Dnotify implements fcntl(fd, F_NOTIFY, arg) for open file f, reached
// through descriptor fd of table t. It reports whether a registration now
// stands, in which case the caller makes the calling process f's owner if
// it has none (Linux's __f_setown without force).
func Dnotify(f *vfs.File, t *vfs.FDTable, fd int32, arg uint32) (bool, error) {
	if arg&^uint32(abi.DN_MULTISHOT) == 0 {
		dnotifyFlush(f, t)
		return false, nil
	}
	if f.Inode == nil || !f.Inode.IsDir() {
		return false, abi.ENOTDIR
	}
	marksMu.Lock()
	defer marksMu.Unlock()
	for _, d := range dnotes[f] {
		if d.t == t {
			d.fd = fd
			d.mask |= arg
			return true, nil
		}
	}
	d := &dnote{in: f.Inode, f: f, t: t, fd: fd, mask: arg}
	dnotes[f] = append(dnotes[f], d)
	dnotified.Add(1)
	f.IncRef() // the registration keeps the file until its flush
	attachLocked(d)
	return true, nil
}

// dnotifyFlush removes the registrations made through f by table t.
func dnotifyFlush(f *vfs.File, t *vfs.FDTable) {
	if dnotified.Load() == 0 {
		return
	}
	var gone []*dnote
	marksMu.Lock()
	for _, d := range dnotes[f] {
		if d.t == t {
			gone = append(gone, d)
		}
	}
	for _, d := range gone {
		removeLocked(d)
	}
	marksMu.Unlock()
	for range gone {
		f.DecRef()
	}
}

// removeLocked ends registration d. Caller holds marksMu and drops the
// file reference afterwards.
func removeLocked(d *dnote) {
	l := dnotes[d.f]
	for i, x := range l {
		if x == d {
			l = append(l[:i:i], l[i+1:]...)
			break
		}
	}
	if len(l) == 0 {
		delete(dnotes, d.f)
	} else {
		dnotes[d.f] = l
	}
	dnotified.Add(-1)
	detachLocked(d)
}

func (d *dnote) inode() *vfs.Inode { return d.in }

// dnBits maps a VFS notification mask to the DN_* events it raises.
func dnBits(mask uint32) uint32 {
	var b uint32
	if mask&abi.IN_ACCESS != 0 {
		b |= abi.DN_ACCESS
	}
	if mask&abi.IN_MODIFY != 0 {
		b |= abi.DN_MODIFY
	}
	if mask&(abi.IN_CREATE|abi.IN_MOVED_TO) != 0 {
		b |= abi.DN_CREATE
	}
	if mask&(abi.IN_DELETE|abi.IN_MOVED_FROM) != 0 {
		b |= abi.DN_DELETE
	}
	if mask&abi.IN_ATTRIB != 0 {
		b |= abi.DN_ATTRIB
	}
	return b
}

// event signals the owner if the registration asks for the event.
func (d *dnote) event(mask, cookie uint32, _ string) {
	bits := dnBits(mask)
	marksMu.Lock()
	live := false
	for _, x := range dnotes[d.f] {
		live = live || x == d
	}
	switch {
	case mask&abi.IN_MOVED_FROM != 0:
		d.from = cookie
	case mask&abi.IN_MOVED_TO != 0 && cookie != 0 && cookie == d.from:
		bits |= abi.DN_RENAME
	}
	if !live || d.mask&bits == 0 {
		marksMu.Unlock()
		return
	}
	fd := d.fd
	once := d.mask&abi.DN_MULTISHOT == 0
	if once {
		removeLocked(d)
	}
	marksMu.Unlock()
	d.f.SignalOwner(abi.POLL_MSG, abi.POLLIN|abi.POLLRDNORM|abi.POLLMSG, fd)
	if once {
		d.f.DecRef()
	}
}
