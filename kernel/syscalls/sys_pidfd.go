package syscalls

import (
	"strconv"
	"sync"

	"aramid/kernel/abi"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

func init() {
	partial("pidfd_open", "process pidfds (no PIDFD_THREAD): readable (POLLIN) once the process exits; no fdinfo, no waitid(P_PIDFD)", sysPidfdOpen)
	partial("pidfd_send_signal", "to a pidfd or a /proc/<pid> directory, with or without siginfo; flags must be 0", sysPidfdSendSignal)
}

// pidFile is the file behind a pidfd: the process it names.
type pidFile struct {
	vfs.FileDefaults
	g      *task.ThreadGroup
	q      vfs.Queue
	cancel func()
	once   sync.Once
}

// Readiness implements vfs.FileImpl: POLLIN once the process has exited,
// as Linux's pidfd_poll reports it.
func (p *pidFile) Readiness(_ *vfs.File, mask uint32) uint32 {
	if p.g.Exited() {
		return (abi.POLLIN | abi.POLLRDNORM) & mask
	}
	return 0
}

// EventQueue implements vfs.FileImpl.
func (p *pidFile) EventQueue() *vfs.Queue { return &p.q }

// Release implements vfs.FileImpl.
func (p *pidFile) Release(*vfs.File) { p.once.Do(p.cancel) }

// sysPidfdOpen is pidfd_open(pid, flags): a process (thread-group leader)
// by pid, O_RDWR and close-on-exec, PIDFD_NONBLOCK (O_NONBLOCK) the only
// flag.
func sysPidfdOpen(s *System, t *task.Task, a Args) (uint64, error) {
	pid, flags := int32(a[0]), uint32(a[1])
	if flags&^abi.O_NONBLOCK != 0 || pid <= 0 {
		return 0, abi.EINVAL
	}
	g := s.K.Group(pid)
	if g == nil {
		if s.K.Task(pid) != nil {
			return 0, abi.EINVAL // a thread, not a process
		}
		return 0, abi.ESRCH
	}
	p := &pidFile{g: g}
	p.cancel = g.WatchExit(func() { p.q.Notify(abi.POLLIN | abi.POLLRDNORM) })
	fd, err := s.installAnon(t, p, "anon_inode:[pidfd]", abi.O_RDWR|flags, true)
	if err != nil {
		p.once.Do(p.cancel)
		return 0, err
	}
	return fd, nil
}

// pidfdTarget is the process a pidfd_send_signal descriptor names: a
// pidfd's, or the one a /proc/<pid> directory stands for (Linux accepts
// those too); EBADF for any other file.
func (s *System) pidfdTarget(f *vfs.File) (*task.ThreadGroup, error) {
	if p, ok := f.Impl.(*pidFile); ok {
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
	if g == nil {
		return nil, abi.ESRCH
	}
	return g, nil
}

// sysPidfdSendSignal is pidfd_send_signal(fd, sig, info, flags): kill(2)
// of the process the descriptor names, or rt_sigqueueinfo(2) when info is
// given (its si_signo must be sig); ESRCH once the process is reaped.
func sysPidfdSendSignal(s *System, t *task.Task, a Args) (uint64, error) {
	sig, info, flags := abi.Signal(a[1]), a[2], a[3]
	if flags != 0 {
		return 0, abi.EINVAL
	}
	f, err := fds(t).Get(a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	g, err := s.pidfdTarget(f)
	if err != nil {
		return 0, err
	}
	if info != 0 {
		signo, err := t.MM().ReadUint32(info)
		if err != nil {
			return 0, err
		}
		if abi.Signal(signo) != sig {
			return 0, abi.EINVAL
		}
	}
	if s.K.Group(g.ID) != g {
		return 0, abi.ESRCH // reaped
	}
	if info == 0 {
		return 0, t.Kill(g.ID, sig)
	}
	return 0, s.sigqueue(t, g.ID, 0, sig, info)
}
