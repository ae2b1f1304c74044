package syscalls

import (
	"encoding/binary"
	"sync"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/fs/mqueue"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

// POSIX message queues (package kernel/fs/mqueue holds the queues and
// their filesystem). mq_notify supports SIGEV_SIGNAL and SIGEV_NONE;
// SIGEV_THREAD needs a netlink socket, and as no descriptor can be one
// here it fails as Linux does for a descriptor that is not one.

func init() {
	partial("mq_open", "RLIMIT_MSGQUEUE charged with Linux's per-message overheads; queue names are one namespace", sysMqOpen)
	full("mq_unlink", sysMqUnlink)
	full("mq_timedsend", sysMqTimedsend)
	full("mq_timedreceive", sysMqTimedreceive)
	partial("mq_notify", "SIGEV_SIGNAL and SIGEV_NONE; SIGEV_THREAD fails (EBADF, ENOTSOCK, EINVAL) as Linux does for a descriptor that is not a netlink socket, since none can be; closing a queue descriptor (close, close_range, dup2/dup3 over it, execve) drops the caller's registration, process exit ends it", sysMqNotify)
	full("mq_getsetattr", sysMqGetsetattr)
}

var mqOnce struct {
	sync.Once
	fs *mqueue.FS
}

// SetMqueue sets the mqueue filesystem (the one every mount of type
// mqueue shows); without it the first use makes one.
func (s *System) SetMqueue(fs *mqueue.FS) {
	mqOnce.Do(func() {
		fs.CreatorOf = s.mqCreatorOf
		mqOnce.fs = fs
	})
}

// Mqueue returns the message-queue filesystem.
func (s *System) Mqueue() *mqueue.FS {
	mqOnce.Do(func() {
		fs := mqueue.New(s.K.Now, abi.MakeDev(0, 0xfe))
		fs.CreatorOf = s.mqCreatorOf
		mqOnce.fs = fs
	})
	return mqOnce.fs
}

// mqCreatorOf describes the process behind c for queue creation.
func (s *System) mqCreatorOf(c *vfs.Caller) mqueue.Creator {
	t := s.K.Task(c.TID)
	if t == nil {
		return mqueue.Creator{UID: c.UID, GID: c.GID, RealUID: c.UID, SysResource: c.Capable(abi.CAP_SYS_RESOURCE), RlimitMsgqueue: 819200}
	}
	return mqCreator(t)
}

// mqCreator is the calling process as a queue creator.
func mqCreator(t *task.Task) mqueue.Creator {
	g := t.TG()
	cr := g.Creds()
	lim, _ := g.Rlimit(12, nil, false) // RLIMIT_MSGQUEUE
	return mqueue.Creator{UID: cr.FSUID, GID: cr.FSGID, RealUID: cr.UID, SysResource: cr.Capable(abi.CAP_SYS_RESOURCE),
		RlimitMsgqueue: lim.Cur}
}

// mqNameMax is PATH_MAX: getname's bound on the queue name.
const mqNameMax = 4096

// mqAttrSize is sizeof(struct mq_attr).
const mqAttrSize = 64

func sysMqOpen(s *System, t *task.Task, a Args) (uint64, error) {
	oflag := uint32(a[1])
	var attr *mqueue.Attr
	if a[3] != 0 {
		b := make([]byte, mqAttrSize)
		if err := t.MM().CopyIn(a[3], b); err != nil {
			return 0, err
		}
		attr = &mqueue.Attr{MaxMsg: int64(binary.LittleEndian.Uint64(b[8:])), MsgSize: int64(binary.LittleEndian.Uint64(b[16:]))}
	}
	name, err := t.MM().CopyInString(a[0], mqNameMax)
	if err != nil {
		return 0, err
	}
	g := t.TG()
	umask := uint32(0o022)
	if fsc, ok := g.FS.(*vfs.FSContext); ok {
		umask = fsc.Umask()
	}
	c := s.caller(t)
	f, err := s.Mqueue().Open(c, mqCreator(t), name, mqueue.OpenArgs{Flags: oflag, Perm: uint32(a[2]) &^ umask, Attr: attr})
	if err != nil {
		return 0, err
	}
	f.Name = "/" + name
	fd, err := fds(t).Install(f, true, 0) // always close-on-exec, as on Linux
	if err != nil {
		f.DecRef()
	}
	return uint64(fd), err
}

// mqFlush is mqueue_flush_file: a process closing a descriptor of a queue
// drops the notification it registered there.
func mqFlush(t *task.Task, f *vfs.File) {
	if mf, ok := f.Impl.(*mqueue.File); ok {
		mf.Queue().SetNotify(t.TG().ID, nil)
	}
}

// mqFilesIn returns (with a reference each) the message-queue files open
// at descriptors first..last, which a close_range or dup2 is about to
// close.
func mqFilesIn(t *task.Task, first, last uint32) []*vfs.File {
	var out []*vfs.File
	for _, fd := range fds(t).Fds() {
		if uint32(fd) < first || uint32(fd) > last {
			continue
		}
		f, err := fds(t).Get(fd)
		if err != nil {
			continue
		}
		if _, ok := f.Impl.(*mqueue.File); ok {
			out = append(out, f)
			continue
		}
		f.DecRef()
	}
	return out
}

// mqFlushFiles flushes files (when closed is true: the call that closed
// them succeeded) and drops the references mqFilesIn took.
func mqFlushFiles(t *task.Task, files []*vfs.File, closed bool) {
	for _, f := range files {
		if closed {
			mqFlush(t, f)
		}
		f.DecRef()
	}
}

// mqFlushOnExec flushes the message queues execve is about to close (every
// mq_open descriptor is close-on-exec), dropping g's registrations on them.
func mqFlushOnExec(g *task.ThreadGroup) {
	ft, ok := g.Files.(*vfs.FDTable)
	if !ok {
		return
	}
	for _, fd := range ft.Fds() {
		if fl, err := ft.GetFD(fd); err != nil || fl&abi.FD_CLOEXEC == 0 {
			continue
		}
		f, err := ft.Get(fd)
		if err != nil {
			continue
		}
		if mf, ok := f.Impl.(*mqueue.File); ok {
			mf.Queue().SetNotify(g.ID, nil)
		}
		f.DecRef()
	}
}

func sysMqUnlink(s *System, t *task.Task, a Args) (uint64, error) {
	name, err := t.MM().CopyInString(a[0], mqNameMax)
	if err != nil {
		return 0, err
	}
	if err := mqueue.CheckName(name); err != nil {
		return 0, err
	}
	fs := s.Mqueue()
	in := fs.Lookup(name)
	if in == nil {
		return 0, abi.ENOENT
	}
	c := s.caller(t)
	root := fs.Root().Attr()
	if err := vfs.CheckPermission(&c.Creds, &root, vfs.MayWrite|vfs.MayExec); err != nil {
		return 0, err
	}
	qa := in.Attr()
	if root.Mode&abi.S_ISVTX != 0 && c.UID != root.UID && c.UID != qa.UID && !c.Capable(abi.CAP_FOWNER) {
		return 0, abi.EPERM
	}
	return 0, fs.Root().Ops.(vfs.DirOps).Remove(fs.Root(), name, in)
}

// mqFile returns the queue behind descriptor fd: EBADF if it is not open
// or not a message queue.
func mqFile(t *task.Task, fd int32) (*mqueue.Queue, *vfs.File, error) {
	f, err := fds(t).Get(fd)
	if err != nil {
		return nil, nil, err
	}
	mf, ok := f.Impl.(*mqueue.File)
	if !ok || f.IsPath() {
		f.DecRef()
		return nil, nil, abi.EBADF
	}
	return mf.Queue(), f, nil
}

// mqDeadline reads an absolute CLOCK_REALTIME timeout (EFAULT, EINVAL);
// addr 0 means none (the zero time).
func mqDeadline(t *task.Task, addr uint64) (time.Time, error) {
	if addr == 0 {
		return time.Time{}, nil
	}
	d, err := readTimespec(t, addr)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, 0).Add(d), nil
}

func sysMqTimedsend(s *System, t *task.Task, a Args) (uint64, error) {
	deadline, err := mqDeadline(t, a[4])
	if err != nil {
		return 0, err
	}
	if a[3] >= mqueue.PrioMax {
		return 0, abi.EINVAL
	}
	q, f, err := mqFile(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if !f.Writable() {
		return 0, abi.EBADF
	}
	attr, _ := q.GetAttr()
	if int64(a[2]) > attr.MsgSize || int64(a[2]) < 0 {
		return 0, abi.EMSGSIZE
	}
	msg := make([]byte, a[2])
	if err := t.MM().CopyIn(a[1], msg); err != nil {
		return 0, err
	}
	from := mqueue.Sender{PID: t.TG().ID, UID: t.TG().Creds().UID}
	return 0, q.Send(s.caller(t), from, msg, uint32(a[3]), f.Nonblocking(), deadline)
}

func sysMqTimedreceive(s *System, t *task.Task, a Args) (uint64, error) {
	deadline, err := mqDeadline(t, a[4])
	if err != nil {
		return 0, err
	}
	q, f, err := mqFile(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if !f.Readable() {
		return 0, abi.EBADF
	}
	attr, _ := q.GetAttr()
	if int64(a[2]) < attr.MsgSize {
		return 0, abi.EMSGSIZE
	}
	buf := make([]byte, attr.MsgSize)
	n, prio, err := q.Receive(s.caller(t), buf, f.Nonblocking(), deadline)
	if err != nil {
		return 0, err
	}
	// The message is gone from the queue whatever the copies do, as on
	// Linux.
	if err := t.MM().CopyOut(a[1], buf[:n]); err != nil {
		return 0, err
	}
	if a[3] != 0 {
		if err := t.MM().WriteUint32(a[3], prio); err != nil {
			return 0, err
		}
	}
	return uint64(n), nil
}

// siMesgq is SI_MESGQ, the si_code of a queue notification.
const siMesgq = -3

func sysMqNotify(s *System, t *task.Task, a Args) (uint64, error) {
	var n *mqueue.Notification
	if a[1] != 0 {
		// struct sigevent: sigev_value (8), sigev_signo (4), sigev_notify (4).
		b := make([]byte, 64)
		if err := t.MM().CopyIn(a[1], b); err != nil {
			return 0, err
		}
		value := binary.LittleEndian.Uint64(b)
		signo := int32(binary.LittleEndian.Uint32(b[8:]))
		kind := int32(binary.LittleEndian.Uint32(b[12:]))
		switch kind {
		case mqueue.SigevNone, mqueue.SigevSignal:
		case mqueue.SigevThread:
			// The cookie, then the netlink socket named by sigev_signo.
			cookie := make([]byte, 32)
			if err := t.MM().CopyIn(value, cookie); err != nil {
				return 0, err
			}
			f, err := fds(t).Get(signo)
			if err != nil {
				return 0, abi.EBADF
			}
			isSock := f.Inode != nil && f.Inode.Mode()&abi.S_IFMT == abi.S_IFSOCK
			f.DecRef()
			if !isSock {
				return 0, abi.ENOTSOCK
			}
			return 0, abi.EINVAL // a socket, but no socket here is AF_NETLINK
		default:
			return 0, abi.EINVAL
		}
		if kind == mqueue.SigevSignal && (signo < 0 || signo > int32(abi.SIGRTMAX)) {
			return 0, abi.EINVAL
		}
		owner := t.TG()
		// A registration ends with its process (Linux drops it when the
		// process's descriptors are flushed at exit).
		n = &mqueue.Notification{Owner: owner.ID, Kind: kind, Signo: signo, Valid: func() bool { return !owner.Exited() }}
		if kind == mqueue.SigevSignal && signo != 0 { // signal 0 registers but sends nothing
			n.Fire = func(pid int32, uid uint32) {
				owner.Queue(nil, task.SigInfo{Signo: abi.Signal(signo), Code: siMesgq, PID: pid, UID: uid, Value: value})
			}
		}
	}
	q, f, err := mqFile(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return 0, q.SetNotify(t.TG().ID, n)
}

func sysMqGetsetattr(s *System, t *task.Task, a Args) (uint64, error) {
	var newFlags uint64
	if a[1] != 0 {
		b := make([]byte, mqAttrSize)
		if err := t.MM().CopyIn(a[1], b); err != nil {
			return 0, err
		}
		if newFlags = binary.LittleEndian.Uint64(b); newFlags&^abi.O_NONBLOCK != 0 {
			return 0, abi.EINVAL
		}
	}
	q, f, err := mqFile(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	attr, cur := q.GetAttr()
	old := make([]byte, mqAttrSize)
	binary.LittleEndian.PutUint64(old, uint64(f.Flags()&abi.O_NONBLOCK))
	binary.LittleEndian.PutUint64(old[8:], uint64(attr.MaxMsg))
	binary.LittleEndian.PutUint64(old[16:], uint64(attr.MsgSize))
	binary.LittleEndian.PutUint64(old[24:], uint64(cur))
	if a[1] != 0 {
		f.SetFlags(f.Flags()&^abi.O_NONBLOCK | uint32(newFlags))
	}
	if a[2] != 0 {
		return 0, t.MM().CopyOut(a[2], old)
	}
	return 0, nil
}
