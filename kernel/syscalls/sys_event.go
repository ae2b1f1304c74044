package syscalls

import (
	"encoding/binary"
	"sync"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/event"
	"aramid/kernel/mm"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

func init() {
	full("epoll_create", func(s *System, t *task.Task, a Args) (uint64, error) {
		if int32(a[0]) <= 0 {
			return 0, abi.EINVAL
		}
		return s.installAnon(t, event.NewEpoll(), "anon_inode:[eventpoll]", abi.O_RDWR, false)
	})
	full("epoll_create1", func(s *System, t *task.Task, a Args) (uint64, error) {
		if a[0]&^abi.EPOLL_CLOEXEC != 0 {
			return 0, abi.EINVAL
		}
		return s.installAnon(t, event.NewEpoll(), "anon_inode:[eventpoll]", abi.O_RDWR, a[0]&abi.EPOLL_CLOEXEC != 0)
	})
	full("epoll_ctl", sysEpollCtl)
	full("epoll_wait", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.epollWait(t, a.Int(0), a[1], a.Int(2), msTimeout(int32(a[3])), 0, false)
	})
	full("epoll_pwait", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.epollWait(t, a.Int(0), a[1], a.Int(2), msTimeout(int32(a[3])), a[4], true)
	})
	full("epoll_pwait2", func(s *System, t *task.Task, a Args) (uint64, error) {
		timeout := time.Duration(-1)
		if a[3] != 0 {
			d, err := readTimespec(t, a[3])
			if err != nil {
				return 0, err
			}
			timeout = d
		}
		return s.epollWait(t, a.Int(0), a[1], a.Int(2), timeout, a[4], true)
	})
	full("eventfd", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.installAnon(t, event.NewEventFD(uint64(uint32(a[0])), false), "anon_inode:[eventfd]", abi.O_RDWR, false)
	})
	full("eventfd2", func(s *System, t *task.Task, a Args) (uint64, error) {
		const efdSemaphore = 1
		if a[1]&^(abi.O_CLOEXEC|abi.O_NONBLOCK|efdSemaphore) != 0 {
			return 0, abi.EINVAL
		}
		e := event.NewEventFD(uint64(uint32(a[0])), a[1]&efdSemaphore != 0)
		return s.installAnon(t, e, "anon_inode:[eventfd]", abi.O_RDWR|uint32(a[1])&abi.O_NONBLOCK, a[1]&abi.O_CLOEXEC != 0)
	})
	partial("timerfd_create", "CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME (and _ALARM); TFD_TIMER_CANCEL_ON_SET accepted, never cancels", sysTimerfdCreate)
	full("timerfd_settime", sysTimerfdSettime)
	full("timerfd_gettime", func(s *System, t *task.Task, a Args) (uint64, error) {
		tf, f, err := timerfdOf(t, a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		v, i := tf.Get()
		return 0, writeItimerspec(t, a[1], i, v)
	})
	full("signalfd", func(s *System, t *task.Task, a Args) (uint64, error) { return s.signalfd(t, a.Int(0), a[1], a[2], 0) })
	full("signalfd4", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.signalfd(t, a.Int(0), a[1], a[2], uint32(a[3]))
	})
}

func msTimeout(ms int32) time.Duration {
	if ms < 0 {
		return -1
	}
	return time.Duration(ms) * time.Millisecond
}

// installAnon installs an anonymous file (no path) in t's table.
func (s *System) installAnon(t *task.Task, impl vfs.FileImpl, name string, flags uint32, cloexec bool) (uint64, error) {
	f := vfs.NewFile(impl, vfs.AnonInode(), vfs.Path{}, flags)
	f.Name = name
	fd, err := fds(t).Install(f, cloexec, 0)
	return uint64(fd), err
}

// pollMethod is implemented by the regular files that have a poll method
// on Linux (procfs's /proc/swaps, mountinfo, ...): epoll accepts them.
type pollMethod interface{ CanPoll() bool }

func canPoll(f *vfs.File) bool {
	p, ok := f.Impl.(pollMethod)
	return ok && p.CanPoll()
}

func sysEpollCtl(s *System, t *task.Task, a Args) (uint64, error) {
	ef, err := fds(t).Get(a.Int(0))
	if err != nil {
		return 0, err
	}
	defer ef.DecRef()
	ep, ok := ef.Impl.(*event.Epoll)
	if !ok {
		return 0, abi.EINVAL
	}
	f, err := fds(t).Get(a.Int(2))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if f.Inode != nil && (f.Inode.Mode()&abi.S_IFMT == abi.S_IFREG || f.Inode.IsDir()) && !canPoll(f) && f.Impl.EventQueue() == nil {
		return 0, abi.EPERM // regular files and directories without a poll method do not support epoll (message queues do)
	}
	var events uint32
	var data uint64
	if int(a[1]) != abi.EPOLL_CTL_DEL {
		b := make([]byte, 12)
		if err := t.MM().CopyIn(a[3], b); err != nil {
			return 0, err
		}
		events, data = binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint64(b[4:])
		if !capable(t, abi.CAP_BLOCK_SUSPEND) {
			// EPOLLWAKEUP needs CAP_BLOCK_SUSPEND; without it Linux drops
			// the bit silently.
			events &^= abi.EPOLLWAKEUP
		}
	}
	return 0, ep.Ctl(int(a[1]), a.Int(2), f, events, data)
}

func (s *System) epollWait(t *task.Task, epfd int32, evAddr uint64, max int32, timeout time.Duration, maskAddr uint64, hasMask bool) (uint64, error) {
	if max <= 0 || max > event.MaxEvents {
		return 0, abi.EINVAL
	}
	ef, err := fds(t).Get(epfd)
	if err != nil {
		return 0, err
	}
	defer ef.DecRef()
	ep, ok := ef.Impl.(*event.Epoll)
	if !ok {
		return 0, abi.EINVAL
	}
	if end := evAddr + 12*uint64(max); evAddr >= mm.UserTop || end > mm.UserTop || end < evAddr {
		return 0, abi.EFAULT // Linux's access_ok on the whole array, before waiting
	}
	if hasMask && maskAddr != 0 {
		m, err := t.MM().ReadUint64(maskAddr)
		if err != nil {
			return 0, err
		}
		t.SetCallSigMask(abi.SignalSet(m))
	}
	// The common small waits keep their events and the copy-out buffer
	// on the stack.
	var evBuf [16]event.Event
	evs, err := ep.Wait(s.caller(t), evBuf[:0], int(max), timeout)
	if err != nil {
		return 0, err
	}
	var small [16 * 12]byte
	var b []byte
	if n := 12 * len(evs); n <= len(small) {
		b = small[:n]
	} else {
		b = make([]byte, n)
	}
	for i, e := range evs {
		binary.LittleEndian.PutUint32(b[12*i:], e.Events)
		binary.LittleEndian.PutUint64(b[12*i+4:], e.Data)
	}
	if err := t.MM().CopyOut(evAddr, b); err != nil {
		ep.Unsend(evs)
		return 0, err
	}
	return uint64(len(evs)), nil
}

func (s *System) timerClock(clk int32) (func() time.Duration, bool) {
	switch clk {
	case abi.CLOCK_MONOTONIC, 7, 9: // BOOTTIME, BOOTTIME_ALARM
		return s.K.Monotonic, true
	case abi.CLOCK_REALTIME, 8: // REALTIME_ALARM
		return func() time.Duration { return time.Duration(s.K.Now().UnixNano()) }, true
	}
	return nil, false
}

func sysTimerfdCreate(s *System, t *task.Task, a Args) (uint64, error) {
	if a[1]&^(abi.O_CLOEXEC|abi.O_NONBLOCK) != 0 {
		return 0, abi.EINVAL
	}
	clk, ok := s.timerClock(int32(a[0]))
	if !ok {
		return 0, abi.EINVAL
	}
	return s.installAnon(t, event.NewTimerFD(clk), "anon_inode:[timerfd]", abi.O_RDWR|uint32(a[1])&abi.O_NONBLOCK, a[1]&abi.O_CLOEXEC != 0)
}

func timerfdOf(t *task.Task, fd int32) (*event.TimerFD, *vfs.File, error) {
	f, err := fds(t).Get(fd)
	if err != nil {
		return nil, nil, err
	}
	tf, ok := f.Impl.(*event.TimerFD)
	if !ok {
		f.DecRef()
		return nil, nil, abi.EINVAL
	}
	return tf, f, nil
}

func sysTimerfdSettime(s *System, t *task.Task, a Args) (uint64, error) {
	const tfdAbstime, tfdCancelOnSet = 1, 2
	if a[1]&^(tfdAbstime|tfdCancelOnSet) != 0 {
		return 0, abi.EINVAL
	}
	tf, f, err := timerfdOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	interval, value, err := readItimerspec(t, a[2])
	if err != nil {
		return 0, err
	}
	ov, oi := tf.Set(value, interval, a[1]&tfdAbstime != 0)
	if a[3] != 0 {
		return 0, writeItimerspec(t, a[3], oi, ov)
	}
	return 0, nil
}

func readItimerspec(t *task.Task, addr uint64) (interval, value time.Duration, err error) {
	if interval, err = readTimespec(t, addr); err != nil {
		return
	}
	value, err = readTimespec(t, addr+16)
	return
}

func writeItimerspec(t *task.Task, addr uint64, interval, value time.Duration) error {
	if err := writeTimespec(t, addr, interval); err != nil {
		return err
	}
	return writeTimespec(t, addr+16, value)
}

// signalFD reads the signals in mask that are pending for the reader.
type signalFD struct {
	vfs.FileDefaults
	mu     sync.Mutex
	mask   abi.SignalSet
	g      *task.ThreadGroup
	queue  vfs.Queue
	cancel func()
}

func (sf *signalFD) Stream() bool { return true }

func (sf *signalFD) Read(c *vfs.Caller, f *vfs.File, dst []byte, off int64) (int, error) {
	t, ok := c.Blocker.(*task.Task)
	if !ok || len(dst) < 128 {
		return 0, abi.EINVAL
	}
	for {
		sf.mu.Lock()
		mask := sf.mask
		sf.mu.Unlock()
		n := 0
		for n+128 <= len(dst) {
			si, ok := t.DequeueSignal(mask)
			if !ok {
				break
			}
			b := dst[n : n+128]
			clear(b)
			le := binary.LittleEndian
			le.PutUint32(b[0:], uint32(si.Signo))
			le.PutUint32(b[4:], uint32(si.Errno))
			le.PutUint32(b[8:], uint32(si.Code))
			le.PutUint32(b[12:], uint32(si.PID))
			le.PutUint32(b[16:], si.UID)
			le.PutUint32(b[40:], uint32(si.Status))
			le.PutUint64(b[72:], si.Addr)
			le.PutUint64(b[48:], si.Value)
			n += 128
		}
		if n > 0 {
			return n, nil
		}
		if f.Nonblocking() {
			return 0, abi.EAGAIN
		}
		w := vfs.NewWaiter()
		sf.queue.Register(w, abi.POLLIN)
		if t.Pending()&mask != 0 {
			sf.queue.Unregister(w)
			continue
		}
		err := c.Block(w.C(), -1)
		sf.queue.Unregister(w)
		if err != nil {
			return 0, err
		}
	}
}

func (sf *signalFD) Readiness(f *vfs.File, mask uint32) uint32 {
	sf.mu.Lock()
	m := sf.mask
	sf.mu.Unlock()
	for _, t := range sf.g.Tasks() {
		if t.Pending()&m != 0 {
			return mask & abi.POLLIN
		}
	}
	return 0
}

func (sf *signalFD) EventQueue() *vfs.Queue { return &sf.queue }

func (sf *signalFD) Release(f *vfs.File) { sf.cancel() }

func (s *System) signalfd(t *task.Task, fd int32, maskAddr, size uint64, flags uint32) (uint64, error) {
	if size != abi.SizeofSignalSet || flags&^(abi.O_CLOEXEC|abi.O_NONBLOCK) != 0 {
		return 0, abi.EINVAL
	}
	m, err := t.MM().ReadUint64(maskAddr)
	if err != nil {
		return 0, err
	}
	mask := abi.SignalSet(m) &^ abi.MakeSignalSet(abi.SIGKILL, abi.SIGSTOP)
	if fd != -1 {
		f, err := fds(t).Get(fd)
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		sf, ok := f.Impl.(*signalFD)
		if !ok {
			return 0, abi.EINVAL
		}
		sf.mu.Lock()
		sf.mask = mask
		sf.mu.Unlock()
		return uint64(fd), nil
	}
	sf := &signalFD{mask: mask, g: t.TG()}
	sf.cancel = t.TG().WatchSignals(func() { sf.queue.Notify(abi.POLLIN) })
	return s.installAnon(t, sf, "anon_inode:[signalfd]", abi.O_RDWR|flags&abi.O_NONBLOCK, flags&abi.O_CLOEXEC != 0)
}
