package mm

// Memory locking (mlock, mlock2, munlock, mlockall, munlockall). Nothing
// is ever paged out in this kernel, so what a lock changes is what Linux
// shows of it: the pages are faulted in (unless on-fault), the VMAs carry
// VM_LOCKED and split where a lock starts or ends, VmLck counts them,
// msync(MS_INVALIDATE) and MADV_DONTNEED refuse them, and fork does not
// pass them on.

// mlockall(2) flags.
const (
	MclCurrent = 1
	MclFuture  = 2
	MclOnfault = 4
)

// LockedBytes returns how much of the address space is locked (VmLck).
func (m *MM) LockedBytes() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n uint64
	for _, v := range m.vmas {
		if v.Flags&VMLocked != 0 {
			n += v.End - v.Start
		}
	}
	return n
}

// UnlockedIn returns how many bytes of [start, end) are not locked
// already (holes included, as Linux counts): what locking the range may
// add to VmLck, for RLIMIT_MEMLOCK.
func (m *MM) UnlockedIn(start, end uint64) uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := end - start
	for _, v := range m.vmas {
		lo, hi := max(v.Start, start), min(v.End, end)
		if lo < hi && v.Flags&VMLocked != 0 {
			n -= hi - lo
		}
	}
	return n
}

// Size returns the size of every mapping in bytes (total_vm).
func (m *MM) Size() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.totalLocked()
}

// FutureLocked reports whether new mappings will be locked
// (mlockall(MCL_FUTURE)).
func (m *MM) FutureLocked() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.defFlags&VMLocked != 0
}

// Mlock sets (lock) or clears the lock on [start, end), page-aligned, as
// Linux's apply_vma_lock_flags: ENOMEM if the range starts in a hole; the
// parts before a later hole are changed and the result is ENOMEM. Locking
// faults the pages in unless onFault; a page that cannot be had makes the
// result EAGAIN (ENOMEM if the range ran into a hole meanwhile).
func (m *MM) Mlock(start, end uint64, lock, onFault bool) error {
	if end < start {
		return errInval
	}
	if end == start {
		return nil
	}
	set := VMFlags(0)
	if lock {
		set = VMLocked
		if onFault {
			set |= VMLockOnFault
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.find(start)
	if i < 0 {
		return errNoMem
	}
	for a := start; a < end; {
		i := m.find(a)
		if i < 0 {
			return errNoMem
		}
		stop := min(m.vmas[i].End, end)
		if m.vmas[i].Flags&VMSpecial == 0 {
			m.setFlags(a, stop, set, (VMLocked|VMLockOnFault)&^set)
		}
		a = stop
	}
	if !lock || onFault {
		return nil
	}
	// As Linux's __mlock_posix_error_return: a page that cannot be
	// faulted is ENOMEM, no memory is EAGAIN.
	switch m.populateLocked(start, end, true) {
	case nil:
		return nil
	case errNoMem:
		return errAgain
	}
	return errNoMem
}

// Mlockall applies mlockall(2)'s flags (checked by the caller):
// MCL_CURRENT locks every mapping now (faulting it in unless MCL_ONFAULT),
// MCL_FUTURE makes new mappings locked. Flags 0 is munlockall.
func (m *MM) Mlockall(flags int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.defFlags &^= VMLocked | VMLockOnFault
	if flags&MclFuture != 0 {
		m.defFlags |= VMLocked
		if flags&MclOnfault != 0 {
			m.defFlags |= VMLockOnFault
		}
		if flags&MclCurrent == 0 {
			return
		}
	}
	set := VMFlags(0)
	if flags&MclCurrent != 0 {
		set = VMLocked
		if flags&MclOnfault != 0 {
			set |= VMLockOnFault
		}
	}
	for _, v := range m.vmas {
		if v.Flags&VMSpecial == 0 {
			v.Flags = v.Flags&^(VMLocked|VMLockOnFault) | set
		}
	}
	if set == VMLocked {
		for _, v := range m.vmas {
			m.populateLocked(v.Start, v.End, true) // errors ignored, as Linux's mm_populate
		}
	}
}
