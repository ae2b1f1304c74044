package syscalls

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"aramid/kernel/abi"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

// pidfds: file descriptors that refer to a process. They become readable
// when the whole process has exited, carry signals to it without the race
// of a reused pid (pidfd_send_signal), fetch its descriptors
// (pidfd_getfd), name it to waitid (P_PIDFD), and come from pidfd_open or
// clone's CLONE_PIDFD.

func init() {
	full("pidfd_open", sysPidfdOpen)
	full("pidfd_send_signal", sysPidfdSendSignal)
	full("pidfd_getfd", sysPidfdGetfd)
	full("waitid", sysWaitid)
}

// pidFD is an open pidfd.
type pidFD struct {
	vfs.FileDefaults
	g      *task.ThreadGroup
	q      vfs.Queue
	cancel func()
}

func newPidFD(g *task.ThreadGroup) *pidFD {
	p := &pidFD{g: g}
	p.cancel = g.WatchExit(func() { p.q.Notify(abi.POLLIN | abi.POLLRDNORM) })
	return p
}

// Readiness is pidfd_poll: readable once the whole process has exited.
func (p *pidFD) Readiness(_ *vfs.File, mask uint32) uint32 {
	if p.g.Exited() {
		return mask & (abi.POLLIN | abi.POLLRDNORM)
	}
	return 0
}

// EventQueue is notified when the process exits.
func (p *pidFD) EventQueue() *vfs.Queue { return &p.q }

// Release stops watching the process.
func (p *pidFD) Release(*vfs.File) { p.cancel() }

// FDInfo implements vfs.FDInfoer: the pid, or -1 once the process has been
// reaped.
func (p *pidFD) FDInfo() string {
	nr := p.g.ID
	if p.g.Reaped() {
		nr = -1
	}
	return fmt.Sprintf("Pid:\t%d\nNSpid:\t%d\n", nr, nr)
}

// installPidFD gives t a new pidfd (always close-on-exec) for g.
func (s *System) installPidFD(t *task.Task, g *task.ThreadGroup, nonblock bool) (int32, error) {
	fl := uint32(abi.O_RDWR)
	if nonblock {
		fl |= abi.O_NONBLOCK
	}
	f := vfs.NewFile(newPidFD(g), vfs.AnonInode(), vfs.Path{}, fl)
	f.Name = "anon_inode:[pidfd]"
	fd, err := fds(t).Install(f, true, 0)
	if err != nil {
		f.DecRef()
	}
	return fd, err
}

// pidfdOf returns the process behind descriptor fd: EBADF if fd is not
// open or not a pidfd.
func pidfdOf(t *task.Task, fd int32) (*task.ThreadGroup, *vfs.File, error) {
	f, err := fds(t).Get(fd)
	if err != nil {
		return nil, nil, err
	}
	p, ok := f.Impl.(*pidFD)
	if !ok {
		f.DecRef()
		return nil, nil, abi.EBADF
	}
	return p.g, f, nil
}

func sysPidfdOpen(s *System, t *task.Task, a Args) (uint64, error) {
	pid, flags := a.Int(0), uint32(a[1])
	if flags&^abi.O_NONBLOCK != 0 || pid <= 0 {
		return 0, abi.EINVAL
	}
	g := s.K.Group(pid)
	if g == nil || g.Reaped() {
		if s.K.Task(pid) != nil {
			return 0, abi.EINVAL // a thread, not a process
		}
		return 0, abi.ESRCH
	}
	fd, err := s.installPidFD(t, g, flags&abi.O_NONBLOCK != 0)
	return uint64(fd), err
}

func sysPidfdSendSignal(s *System, t *task.Task, a Args) (uint64, error) {
	sig := abi.Signal(a.Int(1))
	if a[3] != 0 {
		return 0, abi.EINVAL
	}
	f, err := fds(t).Get(a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	g, err := s.signalTarget(f)
	if err != nil {
		return 0, err
	}
	var si *task.SigInfo
	if a[2] != 0 {
		info, err := readSiginfo(t, a[2])
		if err != nil {
			return 0, err
		}
		if info.Signo != sig {
			return 0, abi.EINVAL
		}
		// Only the kernel may claim kernel codes for someone else.
		if g != t.TG() && (info.Code >= 0 || info.Code == -6) {
			return 0, abi.EPERM
		}
		si = &info
	}
	return 0, t.SignalProcess(g, sig, si)
}

// readSiginfo reads a user siginfo_t's signal, code, pid, uid and value.
func readSiginfo(t *task.Task, addr uint64) (task.SigInfo, error) {
	b := make([]byte, 128)
	if err := t.MM().CopyIn(addr, b); err != nil {
		return task.SigInfo{}, err
	}
	le := binary.LittleEndian
	return task.SigInfo{Signo: abi.Signal(le.Uint32(b)), Errno: int32(le.Uint32(b[4:])), Code: int32(le.Uint32(b[8:])),
		PID: int32(le.Uint32(b[16:])), UID: le.Uint32(b[20:]), Value: le.Uint64(b[24:])}, nil
}

func sysPidfdGetfd(s *System, t *task.Task, a Args) (uint64, error) {
	if a[2] != 0 {
		return 0, abi.EINVAL
	}
	g, f, err := pidfdOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if g.Exited() { // Linux finds no task to take files from
		return 0, abi.ESRCH
	}
	if !t.PtraceMayAttach(g) {
		return 0, abi.EPERM
	}
	ft, _ := g.Files.(*vfs.FDTable)
	if ft == nil {
		return 0, abi.EBADF
	}
	tf, err := ft.Get(a.Int(1))
	if err != nil {
		return 0, abi.EBADF
	}
	fd, err := fds(t).Install(tf, true, 0)
	if err != nil {
		tf.DecRef()
	}
	return uint64(fd), err
}

// clonePidfdCheck validates CLONE_PIDFD's combination with other clone
// flags and the address the descriptor will be written to, before the
// child exists.
func clonePidfdCheck(t *task.Task, flags, addr uint64) error {
	if flags&(task.CloneThread|task.CloneDetached|task.CloneParentSetTID) != 0 {
		return abi.EINVAL
	}
	return t.MM().WriteUint32(addr, ^uint32(0))
}

// clonePidfd gives the parent a pidfd for a child just created with
// CLONE_PIDFD and stores it at addr.
func (s *System) clonePidfd(t *task.Task, child *task.Task, addr uint64) error {
	fd, err := s.installPidFD(t, child.TG(), false)
	if err != nil {
		return err
	}
	return t.MM().WriteUint32(addr, uint32(fd))
}

// P_PIDFD, waitid's idtype for a pidfd.
const pPIDFD = 3

func sysWaitid(s *System, t *task.Task, a Args) (uint64, error) {
	const pAll, pPID, pPGID = 0, 1, 2
	var pid int32
	opts := int(a[3])
	if opts&^(task.WNOHANG|task.WNOWAIT|task.WEXITED|task.WSTOPPED|task.WCONTINUED|task.WALL|task.WCLONE|0x20000000) != 0 ||
		opts&(task.WEXITED|task.WSTOPPED|task.WCONTINUED) == 0 {
		return 0, abi.EINVAL
	}
	nonblockFD := false
	switch a[0] {
	case pAll:
		pid = -1
	case pPID:
		pid = int32(a[1])
		if pid <= 0 {
			return 0, abi.EINVAL
		}
	case pPGID:
		pid = -int32(a[1])
		if a[1] == 0 {
			pid = 0
		}
	case pPIDFD:
		if int32(a[1]) < 0 {
			return 0, abi.EINVAL
		}
		g, f, err := pidfdOf(t, int32(a[1]))
		if err != nil {
			return 0, err
		}
		pid = g.ID
		nonblockFD = f.Nonblocking()
		f.DecRef()
		if nonblockFD {
			opts |= task.WNOHANG
		}
	default:
		return 0, abi.EINVAL
	}
	res, err := t.Wait(pid, opts)
	if err != nil {
		return 0, err
	}
	if res == nil && nonblockFD && int(a[3])&task.WNOHANG == 0 {
		return 0, abi.EAGAIN
	}
	if a[2] != 0 {
		b := make([]byte, 128)
		if res != nil {
			le := binary.LittleEndian
			le.PutUint32(b[0:], uint32(abi.SIGCHLD))
			le.PutUint32(b[8:], uint32(res.Code))
			le.PutUint32(b[16:], uint32(res.PID))
			le.PutUint32(b[20:], res.UID)
			le.PutUint32(b[24:], uint32(res.Signo))
		}
		if err := t.MM().CopyOut(a[2], b); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// signalTarget is the process a pidfd_send_signal descriptor names: a
// pidfd's, or the one a /proc/<pid> directory stands for (Linux accepts
// those too); EBADF for any other file, ESRCH for a process gone.
func (s *System) signalTarget(f *vfs.File) (*task.ThreadGroup, error) {
	if p, ok := f.Impl.(*pidFD); ok {
		return p.g, nil
	}
	in := f.Path.Inode
	if f.Path.Mount == nil || in == nil || f.Path.Mount.FS.Type() != "proc" || !in.IsDir() {
		return nil, abi.EBADF
	}
	parent, name := in.Parent()
	pid, err := strconv.Atoi(name)
	if err != nil || pid <= 0 || parent != f.Path.Mount.FS.Root() {
		return nil, abi.EBADF
	}
	g := s.K.Group(int32(pid))
	if g == nil || g.Reaped() {
		return nil, abi.ESRCH
	}
	return g, nil
}
