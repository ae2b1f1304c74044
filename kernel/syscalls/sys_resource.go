package syscalls

import (
	"encoding/binary"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

// Resource limits: getrlimit, setrlimit, prlimit64, and the RLIMIT_FSIZE
// check of the write paths. What each limit enforces, and where:
// RLIMIT_NOFILE the descriptor table (vfs.FDTable), RLIMIT_FSIZE here,
// RLIMIT_AS, RLIMIT_STACK and RLIMIT_MEMLOCK the address space (mm),
// RLIMIT_NPROC clone and RLIMIT_CPU the CPU accounting (task),
// RLIMIT_RTPRIO and RLIMIT_NICE the scheduling calls (sys_sched.go).
// Privilege (CAP_SYS_RESOURCE) is euid 0, the tree's root check.
func init() {
	const note = "enforced: NOFILE, FSIZE, AS, STACK (growth), NPROC, MEMLOCK, CPU, RTPRIO, NICE, SIGPENDING; DATA, RSS, CORE, LOCKS, MSGQUEUE and RTTIME are recorded"
	partial("prlimit64", note, sysPrlimit)
	partial("getrlimit", note, func(s *System, t *task.Task, a Args) (uint64, error) {
		if uint32(a[0]) >= task.NumRlimits {
			return 0, abi.EINVAL
		}
		return sysPrlimit(s, t, Args{0, uint64(uint32(a[0])), 0, a[1]})
	})
	partial("setrlimit", note, func(s *System, t *task.Task, a Args) (uint64, error) {
		if a[1] == 0 {
			return 0, abi.EFAULT
		}
		return sysPrlimit(s, t, Args{0, uint64(uint32(a[0])), a[1], 0})
	})
	partial("getrusage", "user and system time, ru_maxrss; faults and context switches read 0", func(s *System, t *task.Task, a Args) (uint64, error) {
		var user, sys time.Duration
		var rss int64 // pages
		switch int32(a[0]) {
		case 0: // RUSAGE_SELF
			user, sys = t.TG().Times()
			rss = t.TG().MaxRSS()
		case -1: // RUSAGE_CHILDREN
			user, sys = t.TG().ChildrenTimes()
			rss = t.TG().ChildrenMaxRSS()
		case 1: // RUSAGE_THREAD
			user, sys = t.ThreadTimes()
			rss = t.TG().MaxRSS()
		default:
			return 0, abi.EINVAL
		}
		b := make([]byte, 144)
		binary.LittleEndian.PutUint64(b, uint64(user/time.Second))
		binary.LittleEndian.PutUint64(b[8:], uint64(user%time.Second/time.Microsecond))
		binary.LittleEndian.PutUint64(b[16:], uint64(sys/time.Second))
		binary.LittleEndian.PutUint64(b[24:], uint64(sys%time.Second/time.Microsecond))
		binary.LittleEndian.PutUint64(b[32:], uint64(rss)*4) // ru_maxrss in KiB
		return 0, t.MM().CopyOut(a[1], b)
	})
}

// prlimitAllowed is Linux's check_prlimit_permission: another process's
// limits are open to a caller whose real uid and gid equal the target's
// real, effective and saved ones, or to a privileged caller.
func prlimitAllowed(t *task.Task, g *task.ThreadGroup) bool {
	if g == t.TG() {
		return true
	}
	return prlimitCredsAllowed(t.TG().Creds(), g.Creds())
}

// sysPrlimit implements prlimit64(pid, resource, new, old).
func sysPrlimit(s *System, t *task.Task, a Args) (uint64, error) {
	m := t.MM()
	var set *task.Rlimit
	if a[2] != 0 {
		b := make([]byte, 16)
		if err := m.CopyIn(a[2], b); err != nil {
			return 0, err
		}
		set = &task.Rlimit{Cur: binary.LittleEndian.Uint64(b), Max: binary.LittleEndian.Uint64(b[8:])}
	}
	g := t.TG()
	if pid := int32(a[0]); pid != 0 {
		tt := s.K.Task(pid)
		if tt == nil {
			return 0, abi.ESRCH
		}
		g = tt.TG()
	}
	if !prlimitAllowed(t, g) {
		return 0, abi.EPERM
	}
	resource := uint32(a[1])
	if resource >= task.NumRlimits {
		return 0, abi.EINVAL
	}
	old, err := g.Rlimit(int(resource), set, capable(t, abi.CAP_SYS_RESOURCE))
	if err != nil {
		return 0, err
	}
	if set != nil && resource == task.RlimitNofile {
		if ft, ok := g.Files.(*vfs.FDTable); ok {
			ft.SetLimit(int(min(set.Cur, task.NrOpen)))
		}
	}
	if a[3] != 0 {
		b := make([]byte, 16)
		binary.LittleEndian.PutUint64(b, old.Cur)
		binary.LittleEndian.PutUint64(b[8:], old.Max)
		return 0, m.CopyOut(a[3], b)
	}
	return 0, nil
}

// fsizeLimit applies RLIMIT_FSIZE to a write of n bytes to a regular file
// at pos (-1: the file position, or the end with O_APPEND): at or beyond
// the limit it raises SIGXFSZ and fails with EFBIG, otherwise it returns
// how many bytes may be written (a write crossing the limit is cut short).
func fsizeLimit(t *task.Task, f *vfs.File, pos int64, n uint64) (uint64, error) {
	lim := t.TG().RlimitCur(task.RlimitFsize)
	if lim == task.RlimInfinity || n == 0 {
		return n, nil
	}
	st, err := f.Stat()
	if err != nil || st.Mode&abi.S_IFMT != abi.S_IFREG {
		return n, nil
	}
	if pos < 0 {
		pos = f.Offset()
		if f.Flags()&abi.O_APPEND != 0 {
			pos = int64(st.Size)
		}
	}
	if uint64(pos) >= lim {
		t.SendKernel(abi.SIGXFSZ)
		return 0, abi.EFBIG
	}
	return min(n, lim-uint64(pos)), nil
}

// fsizeTruncate applies RLIMIT_FSIZE to growing a file from cur to size
// (truncate, ftruncate, fallocate): beyond the limit, SIGXFSZ and EFBIG.
func fsizeTruncate(t *task.Task, cur, size int64) error {
	lim := t.TG().RlimitCur(task.RlimitFsize)
	if lim != task.RlimInfinity && size > cur && size > 0 && uint64(size) > lim {
		t.SendKernel(abi.SIGXFSZ)
		return abi.EFBIG
	}
	return nil
}

// prlimitCredsAllowed reports whether a process with credentials caller may read
// or change the limits of another process with credentials target
// (prlimit64 on a pid other than its own): Linux's check_prlimit_permission
// asks that the caller's real uid be the target's real, effective and saved
// uid and its real gid the target's three gids, unless the caller has
// CAP_SYS_RESOURCE (here: effective uid 0).
func prlimitCredsAllowed(caller, target task.Creds) bool {
	if caller.EUID == 0 {
		return true
	}
	u, g := caller.UID, caller.GID
	return target.UID == u && target.EUID == u && target.SUID == u &&
		target.GID == g && target.EGID == g && target.SGID == g
}
