package syscalls

import (
	"encoding/binary"
	"strings"

	"aramid/kernel/abi"
	"aramid/kernel/task"
)

func init() {
	full("getpid", func(s *System, t *task.Task, a Args) (uint64, error) { return uint64(t.TG().ID), nil })
	full("gettid", func(s *System, t *task.Task, a Args) (uint64, error) { return uint64(t.ID), nil })
	full("getppid", func(s *System, t *task.Task, a Args) (uint64, error) {
		_, ppid, _, _ := t.TG().IDs()
		return uint64(ppid), nil
	})
	full("getuid", func(s *System, t *task.Task, a Args) (uint64, error) { return uint64(t.TG().Creds().UID), nil })
	full("geteuid", func(s *System, t *task.Task, a Args) (uint64, error) { return uint64(t.TG().Creds().EUID), nil })
	full("getgid", func(s *System, t *task.Task, a Args) (uint64, error) { return uint64(t.TG().Creds().GID), nil })
	full("getegid", func(s *System, t *task.Task, a Args) (uint64, error) { return uint64(t.TG().Creds().EGID), nil })
	full("getresuid", sysGetresuid)
	full("getresgid", sysGetresgid)
	full("getgroups", sysGetgroups)
	full("set_tid_address", func(s *System, t *task.Task, a Args) (uint64, error) {
		t.SetClearChildTID(a[0])
		return uint64(t.ID), nil
	})
	full("set_robust_list", func(s *System, t *task.Task, a Args) (uint64, error) {
		if a[1] != 24 {
			return 0, abi.EINVAL
		}
		t.SetRobustList(a[0])
		return 0, nil
	})
	full("get_robust_list", func(s *System, t *task.Task, a Args) (uint64, error) {
		tt := t
		if a[0] != 0 {
			if tt = t.Kernel().Task(int32(a[0])); tt == nil {
				return 0, abi.ESRCH
			}
		}
		m := t.MM()
		if err := m.WriteUint64(a[1], tt.RobustList()); err != nil {
			return 0, err
		}
		return 0, m.WriteUint64(a[2], 24)
	})
	full("exit", func(s *System, t *task.Task, a Args) (uint64, error) {
		t.ExitThread(uint32(a[0]&0xff) << 8)
		return 0, nil
	})
	full("exit_group", func(s *System, t *task.Task, a Args) (uint64, error) {
		t.ExitGroup(uint32(a[0]&0xff) << 8)
		return 0, nil
	})
	partial("clone", "no namespaces (CLONE_NEW*: EINVAL)", sysClone)
	full("fork", func(s *System, t *task.Task, a Args) (uint64, error) {
		return sysClone(s, t, Args{uint64(abi.SIGCHLD)})
	})
	full("vfork", func(s *System, t *task.Task, a Args) (uint64, error) {
		return sysClone(s, t, Args{task.CloneVM | task.CloneVfork | uint64(abi.SIGCHLD)})
	})
	full("wait4", sysWait4)
	full("setpgid", func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, t.SetPGID(int32(a[0]), int32(a[1]))
	})
	full("getpgid", func(s *System, t *task.Task, a Args) (uint64, error) {
		pg, err := t.GetPGID(int32(a[0]))
		return uint64(pg), err
	})
	full("getpgrp", func(s *System, t *task.Task, a Args) (uint64, error) {
		pg, err := t.GetPGID(0)
		return uint64(pg), err
	})
	full("getsid", func(s *System, t *task.Task, a Args) (uint64, error) {
		sid, err := t.GetSID(int32(a[0]))
		return uint64(sid), err
	})
	full("setsid", func(s *System, t *task.Task, a Args) (uint64, error) {
		sid, err := t.SetSID()
		return uint64(sid), err
	})
	partial("prctl", "PR_SET/GET_NAME, PR_SET/GET_CHILD_SUBREAPER, PR_SET/GET_PDEATHSIG (recorded), PR_GET/SET_DUMPABLE (cleared by set-id exec and credential changes), PR_SET/GET_NO_NEW_PRIVS, PR_SET/GET_SECCOMP, PR_CAPBSET_READ/DROP, PR_CAP_AMBIENT, PR_GET/SET_SECUREBITS and PR_GET/SET_KEEPCAPS (per thread); others EINVAL", sysPrctl)
	partial("arch_prctl", "ARCH_SET/GET_FS, ARCH_SET/GET_GS, ARCH_GET_CPUID; ARCH_SET_CPUID: ENODEV (no CPUID faulting, as Linux on a CPU without it)", sysArchPrctl)
	full("getrandom", sysGetrandom)
}

func sysClone(s *System, t *task.Task, a Args) (uint64, error) {
	ca := task.CloneArgs{Flags: a[0] &^ 0xff, Stack: a[1], ParentTID: a[2], ChildTID: a[3], TLS: a[4],
		ExitSignal: abi.Signal(a[0] & 0xff)}
	pidfd := ca.Flags&task.ClonePidfd != 0
	if pidfd {
		if err := clonePidfdCheck(t, ca.Flags, ca.ParentTID); err != nil {
			return 0, err
		}
		ca.Flags &^= task.ClonePidfd
	}
	child, err := t.Clone(ca, s.fileHooks())
	if err != nil {
		return 0, err
	}
	if pidfd {
		if err := s.clonePidfd(t, child, ca.ParentTID); err != nil {
			return 0, err
		}
	}
	if ca.Flags&task.CloneVfork != 0 {
		t.WaitVfork(child)
	}
	return uint64(child.ID), nil
}

func sysWait4(s *System, t *task.Task, a Args) (uint64, error) {
	opts := int(a[2])
	if opts&^(task.WNOHANG|task.WUNTRACED|task.WCONTINUED|task.WALL|task.WCLONE|0x20000000) != 0 {
		return 0, abi.EINVAL
	}
	if int32(a[0]) == -1<<31 {
		return 0, abi.ESRCH // -INT_MIN names no process group
	}
	res, err := t.Wait(int32(a[0]), opts|task.WEXITED)
	if err != nil || res == nil {
		return 0, err
	}
	if a[1] != 0 {
		if err := t.MM().WriteUint32(a[1], res.Status); err != nil {
			return 0, err
		}
	}
	if a[3] != 0 {
		if err := t.MM().CopyOut(a[3], make([]byte, 144)); err != nil { // struct rusage, zero
			return 0, err
		}
	}
	return uint64(res.PID), nil
}

func sysPrctl(s *System, t *task.Task, a Args) (uint64, error) {
	const (
		prSetPdeathsig    = 1
		prGetPdeathsig    = 2
		prGetDumpable     = 3
		prSetDumpable     = 4
		prSetName         = 15
		prGetName         = 16
		prSetChildSubreap = 36
		prGetChildSubreap = 37
		prSetMM           = 35
		prGetKeepcaps     = 7
		prSetKeepcaps     = 8
		prGetSecurebits   = 27
		prSetSecurebits   = 28
	)
	if r, err, ok := prctlCaps(t, a); ok {
		return r, err
	}
	if r, err, ok := prctlSeccomp(s, t, a); ok {
		return r, err
	}
	m := t.MM()
	switch a[0] {
	case prSetName:
		b := make([]byte, 16)
		for i := range b {
			c := make([]byte, 1)
			if err := m.CopyIn(a[1]+uint64(i), c); err != nil {
				return 0, err
			}
			if c[0] == 0 {
				b = b[:i]
				break
			}
			b[i] = c[0]
		}
		t.SetComm(strings.TrimRight(string(b), "\x00"))
		return 0, nil
	case prGetName:
		b := make([]byte, 16)
		copy(b, t.Comm())
		return 0, m.CopyOut(a[1], b)
	case prSetChildSubreap:
		t.TG().SetSubreaper(a[1] != 0)
		return 0, nil
	case prGetChildSubreap:
		v := uint32(0)
		if t.TG().Subreaper() {
			v = 1
		}
		return 0, m.WriteUint32(a[1], v)
	case prSetPdeathsig:
		if a[1] > 64 {
			return 0, abi.EINVAL
		}
		t.TG().SetPdeathsig(abi.Signal(a[1]))
		return 0, nil
	case prSetDumpable:
		if a[1] > 1 { // SUID_DUMP_ROOT (2) is for the sysctl only
			return 0, abi.EINVAL
		}
		t.TG().SetDumpable(a[1] == 1)
		return 0, nil
	case prGetPdeathsig:
		return 0, m.WriteUint32(a[1], uint32(t.TG().Pdeathsig()))
	case prGetDumpable:
		if t.TG().Dumpable() {
			return 1, nil
		}
		return 0, nil
	case prGetSecurebits:
		return uint64(t.Securebits()), nil
	case prSetSecurebits:
		return 0, t.SetSecurebits(a[1], capable(t, abi.CAP_SETPCAP))
	case prGetKeepcaps:
		return uint64(t.Securebits()&task.SecbitKeepCaps) >> 4, nil
	case prSetKeepcaps:
		return 0, t.SetKeepCaps(a[1])
	}
	return 0, abi.EINVAL
}

func sysArchPrctl(s *System, t *task.Task, a Args) (uint64, error) {
	const setGS, setFS, getFS, getGS = 0x1001, 0x1002, 0x1003, 0x1004
	const getCPUID, setCPUID = 0x1011, 0x1012
	r := t.Regs()
	switch a[0] {
	case setFS, setGS:
		if a[1] >= 1<<47 {
			return 0, abi.EPERM
		}
		if a[0] == setFS {
			r.FsBase = a[1]
		} else {
			r.GsBase = a[1]
		}
		return 0, nil
	case getFS:
		return 0, t.MM().WriteUint64(a[1], r.FsBase)
	case getGS:
		return 0, t.MM().WriteUint64(a[1], r.GsBase)
	case getCPUID:
		return 1, nil // CPUID never faults
	case setCPUID:
		return 0, abi.ENODEV
	}
	return 0, abi.EINVAL
}

// Release is the kernel release uname reports: systemd and glibc compare
// it against minimum versions, so it reads like the reference kernel's.
const Release = "6.1.0-aramid"

func sysGetrandom(s *System, t *task.Task, a Args) (uint64, error) {
	const nonblock, random, insecure = 1, 2, 4
	if fl := a[2]; fl&^(nonblock|random|insecure) != 0 || fl&(random|insecure) == random|insecure {
		return 0, abi.EINVAL
	}
	n := a[1]
	if n > 1<<25 {
		n = 1 << 25
	}
	// Filled and copied out 64 KiB at a time: the length sizes no kernel
	// allocation. A chunk that cannot be stored ends the call with the
	// count stored before it (EFAULT if none).
	const chunk = 64 << 10
	b := make([]byte, min(n, chunk))
	var done uint64
	for first := true; first || done < n; first = false {
		if done > 0 && t.SignalPending() {
			return done, nil // as Linux: a signal ends a long fill early
		}
		k := min(n-done, chunk)
		s.random(b[:k])
		if err := t.MM().CopyOut(a[0]+done, b[:k]); err != nil {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		done += k
	}
	return n, nil
}

func sysGetresuid(s *System, t *task.Task, a Args) (uint64, error) {
	c := t.TG().Creds()
	m := t.MM()
	for i, v := range []uint32{c.UID, c.EUID, c.SUID} {
		if err := m.WriteUint32(a[i], v); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

func sysGetresgid(s *System, t *task.Task, a Args) (uint64, error) {
	c := t.TG().Creds()
	m := t.MM()
	for i, v := range []uint32{c.GID, c.EGID, c.SGID} {
		if err := m.WriteUint32(a[i], v); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

func sysGetgroups(s *System, t *task.Task, a Args) (uint64, error) {
	g := t.TG().Creds().Groups
	if a[0] == 0 {
		return uint64(len(g)), nil
	}
	if int(a[0]) < len(g) {
		return 0, abi.EINVAL
	}
	b := make([]byte, 4*len(g))
	for i, v := range g {
		binary.LittleEndian.PutUint32(b[i*4:], v)
	}
	return uint64(len(g)), t.MM().CopyOut(a[1], b)
}
