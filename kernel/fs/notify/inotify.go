// Package notify implements inotify(7): an Inotify is the file behind an
// inotify descriptor; AddWatch attaches a watch to an inode (through
// vfs.Inode.SetWatches), and the VFS's event calls (kernel/vfs/notify.go)
// queue struct inotify_event records that Read returns.
//
// Behaviour encoded from Linux 6.18 (small C programs run on the
// development host; see the tests): watch descriptors count up from 1 and
// are never reused; adding a watch for an inode already watched returns
// its descriptor and replaces the mask (IN_MASK_ADD ors it in,
// IN_MASK_CREATE fails with EEXIST, both together are EINVAL); a mask
// with no inotify bit at all is EINVAL; an event identical to the last
// unread one is merged into it; names are NUL-padded to a multiple of 16
// bytes; a read buffer too small for the first event is EINVAL; removing
// a watch (inotify_rm_watch, IN_ONESHOT after its event, the inode's
// IN_DELETE_SELF) queues IN_IGNORED; a full queue (max_queued_events,
// read when the instance is made) ends with one IN_Q_OVERFLOW record (wd
// -1); IN_EXCL_UNLINK drops events about open files whose name is gone.
// The limits of /proc/sys/fs/inotify are live: max_user_instances
// (EMFILE) and max_user_watches (ENOSPC) count per user (the instance
// creator's real uid) across instances, root included, as Linux does.
//
// Not implemented: lseek is ESPIPE (Linux ignores it); fdinfo.
//
// Locking: Inotify.mu is taken before marksMu (which guards every inode's
// watch list); an event arrives with no notify lock held (marks.Event
// copies its watch list and releases marksMu before delivering), then
// takes Inotify.mu, then vfs.Queue's.
package notify

import (
	"encoding/binary"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// Limits (Linux's defaults for /proc/sys/fs/inotify/*).
const (
	MaxQueuedEvents  = 16384
	MaxWatches       = 8192
	MaxUserInstances = 128
)

// The live values of /proc/sys/fs/inotify/{max_queued_events,
// max_user_watches,max_user_instances}.
var (
	maxQueued    atomic.Int64
	maxWatches   atomic.Int64
	maxInstances atomic.Int64
)

func init() {
	maxQueued.Store(MaxQueuedEvents)
	maxWatches.Store(MaxWatches)
	maxInstances.Store(MaxUserInstances)
}

// Tunable is one of the limits as /proc/sys shows it: Get and Set (a
// decimal integer from 0 to 2^31-1, else EINVAL).
type Tunable struct {
	Get func() string
	Set func(text string) error
}

// Tunables returns the three limits by their path under /proc/sys.
func Tunables() map[string]Tunable {
	t := func(v *atomic.Int64) Tunable {
		return Tunable{
			Get: func() string { return strconv.FormatInt(v.Load(), 10) + "\n" },
			Set: func(text string) error {
				f := strings.Fields(text)
				if len(f) == 0 {
					return nil
				}
				n, err := strconv.ParseInt(f[0], 10, 32)
				if err != nil || n < 0 {
					return abi.EINVAL
				}
				v.Store(n)
				return nil
			},
		}
	}
	return map[string]Tunable{
		"fs/inotify/max_queued_events":  t(&maxQueued),
		"fs/inotify/max_user_watches":   t(&maxWatches),
		"fs/inotify/max_user_instances": t(&maxInstances),
	}
}

// users counts instances and watches per user (Linux's ucounts).
var users struct {
	sync.Mutex
	instances map[uint32]int64
	watches   map[uint32]int64
}

// charge adds d to uid's count in m if that stays within limit.
func charge(m *map[uint32]int64, uid uint32, d, limit int64) bool {
	users.Lock()
	defer users.Unlock()
	if *m == nil {
		*m = map[uint32]int64{}
	}
	if d > 0 && (*m)[uid]+d > limit {
		return false
	}
	(*m)[uid] += d
	if (*m)[uid] <= 0 {
		delete(*m, uid)
	}
	return true
}

// allBits are the mask bits inotify_add_watch understands.
const allBits = abi.IN_ALL_EVENTS | abi.IN_UNMOUNT | abi.IN_Q_OVERFLOW | abi.IN_IGNORED | abi.IN_ONLYDIR |
	abi.IN_DONT_FOLLOW | abi.IN_EXCL_UNLINK | abi.IN_MASK_CREATE | abi.IN_MASK_ADD | abi.IN_ISDIR | abi.IN_ONESHOT

// keptBits are the mask bits a watch remembers.
const keptBits = abi.IN_ALL_EVENTS | abi.IN_ONESHOT | abi.IN_EXCL_UNLINK

type event struct {
	wd     int32
	mask   uint32
	cookie uint32
	name   string
}

// size is the record's length in bytes.
func (e *event) size() int { return abi.SizeofInotifyEv + padded(e.name) }

// padded is the name field's length: 0 without a name, else the name and
// at least one NUL rounded up to 16.
func padded(name string) int {
	if name == "" {
		return 0
	}
	return (len(name) + 1 + 15) &^ 15
}

func (e *event) encode(b []byte) {
	le := binary.LittleEndian
	le.PutUint32(b[0:], uint32(e.wd))
	le.PutUint32(b[4:], e.mask)
	le.PutUint32(b[8:], e.cookie)
	le.PutUint32(b[12:], uint32(padded(e.name)))
	n := copy(b[16:], e.name)
	clear(b[16+n : e.size()])
}

// watch is one (instance, inode) pair.
type watch struct {
	n    *Inotify
	wd   int32
	in   *vfs.Inode
	mask uint32 // keptBits
}

// Inotify is one inotify instance. It is a vfs.FileImpl.
type Inotify struct {
	vfs.FileDefaults

	mu      sync.Mutex
	uid     uint32 // the user charged for the instance and its watches
	max     int    // max_queued_events when it was made
	nextWD  int32
	watches map[int32]*watch
	byInode map[*vfs.Inode]*watch
	events  []event
	bytes   int // encoded size of events
	queue   vfs.Queue
}

// New returns an instance with no watches, charged to user uid: EMFILE
// past max_user_instances.
func New(uid uint32) (*Inotify, error) {
	if !charge(&users.instances, uid, 1, maxInstances.Load()) {
		return nil, abi.EMFILE
	}
	return &Inotify{uid: uid, max: int(maxQueued.Load()), nextWD: 1,
		watches: map[int32]*watch{}, byInode: map[*vfs.Inode]*watch{}}, nil
}

// AddWatch implements inotify_add_watch(2) once the path is resolved to
// in. It returns the watch descriptor.
func (n *Inotify) AddWatch(in *vfs.Inode, mask uint32) (int32, error) {
	if mask&allBits == 0 {
		return 0, abi.EINVAL
	}
	if mask&abi.IN_MASK_ADD != 0 && mask&abi.IN_MASK_CREATE != 0 {
		return 0, abi.EINVAL
	}
	if mask&abi.IN_ONLYDIR != 0 && !in.IsDir() {
		return 0, abi.ENOTDIR
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if w := n.byInode[in]; w != nil {
		if mask&abi.IN_MASK_CREATE != 0 {
			return 0, abi.EEXIST
		}
		if mask&abi.IN_MASK_ADD != 0 {
			w.mask |= mask & keptBits
		} else {
			w.mask = mask & keptBits
		}
		return w.wd, nil
	}
	if !charge(&users.watches, n.uid, 1, maxWatches.Load()) {
		return 0, abi.ENOSPC
	}
	w := &watch{n: n, wd: n.nextWD, in: in, mask: mask & keptBits}
	n.nextWD++
	n.watches[w.wd] = w
	n.byInode[in] = w
	attach(w)
	return w.wd, nil
}

// RmWatch implements inotify_rm_watch(2).
func (n *Inotify) RmWatch(wd int32) error {
	n.mu.Lock()
	w := n.watches[wd]
	if w == nil {
		n.mu.Unlock()
		return abi.EINVAL
	}
	n.dropLocked(w)
	n.mu.Unlock()
	n.queue.Notify(abi.POLLIN | abi.POLLRDNORM)
	return nil
}

// dropLocked removes w and queues IN_IGNORED. Caller holds n.mu.
func (n *Inotify) dropLocked(w *watch) {
	delete(n.watches, w.wd)
	delete(n.byInode, w.in)
	detach(w)
	charge(&users.watches, n.uid, -1, 0)
	n.queueLocked(event{wd: w.wd, mask: abi.IN_IGNORED})
}

// queueLocked appends e, merging it with an identical last event and
// ending a full queue with IN_Q_OVERFLOW.
func (n *Inotify) queueLocked(e event) {
	if k := len(n.events); k > 0 {
		last := &n.events[k-1]
		if *last == e {
			return
		}
		if last.mask == abi.IN_Q_OVERFLOW {
			return
		}
	}
	if len(n.events) >= n.max {
		e = event{wd: -1, mask: abi.IN_Q_OVERFLOW}
	}
	n.events = append(n.events, e)
	n.bytes += e.size()
}

// deliver queues an event for w if its mask asks for it.
func (n *Inotify) deliver(w *watch, mask, cookie uint32, name string) {
	n.mu.Lock()
	if n.watches[w.wd] != w {
		n.mu.Unlock()
		return // removed meanwhile
	}
	if mask&vfs.EventUnlinked != 0 && w.mask&abi.IN_EXCL_UNLINK != 0 {
		n.mu.Unlock()
		return // about a file no longer linked: IN_EXCL_UNLINK drops it
	}
	mask &^= vfs.EventUnlinked
	queued := false
	if mask&w.mask&abi.IN_ALL_EVENTS != 0 {
		n.queueLocked(event{wd: w.wd, mask: mask, cookie: cookie, name: name})
		queued = true
	}
	if (queued && w.mask&abi.IN_ONESHOT != 0) || mask&abi.IN_DELETE_SELF != 0 {
		n.dropLocked(w)
		queued = true
	}
	n.mu.Unlock()
	if queued {
		n.queue.Notify(abi.POLLIN | abi.POLLRDNORM)
	}
}

// Pending returns the number of bytes a read could return (FIONREAD).
func (n *Inotify) Pending() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.bytes
}

// Watched returns the mask of watch wd and whether it exists.
func (n *Inotify) Watched(wd int32) (uint32, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	w := n.watches[wd]
	if w == nil {
		return 0, false
	}
	return w.mask, true
}

// Stream implements vfs.Streamer: reads have no position.
func (n *Inotify) Stream() bool { return true }

// Read returns whole struct inotify_event records.
func (n *Inotify) Read(c *vfs.Caller, f *vfs.File, dst []byte, _ int64) (int, error) {
	for {
		n.mu.Lock()
		if len(n.events) > 0 {
			if n.events[0].size() > len(dst) {
				n.mu.Unlock()
				return 0, abi.EINVAL
			}
			off, i := 0, 0
			for ; i < len(n.events) && off+n.events[i].size() <= len(dst); i++ {
				e := &n.events[i]
				e.encode(dst[off:])
				off += e.size()
			}
			n.events = append(n.events[:0:0], n.events[i:]...)
			n.bytes -= off
			n.mu.Unlock()
			return off, nil
		}
		n.mu.Unlock()
		if len(dst) == 0 {
			return 0, abi.EINVAL
		}
		if f != nil && f.Nonblocking() {
			return 0, abi.EAGAIN
		}
		w := vfs.NewWaiter()
		n.queue.Register(w, abi.POLLIN)
		if n.Pending() > 0 {
			n.queue.Unregister(w)
			continue
		}
		err := c.Block(w.C(), -1)
		n.queue.Unregister(w)
		if err != nil {
			return 0, err
		}
	}
}

// Write fails with EBADF: the descriptor is read-only.
func (n *Inotify) Write(*vfs.Caller, *vfs.File, []byte, int64) (int, error) { return 0, abi.EBADF }

// Readiness reports POLLIN while events are queued.
func (n *Inotify) Readiness(_ *vfs.File, mask uint32) uint32 {
	if n.Pending() > 0 {
		return mask & (abi.POLLIN | abi.POLLRDNORM)
	}
	return 0
}

// EventQueue implements vfs.FileImpl.
func (n *Inotify) EventQueue() *vfs.Queue { return &n.queue }

// Fasync implements vfs.Fasync: O_ASYNC signals the owner, as on Linux.
func (n *Inotify) Fasync() {}

// Ioctl implements FIONREAD.
func (n *Inotify) Ioctl(c *vfs.Caller, _ *vfs.File, cmd uint32, arg uintptr) (uintptr, error) {
	if cmd != abi.FIONREAD {
		return 0, abi.ENOTTY
	}
	if c == nil || c.Mem == nil {
		return 0, abi.EFAULT
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(n.Pending()))
	return 0, c.Mem.CopyOut(arg, b[:])
}

// Release removes every watch.
func (n *Inotify) Release(*vfs.File) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, w := range n.watches {
		detach(w)
	}
	charge(&users.watches, n.uid, -int64(len(n.watches)), 0)
	charge(&users.instances, n.uid, -1, 0)
	n.watches, n.byInode, n.events, n.bytes = map[int32]*watch{}, map[*vfs.Inode]*watch{}, nil, 0
}

// receiver is one party watching an inode: an inotify watch or a dnotify
// registration.
type receiver interface {
	inode() *vfs.Inode
	event(mask, cookie uint32, name string)
}

func (w *watch) inode() *vfs.Inode { return w.in }

func (w *watch) event(mask, cookie uint32, name string) { w.n.deliver(w, mask, cookie, name) }

// marks is the vfs.Watches of one inode: every inotify watch and dnotify
// registration on it.
type marks struct {
	in *vfs.Inode
	rs []receiver // guarded by marksMu
}

// marksMu guards every inode's marks and their attachment.
var marksMu sync.Mutex

// attach adds r to its inode's marks, attaching them if needed.
func attach(r receiver) {
	marksMu.Lock()
	defer marksMu.Unlock()
	attachLocked(r)
}

func attachLocked(r receiver) {
	in := r.inode()
	m, ok := in.Watches().(*marks)
	if !ok {
		m = &marks{in: in}
		in.SetWatches(m)
	}
	m.rs = append(m.rs, r)
}

// detach removes r from its inode's marks, detaching them when empty.
func detach(r receiver) {
	marksMu.Lock()
	defer marksMu.Unlock()
	detachLocked(r)
}

func detachLocked(r receiver) {
	in := r.inode()
	m, ok := in.Watches().(*marks)
	if !ok {
		return
	}
	for i, x := range m.rs {
		if x == r {
			m.rs = append(m.rs[:i:i], m.rs[i+1:]...)
			break
		}
	}
	if len(m.rs) == 0 {
		in.SetWatches(nil)
	}
}

// Event implements vfs.Watches.
func (m *marks) Event(mask, cookie uint32, name string) {
	marksMu.Lock()
	rs := append([]receiver(nil), m.rs...)
	marksMu.Unlock()
	for _, r := range rs {
		r.event(mask, cookie, name)
	}
}
