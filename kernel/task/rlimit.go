package task

import (
	"time"

	"aramid/kernel/abi"
)

// Resource limits (getrlimit, setrlimit, prlimit64). They live in the
// thread group under its mutex; the soft limits are mirrored in atomics so
// hot paths (every write, every return from user code) read them without
// a lock.

// Rlimit is a resource limit (struct rlimit).
type Rlimit struct{ Cur, Max uint64 }

// RlimInfinity is RLIM_INFINITY.
const RlimInfinity = ^uint64(0)

// Resource numbers.
const (
	RlimitCPU        = 0
	RlimitFsize      = 1
	RlimitData       = 2
	RlimitStack      = 3
	RlimitCore       = 4
	RlimitRSS        = 5
	RlimitNproc      = 6
	RlimitNofile     = 7
	RlimitMemlock    = 8
	RlimitAS         = 9
	RlimitSigpending = 11
	RlimitNice       = 13
	RlimitRtprio     = 14
	NumRlimits       = 16
)

// NrOpen is fs.nr_open: RLIMIT_NOFILE's hard limit may not exceed it.
const NrOpen = 1 << 20

// DefaultRlimits are Linux's defaults for init.
func DefaultRlimits() [NumRlimits]Rlimit {
	var l [NumRlimits]Rlimit
	for i := range l {
		l[i] = Rlimit{RlimInfinity, RlimInfinity}
	}
	l[RlimitStack] = Rlimit{8 << 20, RlimInfinity}
	l[RlimitCore] = Rlimit{0, RlimInfinity}
	l[RlimitNproc] = Rlimit{63432, 63432}
	l[RlimitNofile] = Rlimit{1024, 4096}
	l[RlimitMemlock] = Rlimit{8 << 20, 8 << 20}
	l[11] = Rlimit{63432, 63432}   // RLIMIT_SIGPENDING
	l[12] = Rlimit{819200, 819200} // RLIMIT_MSGQUEUE
	l[RlimitNice] = Rlimit{0, 0}
	l[RlimitRtprio] = Rlimit{0, 0}
	return l
}

// ensureLimitsLocked fills in the defaults the first time; g.mu is held.
func (g *ThreadGroup) ensureLimitsLocked() {
	if !g.limitsSet {
		g.limits = DefaultRlimits()
		g.limitsSet = true
		g.publishLimitsLocked()
	}
}

// publishLimitsLocked mirrors the soft limits into the atomics.
func (g *ThreadGroup) publishLimitsLocked() {
	for i := range g.limits {
		g.limCur[i].Store(g.limits[i].Cur)
	}
	g.limPublished.Store(true)
}

// RlimitCur returns the soft limit of resource r without taking g.mu on
// the common path.
func (g *ThreadGroup) RlimitCur(r int) uint64 {
	if r < 0 || r >= NumRlimits {
		return RlimInfinity
	}
	if !g.limPublished.Load() {
		l, _ := g.Rlimit(r, nil, false)
		return l.Cur
	}
	return g.limCur[r].Load()
}

// Rlimit returns and optionally sets resource r, with Linux's do_prlimit
// rules: soft above hard is EINVAL, RLIMIT_NOFILE beyond nr_open EPERM,
// raising the hard limit needs privilege (CAP_SYS_RESOURCE) or EPERM.
func (g *ThreadGroup) Rlimit(r int, set *Rlimit, privileged bool) (Rlimit, error) {
	if r < 0 || r >= NumRlimits {
		return Rlimit{}, abi.EINVAL
	}
	if set != nil {
		if set.Cur > set.Max {
			return Rlimit{}, abi.EINVAL
		}
		if r == RlimitNofile && set.Max > NrOpen {
			return Rlimit{}, abi.EPERM
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ensureLimitsLocked()
	old := g.limits[r]
	if set != nil {
		if set.Max > old.Max && !privileged {
			return Rlimit{}, abi.EPERM
		}
		g.limits[r] = *set
		g.publishLimitsLocked()
	}
	return old, nil
}

// checkCPULimit applies RLIMIT_CPU after the process has used total CPU
// time: SIGKILL at the hard limit; at the soft limit SIGXCPU, and the soft
// limit moves up a second so the signal repeats every second, as Linux's
// check_process_timers does.
func (g *ThreadGroup) checkCPULimit(total time.Duration) {
	soft := g.RlimitCur(RlimitCPU)
	if soft == RlimInfinity || total < 0 {
		return
	}
	secs := uint64(total / time.Second)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ensureLimitsLocked()
	l := &g.limits[RlimitCPU]
	if l.Max != RlimInfinity && secs >= l.Max {
		g.sendLocked(sigInfo{signo: abi.SIGKILL, code: siKernel})
		return
	}
	if l.Cur != RlimInfinity && secs >= l.Cur {
		g.sendLocked(sigInfo{signo: abi.SIGXCPU, code: siKernel})
		l.Cur++
		g.publishLimitsLocked()
	}
}
