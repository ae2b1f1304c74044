package syscalls

import (
	"encoding/binary"

	"aramid/kernel/abi"
	"aramid/kernel/klog"
	"aramid/kernel/seccomp"
	"aramid/kernel/task"
)

// seccomp: strict mode and classic-BPF filters (package kernel/seccomp),
// checked by Dispatch before every system call of a task whose mode is not
// SECCOMP_MODE_DISABLED. No user-space notification listener exists
// (SECCOMP_FILTER_FLAG_NEW_LISTENER is EINVAL, SECCOMP_RET_USER_NOTIF
// fails the call with ENOSYS as Linux does without a listener) and there
// is no ptrace (SECCOMP_RET_TRACE is ENOSYS, as Linux without a tracer).

func init() {
	partial("seccomp", "strict and filter modes, TSYNC, LOG, GET_ACTION_AVAIL, GET_NOTIF_SIZES; no user-notification listener (NEW_LISTENER: EINVAL)", sysSeccomp)
}

// seccomp(2) operations and filter flags (linux/seccomp.h).
const (
	seccompSetModeStrict  = 0
	seccompSetModeFilter  = 1
	seccompGetActionAvail = 2
	seccompGetNotifSizes  = 3

	seccompFlagTsync           = 1 << 0
	seccompFlagLog             = 1 << 1
	seccompFlagSpecAllow       = 1 << 2
	seccompFlagNewListener     = 1 << 3
	seccompFlagTsyncESRCH      = 1 << 4
	seccompFlagWaitKillableRcv = 1 << 5
	seccompFlagMask            = seccompFlagTsync | seccompFlagLog | seccompFlagSpecAllow |
		seccompFlagNewListener | seccompFlagTsyncESRCH | seccompFlagWaitKillableRcv
)

// System call numbers strict mode allows.
var (
	sysRead  = uint64(nr("read"))
	sysWrite = uint64(nr("write"))
	sysExit  = uint64(nr("exit"))
)

func sysSeccomp(s *System, t *task.Task, a Args) (uint64, error) {
	op, flags, uargs := a[0], a[1], a[2]
	switch op {
	case seccompSetModeStrict:
		if flags != 0 || uargs != 0 {
			return 0, abi.EINVAL
		}
		return 0, t.SetSeccompStrict()
	case seccompSetModeFilter:
		return seccompSetFilter(t, flags, uargs)
	case seccompGetActionAvail:
		if flags != 0 {
			return 0, abi.EINVAL
		}
		action, err := t.MM().ReadUint32(uargs)
		if err != nil {
			return 0, err
		}
		if !seccomp.ActionKnown(action) {
			return 0, abi.EOPNOTSUPP
		}
		return 0, nil
	case seccompGetNotifSizes:
		if flags != 0 {
			return 0, abi.EINVAL
		}
		// struct seccomp_notif_sizes: seccomp_notif, seccomp_notif_resp,
		// seccomp_data.
		b := make([]byte, 6)
		binary.LittleEndian.PutUint16(b, 80)
		binary.LittleEndian.PutUint16(b[2:], 24)
		binary.LittleEndian.PutUint16(b[4:], seccomp.DataSize)
		return 0, t.MM().CopyOut(uargs, b)
	}
	return 0, abi.EINVAL
}

// seccompSetFilter is SECCOMP_SET_MODE_FILTER, with Linux's order of
// checks: flags, then the program (EFAULT, EINVAL for its length, EACCES
// without no_new_privs or CAP_SYS_ADMIN, EINVAL for its instructions),
// then the mode, the stack size (ENOMEM) and TSYNC.
func seccompSetFilter(t *task.Task, flags, uargs uint64) (uint64, error) {
	if flags&^seccompFlagMask != 0 {
		return 0, abi.EINVAL
	}
	if flags&seccompFlagTsync != 0 && flags&seccompFlagNewListener != 0 && flags&seccompFlagTsyncESRCH == 0 {
		return 0, abi.EINVAL
	}
	if flags&seccompFlagWaitKillableRcv != 0 && flags&seccompFlagNewListener == 0 {
		return 0, abi.EINVAL
	}
	m := t.MM()
	hdr := make([]byte, 16) // struct sock_fprog
	if err := m.CopyIn(uargs, hdr); err != nil {
		return 0, err
	}
	n := int(binary.LittleEndian.Uint16(hdr))
	if n == 0 || n > seccomp.MaxInstructions {
		return 0, abi.EINVAL
	}
	if !t.NoNewPrivs() && !capable(t, abi.CAP_SYS_ADMIN) {
		return 0, abi.EACCES
	}
	code := make([]byte, n*seccomp.InstructionSize)
	if err := m.CopyIn(binary.LittleEndian.Uint64(hdr[8:]), code); err != nil {
		return 0, err
	}
	prog, err := seccomp.Compile(seccomp.Decode(code))
	if err != nil {
		return 0, abi.EINVAL
	}
	if flags&seccompFlagNewListener != 0 {
		return 0, abi.EINVAL // no user-notification listener
	}
	tid, err := t.AddSeccompFilter(prog, flags&seccompFlagTsync != 0, flags&seccompFlagLog != 0)
	if err != nil {
		return 0, err
	}
	if tid != 0 {
		if flags&seccompFlagTsyncESRCH != 0 {
			return 0, abi.ESRCH
		}
		return uint64(tid), nil
	}
	return 0, nil
}

// prctl operations on seccomp and no_new_privs.
const (
	prGetSeccomp    = 21
	prSetSeccomp    = 22
	prSetNoNewPrivs = 38
	prGetNoNewPrivs = 39
)

// prctlSeccomp handles PR_GET/SET_SECCOMP and PR_GET/SET_NO_NEW_PRIVS; ok
// is false for other operations.
func prctlSeccomp(s *System, t *task.Task, a Args) (ret uint64, err error, ok bool) {
	switch a[0] {
	case prSetNoNewPrivs:
		if a[1] != 1 || a[2]|a[3]|a[4] != 0 {
			return 0, abi.EINVAL, true
		}
		t.SetNoNewPrivs()
		return 0, nil, true
	case prGetNoNewPrivs:
		if a[1]|a[2]|a[3]|a[4] != 0 {
			return 0, abi.EINVAL, true
		}
		if t.NoNewPrivs() {
			return 1, nil, true
		}
		return 0, nil, true
	case prGetSeccomp:
		return uint64(t.SeccompMode()), nil, true
	case prSetSeccomp:
		switch a[1] {
		case task.SeccompStrict:
			return 0, t.SetSeccompStrict(), true
		case task.SeccompFilter:
			r, err := seccompSetFilter(t, 0, a[2])
			return r, err, true
		}
		return 0, abi.EINVAL, true
	}
	return 0, nil, false
}

// maxErrno is MAX_ERRNO: SECCOMP_RET_ERRNO's data is capped at it.
const maxErrno = 4095

// seccompCheck runs t's seccomp policy for system call nr and reports
// whether the call goes ahead. When it does not, the registers already
// hold what the task sees (an error in RAX, or a signal on its way).
func (s *System) seccompCheck(t *task.Task, nr uint64, a Args) bool {
	r := t.Regs()
	if t.SeccompMode() == task.SeccompStrict {
		switch nr {
		case sysRead, sysWrite, sysExit, sysRtSigreturn:
			return true
		}
		t.Kernel().Log(klog.Notice, "%v: seccomp strict mode: system call %d killed the thread", t, nr)
		t.ExitThreadKilled(abi.SIGKILL)
		return false
	}
	d := seccomp.Data{Nr: int32(nr), Arch: seccomp.AuditArchX86_64, InstructionPointer: r.Rip, Args: a}
	ret := t.SeccompFilter().Run(&d)
	data := ret & seccomp.RetData
	switch action := ret & seccomp.RetActionFull; action {
	case seccomp.RetAllow:
		return true
	case seccomp.RetLog:
		t.Kernel().Log(klog.Notice, "%v: seccomp: system call %d logged", t, nr)
		return true
	case seccomp.RetErrno:
		r.Rax = -uint64(min(data, maxErrno))
	case seccomp.RetTrace, seccomp.RetUserNotif:
		r.Rax = negErrno(abi.ENOSYS) // no tracer, no listener
	case seccomp.RetTrap:
		// RAX keeps the system call number, as syscall_rollback leaves it.
		t.SeccompSignal(int32(nr), data, r.Rip, false)
	case seccomp.RetKillThread:
		if len(t.TG().Tasks()) > 1 {
			t.ExitThreadKilled(abi.SIGSYS)
			return false
		}
		t.SeccompSignal(int32(nr), data, r.Rip, true)
	default: // SECCOMP_RET_KILL_PROCESS and unknown actions
		t.SeccompSignal(int32(nr), data, r.Rip, true)
	}
	return false
}
