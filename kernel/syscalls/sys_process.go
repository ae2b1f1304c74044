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
	partial("setuid", "root may become any user; no capability model beyond uid 0", sysSetuid)
	partial("setgid", "as setuid", sysSetgid)
	partial("setresuid", "as setuid", sysSetresuid)
	partial("setresgid", "as setuid", sysSetresgid)
	partial("setreuid", "as setuid", func(s *System, t *task.Task, a Args) (uint64, error) {
		return sysSetresuid(s, t, Args{a[0], a[1], ^uint64(0)})
	})
	partial("setregid", "as setuid", func(s *System, t *task.Task, a Args) (uint64, error) {
		return sysSetresgid(s, t, Args{a[0], a[1], ^uint64(0)})
	})
	full("getgroups", sysGetgroups)
	partial("setgroups", "root only", sysSetgroups)
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
	enosys("rseq", "restartable sequences are not implemented; glibc falls back")
	enosys("clone3", "libc falls back to clone")
	full("exit", func(s *System, t *task.Task, a Args) (uint64, error) {
		t.ExitThread(uint32(a[0]&0xff) << 8)
		return 0, nil
	})
	full("exit_group", func(s *System, t *task.Task, a Args) (uint64, error) {
		t.ExitGroup(uint32(a[0]&0xff) << 8)
		return 0, nil
	})
	partial("clone", "no namespaces (CLONE_NEW*: EINVAL), no pidfds", sysClone)
	full("fork", func(s *System, t *task.Task, a Args) (uint64, error) {
		return sysClone(s, t, Args{uint64(abi.SIGCHLD)})
	})
	full("vfork", func(s *System, t *task.Task, a Args) (uint64, error) {
		return sysClone(s, t, Args{task.CloneVM | task.CloneVfork | uint64(abi.SIGCHLD)})
	})
	full("wait4", sysWait4)
	partial("waitid", "P_PID, P_PGID, P_ALL; no P_PIDFD", sysWaitid)
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
	partial("prctl", "PR_SET/GET_NAME, PR_SET/GET_CHILD_SUBREAPER, PR_SET/GET_PDEATHSIG (recorded), PR_GET/SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_CAPBSET_READ; others EINVAL", sysPrctl)
	partial("arch_prctl", "ARCH_SET/GET_FS and ARCH_SET/GET_GS", sysArchPrctl)
	full("uname", sysUname)
	partial("prlimit64", "limits are recorded per process; only RLIMIT_NOFILE and RLIMIT_STACK affect behaviour", sysPrlimit)
	partial("getrlimit", "as prlimit64", func(s *System, t *task.Task, a Args) (uint64, error) {
		return sysPrlimit(s, t, Args{0, a[0], 0, a[1]})
	})
	partial("setrlimit", "as prlimit64", func(s *System, t *task.Task, a Args) (uint64, error) {
		return sysPrlimit(s, t, Args{0, a[0], a[1], 0})
	})
	full("getrandom", sysGetrandom)
	partial("capget", "root has every capability; others none", sysCapget)
	partial("capset", "accepted for root", func(s *System, t *task.Task, a Args) (uint64, error) { return 0, nil })
}

func sysClone(s *System, t *task.Task, a Args) (uint64, error) {
	ca := task.CloneArgs{Flags: a[0] &^ 0xff, Stack: a[1], ParentTID: a[2], ChildTID: a[3], TLS: a[4],
		ExitSignal: abi.Signal(a[0] & 0xff)}
	child, err := t.Clone(ca, s.fileHooks())
	if err != nil {
		return 0, err
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

func sysWaitid(s *System, t *task.Task, a Args) (uint64, error) {
	const pAll, pPID, pPGID = 0, 1, 2
	var pid int32
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
	default:
		return 0, abi.EINVAL
	}
	res, err := t.Wait(pid, int(a[3]))
	if err != nil {
		return 0, err
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

func sysPrctl(s *System, t *task.Task, a Args) (uint64, error) {
	const (
		prSetPdeathsig    = 1
		prGetPdeathsig    = 2
		prGetDumpable     = 3
		prSetDumpable     = 4
		prSetName         = 15
		prGetName         = 16
		prCapbsetRead     = 23
		prSetChildSubreap = 36
		prGetChildSubreap = 37
		prSetNoNewPrivs   = 38
		prGetNoNewPrivs   = 39
		prSetMM           = 35
	)
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
	case prSetDumpable, prSetNoNewPrivs:
		return 0, nil
	case prGetPdeathsig:
		return 0, m.WriteUint32(a[1], uint32(t.TG().Pdeathsig()))
	case prGetDumpable:
		return 1, nil
	case prGetNoNewPrivs:
		return 0, nil
	case prCapbsetRead:
		if a[1] > 40 {
			return 0, abi.EINVAL
		}
		return 1, nil
	}
	return 0, abi.EINVAL
}

func sysArchPrctl(s *System, t *task.Task, a Args) (uint64, error) {
	const setGS, setFS, getFS, getGS = 0x1001, 0x1002, 0x1003, 0x1004
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
	}
	return 0, abi.EINVAL
}

// Release is the kernel release uname reports: systemd and glibc compare
// it against minimum versions, so it reads like the reference kernel's.
const Release = "6.1.0-aramid"

func sysUname(s *System, t *task.Task, a Args) (uint64, error) {
	domain := s.domainnameOf(t)
	if domain == "" {
		domain = "(none)"
	}
	fields := []string{"Linux", s.hostnameOf(t), Release, "#1 SMP Aramid", "x86_64", domain}
	b := make([]byte, 65*6)
	for i, f := range fields {
		copy(b[i*65:i*65+64], f)
	}
	return 0, t.MM().CopyOut(a[0], b)
}

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

func sysCapget(s *System, t *task.Task, a Args) (uint64, error) {
	m := t.MM()
	ver, err := m.ReadUint32(a[0])
	if err != nil {
		return 0, err
	}
	const v1, v2, v3 = 0x19980330, 0x20071026, 0x20080522
	if ver != v1 && ver != v2 && ver != v3 {
		m.WriteUint32(a[0], v3)
		return 0, abi.EINVAL
	}
	if a[1] == 0 {
		return 0, nil
	}
	words := 2
	if ver == v1 {
		words = 1
	}
	var caps uint32
	if t.TG().Creds().EUID == 0 {
		caps = 0xffffffff
	}
	b := make([]byte, 12*words)
	for i := 0; i < words; i++ {
		c := caps
		if i == 1 {
			c = caps & 0x1ff // CAP_LAST_CAP = 40
		}
		binary.LittleEndian.PutUint32(b[i*12:], c)
		binary.LittleEndian.PutUint32(b[i*12+4:], c)
		binary.LittleEndian.PutUint32(b[i*12+8:], 0)
	}
	return 0, m.CopyOut(a[1], b)
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

func sysSetuid(s *System, t *task.Task, a Args) (uint64, error) {
	c := t.TG().Creds()
	id := uint32(a[0])
	switch {
	case c.EUID == 0:
		c.UID, c.EUID, c.SUID, c.FSUID = id, id, id, id
	case id == c.UID || id == c.SUID:
		c.EUID, c.FSUID = id, id
	default:
		return 0, abi.EPERM
	}
	t.TG().SetCreds(c)
	return 0, nil
}

func sysSetgid(s *System, t *task.Task, a Args) (uint64, error) {
	c := t.TG().Creds()
	id := uint32(a[0])
	switch {
	case c.EUID == 0:
		c.GID, c.EGID, c.SGID, c.FSGID = id, id, id, id
	case id == c.GID || id == c.SGID:
		c.EGID, c.FSGID = id, id
	default:
		return 0, abi.EPERM
	}
	t.TG().SetCreds(c)
	return 0, nil
}

func sysSetresuid(s *System, t *task.Task, a Args) (uint64, error) {
	c := t.TG().Creds()
	set := func(dst *uint32, v uint64) bool {
		if uint32(v) == ^uint32(0) {
			return true
		}
		id := uint32(v)
		if c.EUID != 0 && id != c.UID && id != c.EUID && id != c.SUID {
			return false
		}
		*dst = id
		return true
	}
	n := c
	if !set(&n.UID, a[0]) || !set(&n.EUID, a[1]) || !set(&n.SUID, a[2]) {
		return 0, abi.EPERM
	}
	n.FSUID = n.EUID
	t.TG().SetCreds(n)
	return 0, nil
}

func sysSetresgid(s *System, t *task.Task, a Args) (uint64, error) {
	c := t.TG().Creds()
	set := func(dst *uint32, v uint64) bool {
		if uint32(v) == ^uint32(0) {
			return true
		}
		id := uint32(v)
		if c.EUID != 0 && id != c.GID && id != c.EGID && id != c.SGID {
			return false
		}
		*dst = id
		return true
	}
	n := c
	if !set(&n.GID, a[0]) || !set(&n.EGID, a[1]) || !set(&n.SGID, a[2]) {
		return 0, abi.EPERM
	}
	n.FSGID = n.EGID
	t.TG().SetCreds(n)
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

func sysSetgroups(s *System, t *task.Task, a Args) (uint64, error) {
	c := t.TG().Creds()
	if c.EUID != 0 {
		return 0, abi.EPERM
	}
	if a[0] > 65536 {
		return 0, abi.EINVAL
	}
	b := make([]byte, 4*a[0])
	if err := t.MM().CopyIn(a[1], b); err != nil {
		return 0, err
	}
	c.Groups = c.Groups[:0]
	for i := 0; i < int(a[0]); i++ {
		c.Groups = append(c.Groups, binary.LittleEndian.Uint32(b[i*4:]))
	}
	t.TG().SetCreds(c)
	return 0, nil
}
