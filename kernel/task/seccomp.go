package task

import (
	"sync/atomic"

	"aramid/kernel/abi"
	"aramid/kernel/seccomp"
)

// Seccomp modes (SECCOMP_MODE_*), as /proc/<pid>/status shows them.
const (
	SeccompDisabled = 0
	SeccompStrict   = 1
	SeccompFilter   = 2
)

// seccompState is a thread's seccomp mode, filter stack and no_new_privs
// bit. Linux keeps all three per thread: clone copies them, execve keeps
// them. mode is read on every system call, so it is one atomic word.
type seccompState struct {
	mode       atomic.Int32
	filter     atomic.Pointer[seccomp.Filter]
	noNewPrivs atomic.Bool
}

// copySeccomp gives a new thread its creator's seccomp state (clone).
func (t *Task) copySeccomp(from *Task) {
	t.sc.filter.Store(from.sc.filter.Load())
	t.sc.noNewPrivs.Store(from.sc.noNewPrivs.Load())
	t.sc.mode.Store(from.sc.mode.Load())
}

// SeccompMode returns the thread's seccomp mode (SeccompDisabled when no
// filter applies: the system-call path tests this first).
func (t *Task) SeccompMode() int32 { return t.sc.mode.Load() }

// SeccompFilter returns the thread's filter stack (nil in other modes).
func (t *Task) SeccompFilter() *seccomp.Filter { return t.sc.filter.Load() }

// NoNewPrivs reports PR_GET_NO_NEW_PRIVS.
func (t *Task) NoNewPrivs() bool { return t.sc.noNewPrivs.Load() }

// SetNoNewPrivs sets the thread's no_new_privs bit (it is never cleared).
func (t *Task) SetNoNewPrivs() { t.sc.noNewPrivs.Store(true) }

// SetSeccompStrict enters strict mode (SECCOMP_SET_MODE_STRICT): EINVAL
// when the thread is already in filter mode.
func (t *Task) SetSeccompStrict() error {
	g := t.tg
	g.mu.Lock()
	defer g.mu.Unlock()
	if m := t.sc.mode.Load(); m != SeccompDisabled && m != SeccompStrict {
		return abi.EINVAL
	}
	t.sc.mode.Store(SeccompStrict)
	return nil
}

// AddSeccompFilter pushes p onto the thread's filter stack. With tsync
// every other thread of the process gets the same stack (and the caller's
// no_new_privs bit); when one cannot (it runs a filter stack that is not
// an ancestor of the caller's, or strict mode) nothing changes and that
// thread's id is returned as the failing tid.
func (t *Task) AddSeccompFilter(p *seccomp.Program, tsync, log bool) (failTID int32, err error) {
	g := t.tg
	g.mu.Lock()
	defer g.mu.Unlock()
	if m := t.sc.mode.Load(); m != SeccompDisabled && m != SeccompFilter {
		return 0, abi.EINVAL
	}
	cur := t.sc.filter.Load()
	nf, err := cur.Push(p, log)
	if err != nil {
		return 0, abi.ENOMEM
	}
	if tsync {
		for _, o := range g.tasks {
			if o == t {
				continue
			}
			switch o.sc.mode.Load() {
			case SeccompDisabled:
				continue
			case SeccompFilter:
				if cur.Descends(o.sc.filter.Load()) {
					continue
				}
			}
			return o.ID, nil
		}
	}
	t.sc.filter.Store(nf)
	t.sc.mode.Store(SeccompFilter)
	if tsync {
		nnp := t.sc.noNewPrivs.Load()
		for _, o := range g.tasks {
			if o == t {
				continue
			}
			o.sc.filter.Store(nf)
			if nnp {
				o.sc.noNewPrivs.Store(true)
			}
			o.sc.mode.Store(SeccompFilter)
		}
	}
	return 0, nil
}

// SeccompSignal sends the SIGSYS a filter's SECCOMP_RET_TRAP (or, with
// kill, SECCOMP_RET_KILL_*) raises: si_code SYS_SECCOMP, si_errno the
// filter's data, si_call_addr, si_syscall and si_arch. A kill makes the
// signal fatal whatever the disposition, as force_sig_seccomp does.
func (t *Task) SeccompSignal(nr int32, data uint32, ip uint64, kill bool) {
	si := sigInfo{signo: abi.SIGSYS, code: sysSeccomp, errno: int32(data), addr: ip, status: nr,
		value: seccomp.AuditArchX86_64}
	if kill {
		g := t.tg
		g.mu.Lock()
		t.mu.Lock()
		g.handlers[abi.SIGSYS].Handler = uint64(abi.SIG_DFL)
		t.sigmask &^= abi.SIGSYS.Mask()
		t.mu.Unlock()
		g.mu.Unlock()
	}
	t.forceSignal(abi.SIGSYS, si)
}

// sysSeccomp is SYS_SECCOMP, SIGSYS's si_code for a seccomp trap.
const sysSeccomp = 1

// ExitThreadKilled ends only the calling thread as killed by sig (strict
// seccomp, SECCOMP_RET_KILL_THREAD in a multi-threaded process): if it is
// the last thread the process's wait status is that signal.
func (t *Task) ExitThreadKilled(sig abi.Signal) { t.ExitThread(uint32(sig)) }
