package mm

import "aramid/kernel/abi"

// Resource limits the address space enforces (RLIMIT_AS, RLIMIT_STACK,
// RLIMIT_MEMLOCK) and memory locking (mlock, mlockall): the owner
// supplies the current soft limits through SetLimits.

// Resource numbers as in <sys/resource.h>.
const (
	rlimitStack   = 3
	rlimitMemlock = 8
	rlimitAS      = 9
	rlimInfinity  = ^uint64(0)
)

// SetLimits installs the function giving the soft limit of a resource
// (nil: no limits). The task layer sets it when it attaches the MM to a
// process.
func (m *MM) SetLimits(f func(resource int) uint64) {
	m.mu.Lock()
	m.limitFn = f
	m.mu.Unlock()
}

// limit returns the soft limit of resource r; m.mu is held.
func (m *MM) limit(r int) uint64 {
	if m.limitFn == nil {
		if r == rlimitStack {
			return stackLimit
		}
		return rlimInfinity
	}
	return m.limitFn(r)
}

// totalLocked is the size of every mapping (Linux's total_vm); m.mu is
// held.
func (m *MM) totalLocked() uint64 {
	var n uint64
	for _, v := range m.vmas {
		n += v.End - v.Start
	}
	return n
}

// overlapLocked is how much of [start, end) is mapped; m.mu is held.
func (m *MM) overlapLocked(start, end uint64) uint64 {
	var n uint64
	for _, v := range m.vmas {
		if v.End <= start || v.Start >= end {
			continue
		}
		n += min(v.End, end) - max(v.Start, start)
	}
	return n
}

// mayExpandLocked is Linux's may_expand_vm: growing by grow bytes (after
// freeing freed) must keep the address space within RLIMIT_AS.
func (m *MM) mayExpandLocked(grow, freed uint64) bool {
	lim := m.limit(rlimitAS)
	if lim == rlimInfinity {
		return true
	}
	total := m.totalLocked() - freed
	return total+grow <= lim && total+grow >= total
}

// VMSize returns the size of every mapping (total_vm, in bytes).
func (m *MM) VMSize() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.totalLocked()
}

// LockedSize returns the bytes of locked mappings (VmLck).
func (m *MM) LockedSize() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lockedLocked()
}

func (m *MM) lockedLocked() uint64 {
	var n uint64
	for _, v := range m.vmas {
		if v.Locked {
			n += v.End - v.Start
		}
	}
	return n
}

// Mlock locks [addr, addr+length) (page-rounded outwards) and faults it
// in, as mlock(2): unprivileged callers need a non-zero RLIMIT_MEMLOCK
// (EPERM) and may not lock more than it in total, counting pages already
// locked once (ENOMEM); a hole in the range is ENOMEM. onFault
// (MLOCK_ONFAULT) leaves the pages to be faulted in when touched.
func (m *MM) Mlock(addr, length uint64, privileged, onFault bool) error {
	start := addr &^ pageMask
	end := (addr + length + pageMask) &^ pageMask
	if end < start || end > UserTop {
		return errNoMem
	}
	m.mu.Lock()
	lim := m.limit(rlimitMemlock)
	if !privileged && lim == 0 {
		m.mu.Unlock()
		return abi.EPERM
	}
	if !privileged && lim != rlimInfinity {
		already := uint64(0)
		for _, v := range m.vmas {
			if v.Locked && v.End > start && v.Start < end {
				already += min(v.End, end) - max(v.Start, start)
			}
		}
		if m.lockedLocked()+(end-start)-already > lim&^pageMask {
			m.mu.Unlock()
			return errNoMem
		}
	}
	if err := m.setLockedLocked(start, end, true); err != nil {
		m.mu.Unlock()
		return err
	}
	m.mu.Unlock()
	if onFault {
		return nil
	}
	return m.Populate(start, end-start)
}

// Munlock unlocks [addr, addr+length); a hole is ENOMEM.
func (m *MM) Munlock(addr, length uint64) error {
	start := addr &^ pageMask
	end := (addr + length + pageMask) &^ pageMask
	if end < start || end > UserTop {
		return errNoMem
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.setLockedLocked(start, end, false)
}

// setLockedLocked marks [start, end), which must be fully mapped, locked
// or not.
func (m *MM) setLockedLocked(start, end uint64, locked bool) error {
	for a := start; a < end; {
		i := m.find(a)
		if i < 0 {
			return errNoMem
		}
		a = m.vmas[i].End
	}
	m.split(start)
	m.split(end)
	for _, v := range m.vmas {
		if v.Start >= start && v.End <= end {
			v.Locked = locked
		}
	}
	return nil
}

// MCL_* flags of mlockall.
const (
	MclCurrent = 1
	MclFuture  = 2
	MclOnfault = 4
)

// Mlockall implements mlockall(2): MCL_CURRENT locks every mapping (the
// whole address space must fit RLIMIT_MEMLOCK unless privileged), and
// MCL_FUTURE locks mappings made from now on.
func (m *MM) Mlockall(flags int, privileged bool) error {
	if flags == 0 || flags&^(MclCurrent|MclFuture|MclOnfault) != 0 || flags == MclOnfault {
		return abi.EINVAL
	}
	m.mu.Lock()
	lim := m.limit(rlimitMemlock)
	if !privileged && lim == 0 {
		m.mu.Unlock()
		return abi.EPERM
	}
	if flags&MclCurrent != 0 && !privileged && lim != rlimInfinity && m.totalLocked() > lim&^pageMask {
		m.mu.Unlock()
		return errNoMem
	}
	m.lockFuture = flags&MclFuture != 0
	if flags&MclCurrent == 0 {
		m.mu.Unlock()
		return nil
	}
	var ranges [][2]uint64
	for _, v := range m.vmas {
		v.Locked = true
		ranges = append(ranges, [2]uint64{v.Start, v.End})
	}
	m.mu.Unlock()
	for _, r := range ranges {
		m.Populate(r[0], r[1]-r[0]) // PROT_NONE and file holes stay as they are
	}
	return nil
}

// Munlockall implements munlockall(2).
func (m *MM) Munlockall() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lockFuture = false
	for _, v := range m.vmas {
		v.Locked = false
	}
}
