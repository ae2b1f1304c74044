package syscalls

import (
	"encoding/binary"
	"time"

	"aramid/kernel/abi"
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
	full("rt_sigqueueinfo", func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, s.sigqueue(t, int32(a[0]), 0, abi.Signal(a[1]), a[2])
	})
	full("rt_tgsigqueueinfo", func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, s.sigqueue(t, int32(a[0]), int32(a[1]), abi.Signal(a[2]), a[3])
	})
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

func (s *System) sigqueue(t *task.Task, tgid, tid int32, sig abi.Signal, infoAddr uint64) error {
	if !sig.Valid() {
		return abi.EINVAL
	}
	b := make([]byte, 128)
	if err := t.MM().CopyIn(infoAddr, b); err != nil {
		return err
	}
	le := binary.LittleEndian
	code := int32(le.Uint32(b[8:]))
	var target *task.ThreadGroup
	var thread *task.Task
	if tid != 0 {
		if thread = s.K.Task(tid); thread == nil || thread.TG().ID != tgid {
			return abi.ESRCH
		}
		target = thread.TG()
	} else if target = s.K.Group(tgid); target == nil || target.Zombie() {
		return abi.ESRCH
	}
	// Only the kernel may claim kernel codes; others may only use
	// negative codes when signalling someone else.
	if (code >= 0 || code == -6) && target != t.TG() {
		return abi.EPERM
	}
	return target.Queue(thread, task.SigInfo{Signo: sig, Code: code, PID: int32(le.Uint32(b[16:])),
		UID: le.Uint32(b[20:]), Value: le.Uint64(b[24:])})
}
