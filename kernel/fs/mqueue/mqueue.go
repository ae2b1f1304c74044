// Package mqueue implements POSIX message queues and the mqueue
// filesystem that holds them (mount -t mqueue, usually on /dev/mqueue):
// one flat directory of queues, each a file whose read returns the
// "QSIZE:... NOTIFY:... SIGNO:... NOTIFY_PID:..." line, created and
// removed by mq_open/mq_unlink or by open(O_CREAT)/unlink on the mount.
// Every mount of the type is the same instance, as in one IPC namespace.
//
// Messages are kept highest priority first, oldest first within a
// priority. Senders and receivers block on a channel that is closed and
// replaced on every change of the queue (the package's one wait idiom).
//
// Locking: FS.mu (the directory, the limits in use, per-user byte
// accounting) is taken before Queue.mu. Notification callbacks run with
// Queue.mu held and must not block or call back into the queue.
package mqueue

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/fs/procfs"
	"aramid/kernel/vfs"
)

// Limits from ipc/mqueue.c and linux/ipc_namespace.h.
const (
	HardMsgMax     = 65536    // HARD_MSGMAX
	HardMsgsizeMax = 16 << 20 // HARD_MSGSIZEMAX
	MinMsgMax      = 1        // MIN_MSGMAX
	MinMsgsizeMax  = 128      // MIN_MSGSIZEMAX
	PrioMax        = 32768    // MQ_PRIO_MAX
	fileSize       = 80       // FILENT_SIZE: every queue file's st_size
	// msgOverhead and nodeOverhead are sizeof(struct msg_msg) and
	// sizeof(struct posix_msg_tree_node), charged per possible message and
	// per possible priority against RLIMIT_MSGQUEUE.
	msgOverhead  = 48
	nodeOverhead = 48
	// Magic is MQUEUE_MAGIC (statfs f_type).
	Magic = 0x19800202
)

// Tunables are /proc/sys/fs/mqueue/*.
type Tunables struct {
	MsgMax, MsgsizeMax, QueuesMax, MsgDefault, MsgsizeDefault atomic.Int64
}

// defaultRlimit is RLIMIT_MSGQUEUE's default (MQ_BYTES_MAX).
const defaultRlimit = 819200

// FS is the mqueue filesystem: the IPC namespace's queues.
type FS struct {
	Limits Tunables
	// CreatorOf describes the process behind a file-layer caller (its
	// real uid, CAP_SYS_RESOURCE, RLIMIT_MSGQUEUE) for queues created
	// with open(2) on the mount; set by the system-call layer.
	CreatorOf func(c *vfs.Caller) Creator
	clock     func() time.Time
	dev       uint64
	root      *vfs.Inode
	nextIn    atomic.Uint64

	mu        sync.Mutex
	names     map[string]*vfs.Inode
	count     int64            // queues in existence (queues_max)
	userBytes map[uint32]int64 // RLIMIT_MSGQUEUE accounting by creator
}

// New returns an empty mqueue filesystem with Linux's default limits.
func New(clock func() time.Time, dev uint64) *FS {
	fs := &FS{clock: clock, dev: dev, names: map[string]*vfs.Inode{}, userBytes: map[uint32]int64{}}
	fs.Limits.MsgMax.Store(10)
	fs.Limits.MsgsizeMax.Store(8192)
	fs.Limits.QueuesMax.Store(256)
	fs.Limits.MsgDefault.Store(10)
	fs.Limits.MsgsizeDefault.Store(8192)
	now := abi.TimeToTimespec(clock())
	fs.root = vfs.NewInode(fs, fs.nextIn.Add(1), vfs.Attr{Mode: abi.S_IFDIR | abi.S_ISVTX | 0o777, Nlink: 2,
		Atime: now, Mtime: now, Ctime: now}, &dirOps{fs: fs})
	fs.root.SetParent(fs.root, "")
	return fs
}

func (fs *FS) Type() string     { return "mqueue" }
func (fs *FS) Root() *vfs.Inode { return fs.root }
func (fs *FS) Dev() uint64      { return fs.dev }
func (fs *FS) Statfs() abi.Statfs {
	return abi.Statfs{Type: Magic, Bsize: 4096, Frsize: 4096, Namelen: 255}
}

// Attr is struct mq_attr's queue part.
type Attr struct {
	MaxMsg, MsgSize int64
}

// Creator is who creates a queue: the owner (filesystem ids), the real
// uid whose RLIMIT_MSGQUEUE budget it is charged to, whether it holds
// CAP_SYS_RESOURCE, and its RLIMIT_MSGQUEUE.
type Creator struct {
	UID, GID       uint32
	RealUID        uint32
	SysResource    bool
	RlimitMsgqueue uint64
}

// Message is one queued message.
type message struct {
	prio uint32
	data []byte
}

// Queue is one message queue (the operations of its inode).
type Queue struct {
	fs    *FS
	in    *vfs.Inode
	attr  Attr
	owner uint32 // real uid charged for its bytes
	bytes int64

	mu       sync.Mutex
	msgs     []message // highest priority first, FIFO within one
	qsize    int64     // bytes of message data
	changed  chan struct{}
	waitRecv int // receivers blocked
	opens    int
	unlinked bool
	notify   *Notification
	events   vfs.Queue
}

// Notification is an mq_notify registration.
type Notification struct {
	Owner int32 // the registering process
	Kind  int32 // SIGEV_SIGNAL, SIGEV_NONE
	Signo int32
	// Fire delivers the notification; it runs once, with the queue's lock
	// held, when a message from process pid (real uid uid) arrives in the
	// empty queue and nobody is blocked receiving. Nil for SIGEV_NONE.
	Fire func(pid int32, uid uint32)
	// Valid reports whether the registration still stands (its process
	// lives); nil means always.
	Valid func() bool
}

// liveLocked returns the registration if it still stands; q.mu is held.
func (q *Queue) liveLocked() *Notification {
	if n := q.notify; n != nil && n.Valid != nil && !n.Valid() {
		q.notify = nil
	}
	return q.notify
}

// Sender identifies who sends a message, for the notification.
type Sender struct {
	PID int32
	UID uint32
}

// sigev_notify values.
const (
	SigevSignal = 0
	SigevNone   = 1
	SigevThread = 2
)

type dirOps struct{ fs *FS }

func (d *dirOps) Open(c *vfs.Caller, in *vfs.Inode, flags uint32) (vfs.FileImpl, error) {
	return &dirFile{fs: d.fs}, nil
}

type dirFile struct {
	vfs.FileDefaults
	fs *FS
}

func (d *dirOps) Lookup(dir *vfs.Inode, name string) (*vfs.Inode, error) {
	d.fs.mu.Lock()
	defer d.fs.mu.Unlock()
	if in := d.fs.names[name]; in != nil {
		return in, nil
	}
	return nil, abi.ENOENT
}

// Create makes a queue with the default attributes (open(O_CREAT) on the
// mount); other file types are EINVAL, as mqueue has no such operations.
func (d *dirOps) Create(dir *vfs.Inode, name string, args vfs.CreateArgs) (*vfs.Inode, error) {
	if args.Mode&abi.S_IFMT != abi.S_IFREG {
		return nil, abi.EPERM
	}
	cr := Creator{UID: args.UID, GID: args.GID, RealUID: args.UID, RlimitMsgqueue: defaultRlimit}
	if c := args.Caller; c != nil {
		cr.SysResource = c.Capable(abi.CAP_SYS_RESOURCE)
		if d.fs.CreatorOf != nil {
			cr = d.fs.CreatorOf(c)
			cr.UID, cr.GID = args.UID, args.GID
		}
	} else {
		cr.SysResource = true // the kernel itself
	}
	return d.fs.create(name, args.Mode&0o7777, cr, nil)
}

func (d *dirOps) Link(dir *vfs.Inode, name string, target *vfs.Inode) error { return abi.EPERM }

func (d *dirOps) Remove(dir *vfs.Inode, name string, child *vfs.Inode) error {
	return d.fs.remove(name, child)
}

func (d *dirOps) Rename(dir *vfs.Inode, oldName string, newDir *vfs.Inode, newName string, flags uint32) error {
	return abi.EPERM
}

func (d *dirOps) IterDir(dir *vfs.Inode, off int64, emit vfs.DirEmit) error {
	d.fs.mu.Lock()
	names := make([]string, 0, len(d.fs.names))
	for n := range d.fs.names {
		names = append(names, n)
	}
	inos := map[string]uint64{}
	for n, in := range d.fs.names {
		inos[n] = in.Ino
	}
	d.fs.mu.Unlock()
	sort.Strings(names)
	all := append([]string{".", ".."}, names...)
	for i := int(off); i < len(all); i++ {
		ino, typ := uint64(0), uint8(abi.DT_REG)
		switch all[i] {
		case ".", "..":
			ino, typ = dir.Ino, abi.DT_DIR
		default:
			ino = inos[all[i]]
		}
		if !emit(all[i], ino, typ, int64(i+1)) {
			return nil
		}
	}
	return nil
}

// create makes queue name (FS.mu not held). attr nil means the defaults.
func (fs *FS) create(name string, perm uint32, cr Creator, attr *Attr) (*vfs.Inode, error) {
	a := Attr{MaxMsg: min(fs.Limits.MsgDefault.Load(), fs.Limits.MsgMax.Load()),
		MsgSize: min(fs.Limits.MsgsizeDefault.Load(), fs.Limits.MsgsizeMax.Load())}
	if attr != nil {
		a = *attr
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.names[name] != nil {
		return nil, abi.EEXIST
	}
	if fs.count >= fs.Limits.QueuesMax.Load() && !cr.SysResource {
		return nil, abi.ENOSPC
	}
	if a.MaxMsg <= 0 || a.MsgSize <= 0 {
		return nil, abi.EINVAL
	}
	if cr.SysResource {
		if a.MaxMsg > HardMsgMax || a.MsgSize > HardMsgsizeMax {
			return nil, abi.EINVAL
		}
	} else if a.MaxMsg > fs.Limits.MsgMax.Load() || a.MsgSize > fs.Limits.MsgsizeMax.Load() {
		return nil, abi.EINVAL
	}
	bytes := a.MaxMsg*msgOverhead + min(a.MaxMsg, PrioMax)*nodeOverhead + a.MaxMsg*a.MsgSize
	if u := fs.userBytes[cr.RealUID]; uint64(u+bytes) > cr.RlimitMsgqueue {
		return nil, abi.EMFILE
	}
	fs.userBytes[cr.RealUID] += bytes
	fs.count++
	q := &Queue{fs: fs, attr: a, owner: cr.RealUID, bytes: bytes, changed: make(chan struct{})}
	now := abi.TimeToTimespec(fs.clock())
	in := vfs.NewInode(fs, fs.nextIn.Add(1), vfs.Attr{Mode: abi.S_IFREG | perm, UID: cr.UID, GID: cr.GID, Nlink: 1,
		Size: fileSize, Atime: now, Mtime: now, Ctime: now, Btime: now}, q)
	q.in = in
	fs.names[name] = in
	fs.root.Update(func(ra *vfs.Attr) { ra.Mtime, ra.Ctime = now, now })
	return in, nil
}

// remove unlinks name; the queue lives on while it is open.
func (fs *FS) remove(name string, in *vfs.Inode) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.names[name] != in {
		return abi.ENOENT
	}
	delete(fs.names, name)
	now := abi.TimeToTimespec(fs.clock())
	fs.root.Update(func(ra *vfs.Attr) { ra.Mtime, ra.Ctime = now, now })
	in.Update(func(a *vfs.Attr) { a.Nlink = 0; a.Ctime = now })
	q := in.Ops.(*Queue)
	q.mu.Lock()
	q.unlinked = true
	gone := q.opens == 0
	q.mu.Unlock()
	if gone {
		fs.destroyLocked(q)
	}
	return nil
}

// destroyLocked returns a dead queue's accounting; FS.mu is held.
func (fs *FS) destroyLocked(q *Queue) {
	fs.count--
	fs.userBytes[q.owner] -= q.bytes
	if fs.userBytes[q.owner] == 0 {
		delete(fs.userBytes, q.owner)
	}
}

// Lookup returns the queue inode called name.
func (fs *FS) Lookup(name string) *vfs.Inode {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.names[name]
}

// OpenArgs are mq_open's arguments after the name.
type OpenArgs struct {
	Flags uint32 // O_ACCMODE, O_CREAT, O_EXCL, O_NONBLOCK
	Perm  uint32 // umask applied
	Attr  *Attr
}

// Open implements mq_open's lookup, creation and permission check and
// returns the open queue.
func (fs *FS) Open(c *vfs.Caller, cr Creator, name string, o OpenArgs) (*vfs.File, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	in := fs.Lookup(name)
	if in == nil {
		if o.Flags&abi.O_CREAT == 0 {
			return nil, abi.ENOENT
		}
		if err := vfs.CheckPermission(&c.Creds, ptr(fs.root.Attr()), vfs.MayWrite|vfs.MayExec); err != nil {
			return nil, err
		}
		var err error
		if in, err = fs.create(name, o.Perm&0o7777, cr, o.Attr); err != nil {
			return nil, err
		}
	} else {
		if o.Flags&(abi.O_CREAT|abi.O_EXCL) == abi.O_CREAT|abi.O_EXCL {
			return nil, abi.EEXIST
		}
		if o.Flags&abi.O_ACCMODE == abi.O_ACCMODE {
			return nil, abi.EINVAL
		}
		acc := [3]uint32{vfs.MayRead, vfs.MayWrite, vfs.MayRead | vfs.MayWrite}[o.Flags&abi.O_ACCMODE]
		if err := vfs.CheckPermission(&c.Creds, ptr(in.Attr()), acc); err != nil {
			return nil, err
		}
	}
	q := in.Ops.(*Queue)
	impl, _ := q.Open(c, in, o.Flags)
	return vfs.NewFile(impl, in, vfs.Path{}, o.Flags&(abi.O_ACCMODE|abi.O_NONBLOCK)), nil
}

func ptr(a vfs.Attr) *vfs.Attr { return &a }

// CheckName refuses what getname and lookup_one_len refuse in a queue
// name: empty (ENOENT), ".", ".." or containing '/' (EACCES).
func CheckName(name string) error {
	if name == "" {
		return abi.ENOENT
	}
	if name == "." || name == ".." || strings.IndexByte(name, '/') >= 0 {
		return abi.EACCES
	}
	return nil
}

// Open returns an open file on the queue (mq_open, or open(2) on the
// mount).
func (q *Queue) Open(c *vfs.Caller, in *vfs.Inode, flags uint32) (vfs.FileImpl, error) {
	q.mu.Lock()
	q.opens++
	q.mu.Unlock()
	return &File{q: q, in: in}, nil
}

// File is an open queue: a message queue descriptor.
type File struct {
	vfs.FileDefaults
	q  *Queue
	in *vfs.Inode
}

// Queue returns the queue.
func (f *File) Queue() *Queue { return f.q }

// Release closes the descriptor; an unlinked queue dies with its last.
func (f *File) Release(*vfs.File) {
	q := f.q
	q.fs.mu.Lock()
	defer q.fs.mu.Unlock()
	q.mu.Lock()
	q.opens--
	gone := q.opens == 0 && q.unlinked
	q.mu.Unlock()
	if gone {
		q.fs.destroyLocked(q)
	}
}

// Read returns the queue's status line (read(2) on a queue descriptor or
// its file in the mount).
func (f *File) Read(c *vfs.Caller, vf *vfs.File, dst []byte, off int64) (int, error) {
	line := []byte(f.q.Status())
	now := abi.TimeToTimespec(f.q.fs.clock())
	f.in.Update(func(a *vfs.Attr) { a.Atime = now })
	if off >= int64(len(line)) {
		return 0, nil
	}
	return copy(dst, line[off:]), nil
}

// Readiness is mqueue_poll_file: readable with a message, writable with
// room, whatever the descriptor's access mode.
func (f *File) Readiness(_ *vfs.File, mask uint32) uint32 {
	q := f.q
	q.mu.Lock()
	defer q.mu.Unlock()
	var r uint32
	if len(q.msgs) > 0 {
		r |= abi.POLLIN | abi.POLLRDNORM
	}
	if int64(len(q.msgs)) < q.attr.MaxMsg {
		r |= abi.POLLOUT | abi.POLLWRNORM
	}
	return r & mask
}

// EventQueue is notified on every send and receive.
func (f *File) EventQueue() *vfs.Queue { return &f.q.events }

// Status is the line reading a queue file returns.
func (q *Queue) Status() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	var kind, signo, pid int32
	if n := q.liveLocked(); n != nil {
		kind, pid = n.Kind, n.Owner
		if n.Kind == SigevSignal {
			signo = n.Signo
		}
	}
	return "QSIZE:" + pad(strconv.FormatInt(q.qsize, 10), 10) + " NOTIFY:" + pad(strconv.Itoa(int(kind)), 5) +
		" SIGNO:" + pad(strconv.Itoa(int(signo)), 5) + " NOTIFY_PID:" + pad(strconv.Itoa(int(pid)), 6) + "\n"
}

func pad(s string, n int) string {
	for len(s) < n {
		s += " "
	}
	return s
}

// GetAttr returns the queue's attributes and message count.
func (q *Queue) GetAttr() (Attr, int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.attr, int64(len(q.msgs))
}

// changedLocked wakes every sleeper and poller; q.mu is held.
func (q *Queue) changedLocked() {
	close(q.changed)
	q.changed = make(chan struct{})
	q.events.Notify(abi.POLLIN | abi.POLLRDNORM | abi.POLLOUT | abi.POLLWRNORM)
}

// Send queues msg with priority prio (mq_timedsend). The caller has
// checked the priority and that msg fits. With a full queue it returns
// EAGAIN if nonblock, else waits until deadline (zero: forever) for
// room: ETIMEDOUT, or the blocker's error for a signal.
func (q *Queue) Send(c *vfs.Caller, from Sender, msg []byte, prio uint32, nonblock bool, deadline time.Time) error {
	for {
		q.mu.Lock()
		if int64(len(q.msgs)) < q.attr.MaxMsg {
			i := sort.Search(len(q.msgs), func(i int) bool { return q.msgs[i].prio < prio })
			q.msgs = append(q.msgs, message{})
			copy(q.msgs[i+1:], q.msgs[i:])
			q.msgs[i] = message{prio: prio, data: msg}
			q.qsize += int64(len(msg))
			if n := q.liveLocked(); n != nil && len(q.msgs) == 1 && q.waitRecv == 0 {
				q.notify = nil
				if n.Fire != nil {
					n.Fire(from.PID, from.UID)
				}
			}
			q.changedLocked()
			q.mu.Unlock()
			q.touch(true)
			return nil
		}
		ch := q.changed
		q.mu.Unlock()
		if nonblock {
			return abi.EAGAIN
		}
		if err := q.wait(c, ch, deadline); err != nil {
			return err
		}
	}
}

// Receive takes the oldest message of the highest priority into dst,
// which the caller checked holds the queue's message size, and returns
// its length and priority; blocking as Send does.
func (q *Queue) Receive(c *vfs.Caller, dst []byte, nonblock bool, deadline time.Time) (int, uint32, error) {
	for {
		q.mu.Lock()
		if len(q.msgs) > 0 {
			m := q.msgs[0]
			q.msgs = append(q.msgs[:0], q.msgs[1:]...)
			q.qsize -= int64(len(m.data))
			q.changedLocked()
			q.mu.Unlock()
			q.touch(false)
			return copy(dst, m.data), m.prio, nil
		}
		ch := q.changed
		if nonblock {
			q.mu.Unlock()
			return 0, 0, abi.EAGAIN
		}
		q.waitRecv++
		q.mu.Unlock()
		err := q.wait(c, ch, deadline)
		q.mu.Lock()
		q.waitRecv--
		q.mu.Unlock()
		if err != nil {
			return 0, 0, err
		}
	}
}

// wait sleeps on ch until deadline (zero: none).
func (q *Queue) wait(c *vfs.Caller, ch <-chan struct{}, deadline time.Time) error {
	timeout := time.Duration(-1)
	if !deadline.IsZero() {
		if timeout = deadline.Sub(q.fs.clock()); timeout <= 0 {
			return abi.ETIMEDOUT
		}
	}
	return c.Block(ch, timeout)
}

// touch updates the queue file's access, change and modification times
// after a send or receive, as Linux does for both.
func (q *Queue) touch(bool) {
	now := abi.TimeToTimespec(q.fs.clock())
	q.in.Update(func(a *vfs.Attr) { a.Atime, a.Mtime, a.Ctime = now, now, now })
}

// SetNotify implements mq_notify: n nil removes the caller's (owner's)
// registration; otherwise EBUSY if someone is registered.
func (q *Queue) SetNotify(owner int32, n *Notification) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	cur := q.liveLocked()
	if n == nil {
		if cur != nil && cur.Owner == owner {
			q.notify = nil
		}
		return nil
	}
	if cur != nil {
		return abi.EBUSY
	}
	q.notify = n
	return nil
}

// ProcTunables returns /proc/sys/fs/mqueue/* with Linux's bounds
// (proc_dointvec_minmax; queues_max takes any non-negative int).
func (fs *FS) ProcTunables() map[string]procfs.Tunable {
	t := func(v *atomic.Int64, lo, hi int64) procfs.Tunable {
		return procfs.Tunable{
			Get: func() string { return strconv.FormatInt(v.Load(), 10) },
			Set: func(s string) error {
				n, err := strconv.ParseInt(s, 10, 32)
				if err != nil || n < lo || n > hi {
					return abi.EINVAL
				}
				v.Store(n)
				return nil
			},
		}
	}
	return map[string]procfs.Tunable{
		"fs/mqueue/msg_max":         t(&fs.Limits.MsgMax, MinMsgMax, HardMsgMax),
		"fs/mqueue/msgsize_max":     t(&fs.Limits.MsgsizeMax, MinMsgsizeMax, HardMsgsizeMax),
		"fs/mqueue/queues_max":      t(&fs.Limits.QueuesMax, 0, 1<<31-1),
		"fs/mqueue/msg_default":     t(&fs.Limits.MsgDefault, MinMsgMax, HardMsgMax),
		"fs/mqueue/msgsize_default": t(&fs.Limits.MsgsizeDefault, MinMsgsizeMax, HardMsgsizeMax),
	}
}
