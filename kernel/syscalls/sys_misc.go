package syscalls

import (
	"encoding/binary"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/machine"
	"aramid/kernel/mm"
	"aramid/kernel/task"
)

func init() {
	// Signals.
	full("rt_sigaction", sysRtSigaction)
	full("rt_sigprocmask", sysRtSigprocmask)
	full("rt_sigreturn", func(s *System, t *task.Task, a Args) (uint64, error) {
		if err := t.Sigreturn(); err != nil {
			t.SendKernel(abi.SIGSEGV)
			return 0, err
		}
		return 0, nil
	})
	full("sigaltstack", sysSigaltstack)
	full("rt_sigsuspend", func(s *System, t *task.Task, a Args) (uint64, error) {
		if a[1] != abi.SizeofSignalSet {
			return 0, abi.EINVAL
		}
		m, err := t.MM().ReadUint64(a[0])
		if err != nil {
			return 0, err
		}
		return 0, t.SigSuspend(abi.SignalSet(m))
	})
	full("pause", func(s *System, t *task.Task, a Args) (uint64, error) {
		for {
			if err := t.Block(nil, -1); err != nil {
				return 0, abi.ERESTARTNOHAND
			}
		}
	})
	full("rt_sigpending", func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, t.MM().WriteUint64(a[0], uint64(t.Pending()&t.SigMask()))
	})
	full("rt_sigtimedwait", sysRtSigtimedwait)
	full("kill", func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, t.Kill(int32(a[0]), abi.Signal(a[1]))
	})
	full("tgkill", func(s *System, t *task.Task, a Args) (uint64, error) {
		if int32(a[0]) <= 0 {
			return 0, abi.EINVAL
		}
		return 0, t.Tgkill(int32(a[0]), int32(a[1]), abi.Signal(a[2]))
	})
	full("tkill", func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, t.Tgkill(-1, int32(a[0]), abi.Signal(a[1]))
	})

	// Memory.
	full("brk", func(s *System, t *task.Task, a Args) (uint64, error) { return t.MM().Brk(a[0]), nil })
	partial("mmap", "anonymous and file mappings, private and shared (shared writable file mappings on tmpfs); MAP_POPULATE/MAP_LOCKED prefault; no huge pages", sysMmap)
	full("munmap", func(s *System, t *task.Task, a Args) (uint64, error) { return 0, t.MM().Munmap(a[0], a[1]) })
	full("mprotect", func(s *System, t *task.Task, a Args) (uint64, error) {
		if a[2]&^7 != 0 {
			return 0, abi.EINVAL
		}
		return 0, t.MM().Mprotect(a[0], a[1], protPerm(a[2]))
	})
	partial("mremap", "shrink, grow in place, MREMAP_MAYMOVE, MREMAP_FIXED; no MREMAP_DONTUNMAP", func(s *System, t *task.Task, a Args) (uint64, error) {
		const mayMove, fixed, dontUnmap = 1, 2, 4
		if a[3]&^(mayMove|fixed|dontUnmap) != 0 || a[3]&fixed != 0 && a[3]&mayMove == 0 {
			return 0, abi.EINVAL
		}
		if a[3]&dontUnmap != 0 {
			return 0, abi.EOPNOTSUPP
		}
		if a[3]&fixed != 0 {
			return t.MM().MremapFixed(a[0], a[1], a[2], a[4])
		}
		return t.MM().Mremap(a[0], a[1], a[2], a[3]&mayMove != 0)
	})
	// Time.
	partial("clock_gettime", "CPU-time clocks count time in user mode only", sysClockGettime)
	full("clock_getres", func(s *System, t *task.Task, a Args) (uint64, error) {
		if _, ok := s.clock(int32(a[0]), t); !ok {
			return 0, abi.EINVAL
		}
		if a[1] == 0 {
			return 0, nil
		}
		res := time.Nanosecond
		if int32(a[0]) < 0 {
			res = cpuClockRes(int32(a[0]))
		}
		return 0, writeTimespec(t, a[1], res)
	})
	full("time", func(s *System, t *task.Task, a Args) (uint64, error) {
		now := uint64(s.K.Now().Unix())
		if a[0] != 0 {
			if err := t.MM().WriteUint64(a[0], now); err != nil {
				return 0, err
			}
		}
		return now, nil
	})
	full("nanosleep", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.sleep(t, 1, 0, a[0], a[1])
	})
	full("clock_nanosleep", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.sleep(t, int32(a[0]), int(a[1]), a[2], a[3])
	})
	full("sched_yield", func(s *System, t *task.Task, a Args) (uint64, error) {
		yield()
		return 0, nil
	})
	full("getcpu", func(s *System, t *task.Task, a Args) (uint64, error) {
		m := t.MM()
		if a[0] != 0 {
			if err := m.WriteUint32(a[0], 0); err != nil {
				return 0, err
			}
		}
		if a[1] != 0 {
			return 0, m.WriteUint32(a[1], 0)
		}
		return 0, nil
	})
	partial("getrusage", "user time from CPU accounting; system time, faults and context switches read 0", func(s *System, t *task.Task, a Args) (uint64, error) {
		var d time.Duration
		var rss int64 // pages
		switch int32(a[0]) {
		case 0: // RUSAGE_SELF
			d, rss = t.TG().CPUTime(), t.TG().MaxRSS()
		case -1: // RUSAGE_CHILDREN
			d, rss = t.TG().ChildrenCPUTime(), t.TG().ChildrenMaxRSS()
		case 1: // RUSAGE_THREAD
			d, rss = t.ThreadCPUTime(), t.TG().MaxRSS()
		default:
			return 0, abi.EINVAL
		}
		b := make([]byte, 144)
		binary.LittleEndian.PutUint64(b, uint64(d/time.Second))
		binary.LittleEndian.PutUint64(b[8:], uint64(d%time.Second/time.Microsecond))
		binary.LittleEndian.PutUint64(b[32:], uint64(rss)*4) // ru_maxrss in KiB
		return 0, t.MM().CopyOut(a[1], b)
	})
	partial("futex", "WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP, WAIT_BITSET, WAKE_BITSET; no PI futexes", sysFutex)
}

func protPerm(p uint64) machine.Perm {
	var perm machine.Perm
	if p&1 != 0 {
		perm |= machine.Read
	}
	if p&2 != 0 {
		perm |= machine.Write | machine.Read
	}
	if p&4 != 0 {
		perm |= machine.Exec | machine.Read
	}
	return perm
}

func sysRtSigaction(s *System, t *task.Task, a Args) (uint64, error) {
	if a[3] != abi.SizeofSignalSet {
		return 0, abi.EINVAL
	}
	m := t.MM()
	var act *task.SigAction
	if a[1] != 0 {
		b := make([]byte, 32)
		if err := m.CopyIn(a[1], b); err != nil {
			return 0, err
		}
		le := binary.LittleEndian
		act = &task.SigAction{Handler: le.Uint64(b), Flags: le.Uint64(b[8:]), Restorer: le.Uint64(b[16:]), Mask: abi.SignalSet(le.Uint64(b[24:]))}
	}
	old, err := t.SigAction(abi.Signal(a[0]), act)
	if err != nil {
		return 0, err
	}
	if a[2] != 0 {
		b := make([]byte, 32)
		le := binary.LittleEndian
		le.PutUint64(b, old.Handler)
		le.PutUint64(b[8:], old.Flags)
		le.PutUint64(b[16:], old.Restorer)
		le.PutUint64(b[24:], uint64(old.Mask))
		return 0, m.CopyOut(a[2], b)
	}
	return 0, nil
}

func sysRtSigprocmask(s *System, t *task.Task, a Args) (uint64, error) {
	if a[3] != abi.SizeofSignalSet {
		return 0, abi.EINVAL
	}
	m := t.MM()
	old := t.SigMask()
	if a[1] != 0 {
		v, err := m.ReadUint64(a[1])
		if err != nil {
			return 0, err
		}
		set := abi.SignalSet(v)
		switch a[0] {
		case abi.SIG_BLOCK:
			t.SetSigMask(old | set)
		case abi.SIG_UNBLOCK:
			t.SetSigMask(old &^ set)
		case abi.SIG_SETMASK:
			t.SetSigMask(set)
		default:
			return 0, abi.EINVAL
		}
	}
	if a[2] != 0 {
		return 0, m.WriteUint64(a[2], uint64(old))
	}
	return 0, nil
}

func sysSigaltstack(s *System, t *task.Task, a Args) (uint64, error) {
	m := t.MM()
	var sp, size uint64
	var flags uint32
	if a[0] != 0 {
		b := make([]byte, 24)
		if err := m.CopyIn(a[0], b); err != nil {
			return 0, err
		}
		sp, flags, size = binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint32(b[8:]), binary.LittleEndian.Uint64(b[16:])
	}
	osp, osize, oflags, err := t.SigAltStack(sp, size, flags, a[0] != 0)
	if err != nil {
		return 0, err
	}
	if a[1] != 0 {
		b := make([]byte, 24)
		binary.LittleEndian.PutUint64(b, osp)
		binary.LittleEndian.PutUint32(b[8:], oflags)
		binary.LittleEndian.PutUint64(b[16:], osize)
		return 0, m.CopyOut(a[1], b)
	}
	return 0, nil
}

func sysRtSigtimedwait(s *System, t *task.Task, a Args) (uint64, error) {
	if a[3] != abi.SizeofSignalSet {
		return 0, abi.EINVAL
	}
	m := t.MM()
	set, err := m.ReadUint64(a[0])
	if err != nil {
		return 0, err
	}
	timeout := time.Duration(-1)
	if a[2] != 0 {
		if timeout, err = readTimespec(t, a[2]); err != nil {
			return 0, err
		}
	}
	sig, info, err := t.SigTimedWait(abi.SignalSet(set), timeout)
	if err != nil {
		return 0, err
	}
	if a[1] != 0 {
		if err := m.CopyOut(a[1], info); err != nil {
			return 0, err
		}
	}
	return uint64(sig), nil
}

func readTimespec(t *task.Task, addr uint64) (time.Duration, error) {
	b := make([]byte, 16)
	if err := t.MM().CopyIn(addr, b); err != nil {
		return 0, err
	}
	sec, nsec := int64(binary.LittleEndian.Uint64(b)), int64(binary.LittleEndian.Uint64(b[8:]))
	if sec < 0 || nsec < 0 || nsec >= 1e9 {
		return 0, abi.EINVAL
	}
	if sec > 1<<32 {
		sec = 1 << 32
	}
	return time.Duration(sec)*time.Second + time.Duration(nsec), nil
}

func writeTimespec(t *task.Task, addr uint64, d time.Duration) error {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint64(b, uint64(d/time.Second))
	binary.LittleEndian.PutUint64(b[8:], uint64(d%time.Second))
	return t.MM().CopyOut(addr, b)
}

// clock returns the reading of clock id (as time since the epoch for
// realtime clocks, since boot for the others).
func (s *System) clock(id int32, t *task.Task) (time.Duration, bool) {
	switch id {
	case abi.CLOCK_REALTIME, 5, 8, 11: // REALTIME, _COARSE, _ALARM, TAI
		return time.Duration(s.K.Now().UnixNano()), true
	case abi.CLOCK_MONOTONIC, 4, 6, 7, 9: // MONOTONIC, _RAW, _COARSE, BOOTTIME, BOOTTIME_ALARM
		return s.K.Monotonic(), true
	case abi.CLOCK_PROCESS_CPUTIME_ID:
		return t.TG().CPUTime(), true
	case 3: // CLOCK_THREAD_CPUTIME_ID
		return t.ThreadCPUTime(), true
	}
	if c, ok := s.cpuClockOf(t, id, true); ok {
		return c.Now(), true
	}
	return 0, false
}

func sysClockGettime(s *System, t *task.Task, a Args) (uint64, error) {
	d, ok := s.clock(int32(a[0]), t)
	if !ok {
		return 0, abi.EINVAL
	}
	return 0, writeTimespec(t, a[1], d)
}

// sleep implements nanosleep/clock_nanosleep; flags&1 is TIMER_ABSTIME.
func (s *System) sleep(t *task.Task, clk int32, flags int, req, rem uint64) (uint64, error) {
	d, err := readTimespec(t, req)
	if err != nil {
		return 0, err
	}
	now, ok := s.clock(clk, t)
	if !ok || clk == abi.CLOCK_PROCESS_CPUTIME_ID || clk == 3 || clk < 0 {
		return 0, abi.EINVAL
	}
	deadline := now + d
	if flags&1 != 0 {
		deadline = d
	}
	for {
		now, _ = s.clock(clk, t)
		left := deadline - now
		if left <= 0 {
			return 0, nil
		}
		err := t.Block(nil, left)
		if err == abi.ETIMEDOUT {
			return 0, nil
		}
		if err != nil {
			if rem != 0 && flags&1 == 0 {
				now, _ = s.clock(clk, t)
				writeTimespec(t, rem, max(deadline-now, 0))
			}
			if flags&1 != 0 {
				return 0, abi.ERESTARTNOHAND
			}
			return 0, abi.EINTR
		}
	}
}

func sysFutex(s *System, t *task.Task, a Args) (uint64, error) {
	const (
		wait, wake, requeue, cmpRequeue, wakeOp = 0, 1, 3, 4, 5
		waitBitset, wakeBitset                  = 9, 10
		private, clockRealtime                  = 128, 256
	)
	op := a[1] &^ (private | clockRealtime)
	addr, val := a[0], uint32(a[2])
	switch op {
	case wait, waitBitset:
		timeout := time.Duration(-1)
		bitset := ^uint32(0)
		if op == waitBitset {
			bitset = uint32(a[5])
		}
		if a[3] != 0 {
			d, err := readTimespec(t, a[3])
			if err != nil {
				return 0, err
			}
			timeout = d
			if op == waitBitset { // absolute
				clk := int32(abi.CLOCK_MONOTONIC)
				if a[1]&clockRealtime != 0 {
					clk = abi.CLOCK_REALTIME
				}
				now, _ := s.clock(clk, t)
				timeout = max(d-now, 0)
			}
		}
		return 0, t.FutexWait(addr, val, bitset, timeout, a[1]&private != 0)
	case wake, wakeBitset:
		bitset := ^uint32(0)
		if op == wakeBitset {
			bitset = uint32(a[5])
		}
		n, err := t.FutexWake(addr, int(val), bitset, a[1]&private != 0)
		if err == abi.EFAULT && a[1]&private != 0 && addr < mm.UserTop {
			// Linux keys a private futex by address alone and never reads
			// the word on wake: nothing can wait on an unmapped address,
			// so there is nobody to wake.
			return 0, nil
		}
		return uint64(n), err
	case requeue, cmpRequeue:
		n, err := t.FutexRequeue(addr, a[4], int(val), int(a[3]), op == cmpRequeue, uint32(a[5]), a[1]&private != 0)
		return uint64(n), err
	case wakeOp:
		n, err := t.FutexWakeOp(addr, a[4], int(val), int(a[3]), uint32(a[5]), a[1]&private != 0)
		return uint64(n), err
	}
	return 0, abi.ENOSYS
}

func sysMmap(s *System, t *task.Task, a Args) (uint64, error) {
	const (
		mapShared, mapPrivate, mapSharedValidate = 0x1, 0x2, 0x3
		mapFixed, mapAnon                        = 0x10, 0x20
		mapGrowsdown, mapFixedNoreplace          = 0x100, 0x100000
		mapLocked, mapPopulate                   = 0x2000, 0x8000
	)
	flags := a[3]
	typ := flags & 0xf
	if typ != mapShared && typ != mapPrivate && typ != mapSharedValidate || a[2]&^7 != 0 {
		return 0, abi.EINVAL
	}
	o := mm.MapOpts{Addr: a[0], Length: a[1], Perm: protPerm(a[2]), Shared: typ != mapPrivate,
		Fixed: flags&mapFixed != 0, NoReplace: flags&mapFixedNoreplace != 0, GrowsDown: flags&mapGrowsdown != 0,
		Offset: a[5]}
	if flags&mapAnon == 0 {
		if err := s.mapFile(t, int32(a[4]), &o); err != nil {
			return 0, err
		}
	}
	o.Locked = flags&mapLocked != 0
	if o.Locked || t.MM().FutureLocked() {
		if err := mayLock(t, o.Length); err != nil {
			return 0, abi.EAGAIN
		}
	}
	addr, err := t.MM().Mmap(o)
	if err == nil && flags&mapPopulate != 0 {
		t.MM().Populate(addr, a[1]) // best effort, as Linux: the mapping stands
	}
	return addr, err
}
