package mm

// Resource limits the address space enforces (RLIMIT_AS, RLIMIT_STACK;
// RLIMIT_MEMLOCK is applied by the mlock calls, see lock.go): the owner
// supplies the current soft limits through SetLimits.

// Resource numbers as in <sys/resource.h>.
const (
	rlimitStack  = 3
	rlimitAS     = 9
	rlimInfinity = ^uint64(0)
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
