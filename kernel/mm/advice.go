package mm

import (
	"sort"

	"aramid/kernel/abi"
	"aramid/kernel/machine"
)

// madvise(2) advice values.
const (
	MadvNormal         = 0
	MadvRandom         = 1
	MadvSequential     = 2
	MadvWillneed       = 3
	MadvDontneed       = 4
	MadvFree           = 8
	MadvRemove         = 9
	MadvDontfork       = 10
	MadvDofork         = 11
	MadvMergeable      = 12
	MadvUnmergeable    = 13
	MadvHugepage       = 14
	MadvNohugepage     = 15
	MadvDontdump       = 16
	MadvDodump         = 17
	MadvWipeonfork     = 18
	MadvKeeponfork     = 19
	MadvCold           = 20
	MadvPageout        = 21
	MadvPopulateRead   = 22
	MadvPopulateWrite  = 23
	MadvDontneedLocked = 24
	MadvCollapse       = 25
)

// ValidAdvice reports whether Linux (6.1, with KSM and transparent huge
// pages built in and without memory-failure handling, so no
// MADV_HWPOISON or MADV_SOFT_OFFLINE) accepts the advice value.
func ValidAdvice(advice int) bool {
	switch advice {
	case MadvNormal, MadvRandom, MadvSequential, MadvWillneed, MadvDontneed,
		MadvFree, MadvRemove, MadvDontfork, MadvDofork, MadvMergeable, MadvUnmergeable,
		MadvHugepage, MadvNohugepage, MadvDontdump, MadvDodump, MadvWipeonfork,
		MadvKeeponfork, MadvCold, MadvPageout, MadvPopulateRead, MadvPopulateWrite,
		MadvDontneedLocked, MadvCollapse:
		return true
	}
	return false
}

// HolePuncher is a Mappable whose file can free a range (MADV_REMOVE on a
// shared mapping: fallocate's FALLOC_FL_PUNCH_HOLE).
type HolePuncher interface {
	PunchHole(off, length uint64) error
}

// Resident is a Mappable that knows whether the file holds the page at a
// (page-aligned) offset in memory: its page cache, for mincore.
type Resident interface {
	Resident(off uint64) bool
}

// Madvise implements madvise(2) as Linux's madvise_walk_vmas does: the
// advice applies to each mapped part of [addr, addr+length); holes make the
// result ENOMEM once the mapped parts are done, and the first part that
// refuses the advice ends the walk with its error.
func (m *MM) Madvise(addr, length uint64, advice int) error {
	if !ValidAdvice(advice) || addr&pageMask != 0 {
		return errInval
	}
	n := (length + pageMask) &^ pageMask
	if length != 0 && n == 0 {
		return errInval
	}
	end := addr + n
	if end < addr {
		return errInval
	}
	if end == addr {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var unmapped error
	for start := addr; start < end; {
		i := m.next(start)
		if i < 0 {
			return errNoMem
		}
		v := m.vmas[i]
		if start < v.Start {
			unmapped = errNoMem
			if start = v.Start; start >= end {
				break
			}
		}
		stop := min(v.End, end)
		if err := m.adviseLocked(i, start, stop, advice); err != nil {
			return err
		}
		start = stop
	}
	return unmapped
}

// next returns the index of the first VMA ending after addr, or -1.
func (m *MM) next(addr uint64) int {
	i := sort.Search(len(m.vmas), func(i int) bool { return m.vmas[i].End > addr })
	if i == len(m.vmas) {
		return -1
	}
	return i
}

// adviseLocked applies advice to [start, end), which lies in m.vmas[i].
func (m *MM) adviseLocked(i int, start, end uint64, advice int) error {
	v := m.vmas[i]
	switch advice {
	case MadvWillneed:
		return nil // every page here is in memory or comes from memory
	case MadvCold, MadvPageout:
		if v.Flags&VMLocked != 0 {
			return errInval
		}
		return nil // without swap nothing can be reclaimed or aged
	case MadvDontneed, MadvDontneedLocked, MadvFree:
		if v.Flags&VMPFNMap != 0 || v.Flags&VMLocked != 0 && advice != MadvDontneedLocked {
			return errInval
		}
		if advice == MadvFree && (v.File != nil || v.Shared) {
			return errInval
		}
		if v.Flags&VMSpecial != 0 {
			// The vDSO's pages are the kernel's: Linux maps the same ones
			// again on the next touch, so dropping them changes nothing.
			return nil
		}
		// Private pages go (anonymous ones read back as zero, file ones
		// as the file); shared ones stay in their object and are mapped
		// again on the next touch. MADV_FREE frees at once, which Linux
		// does under memory pressure.
		m.unmapPages(v, start, end)
		return nil
	case MadvRemove:
		return m.removeLocked(v, start, end)
	case MadvPopulateRead, MadvPopulateWrite:
		return m.populateAdvice(v, start, end, advice == MadvPopulateWrite)
	case MadvCollapse:
		return m.collapse(v, start, end)
	}
	set, clr := VMFlags(0), VMFlags(0)
	switch advice {
	case MadvNormal:
		clr = VMSeqRead | VMRandRead
	case MadvRandom:
		set, clr = VMRandRead, VMSeqRead
	case MadvSequential:
		set, clr = VMSeqRead, VMRandRead
	case MadvDontfork:
		set = VMDontCopy
	case MadvDofork:
		clr = VMDontCopy
	case MadvWipeonfork:
		if v.File != nil || v.Shared {
			return errInval
		}
		set = VMWipeOnFork
	case MadvKeeponfork:
		clr = VMWipeOnFork
	case MadvDontdump:
		set = VMDontDump
	case MadvDodump:
		clr = VMDontDump
	case MadvMergeable:
		if !v.Shared {
			set = VMMergeable
		}
	case MadvUnmergeable:
		clr = VMMergeable
	case MadvHugepage:
		set, clr = VMHugePage, VMNoHugePage
	case MadvNohugepage:
		set, clr = VMNoHugePage, VMHugePage
	}
	m.setFlags(start, end, set, clr)
	return nil
}

// setFlags sets and clears VMA flags over [start, end), which lies in one
// VMA, splitting it when the flags change on part of it.
func (m *MM) setFlags(start, end uint64, set, clr VMFlags) {
	i := m.find(start)
	if i < 0 || (m.vmas[i].Flags|set)&^clr == m.vmas[i].Flags {
		return
	}
	m.split(start)
	m.split(end)
	for _, v := range m.vmas {
		if v.Start >= start && v.End <= end {
			v.Flags = (v.Flags | set) &^ clr
		}
	}
}

// removeLocked is MADV_REMOVE: free the backing store of a shared
// writable mapping, so the range reads back as zeros everywhere.
func (m *MM) removeLocked(v *VMA, start, end uint64) error {
	if v.Flags&VMLocked != 0 {
		return errInval
	}
	hp, punch := v.File.(HolePuncher)
	if v.shared == nil && !punch {
		return errInval // private anonymous memory has no backing file
	}
	if !v.Shared || v.WriteDenied {
		return abi.EACCES // private, or the file is not open for writing
	}
	m.unmapPages(v, start, end)
	if punch {
		return hp.PunchHole(v.fileOffset(start), end-start)
	}
	first := (start-v.Start)/pageSize + v.Offset/pageSize
	last := (end-v.Start)/pageSize + v.Offset/pageSize
	v.shared.mu.Lock()
	defer v.shared.mu.Unlock()
	for idx := first; idx < last; idx++ {
		f, ok := v.shared.pages[idx]
		if !ok {
			continue
		}
		if m.frames.count(f) == 1 {
			// Mapped nowhere: the page goes.
			delete(v.shared.pages, idx)
			m.frames.put(f)
			continue
		}
		// Another process maps it: zero it where it is, so every mapping
		// agrees.
		clear(m.frames.Mem.FrameData(f))
	}
	return nil
}

// populateAdvice is MADV_POPULATE_READ/WRITE: fault every page in as a
// read or write would, EINVAL where the mapping does not allow that
// access, EFAULT where the fault would be a signal.
func (m *MM) populateAdvice(v *VMA, start, end uint64, write bool) error {
	need, acc := machine.Read, AccessRead
	if write {
		need, acc = machine.Write, AccessWrite
	}
	if v.Perm&need == 0 {
		return errInval
	}
	for va := start; va < end; va += pageSize {
		if _, p, ok := m.pt.Lookup(va); ok && p != 0 && (!write || p&machine.Write != 0) {
			continue
		}
		if err := m.fault(va, acc); err != nil {
			if fe, ok := err.(*FaultError); ok && fe.NoMem {
				return errNoMem
			}
			return errFault
		}
	}
	return nil
}

// collapse is MADV_COLLAPSE. Linux collapses the 2 MiB-aligned blocks of
// an eligible mapping into transparent huge pages and refuses ineligible
// ones (too small to hold a block, not anonymous) with EINVAL. This kernel
// has no huge pages, so no mapping is eligible.
func (m *MM) collapse(v *VMA, start, end uint64) error { return errInval }

// populateLocked faults in [start, end) as Linux's populate_vma_page_range
// does: private writable mappings by a write (breaking copy-on-write when
// cow is set), the rest by a read, stopping at the first page that cannot
// be had: ENOMEM for a hole or no memory, EFAULT for a page that would be
// a signal (past the end of the file, or PROT_NONE).
func (m *MM) populateLocked(start, end uint64, cow bool) error {
	for va := start; va < end; va += pageSize {
		i := m.find(va)
		if i < 0 {
			return errNoMem
		}
		v := m.vmas[i]
		acc := AccessRead
		if cow && !v.Shared && v.Perm&machine.Write != 0 {
			acc = AccessWrite
		}
		if _, p, ok := m.pt.Lookup(va); ok && p != 0 && (acc != AccessWrite || p&machine.Write != 0) {
			continue
		}
		if v.Perm&(machine.Read|machine.Write|machine.Exec) == 0 {
			return errFault
		}
		if err := m.fault(va, acc); err != nil {
			if fe, ok := err.(*FaultError); ok && fe.NoMem {
				return errNoMem
			}
			return errFault
		}
	}
	return nil
}

// Populate faults in every page of [addr, addr+n) for reading
// (MAP_POPULATE); ENOMEM if part of it is unmapped or cannot be had.
func (m *MM) Populate(addr, n uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.populateLocked(addr&^pageMask, (addr+n+pageMask)&^pageMask, false)
}

// Mincore implements mincore(2)'s walk: one byte per page from addr, 1
// where the page is in memory — mapped here, or (unmapped here) held by
// the shared object or the file's page cache. Untouched anonymous pages
// are not. It returns the bytes for the pages before the first hole, and
// ENOMEM if there is one.
func (m *MM) Mincore(addr, pages uint64) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]byte, 0, min(pages, 1<<16))
	for p := uint64(0); p < pages; p++ {
		va := addr + p*pageSize
		i := m.find(va)
		if i < 0 {
			return out, errNoMem
		}
		out = append(out, m.residentLocked(m.vmas[i], va))
	}
	return out, nil
}

func (m *MM) residentLocked(v *VMA, va uint64) byte {
	if _, _, ok := m.pt.Lookup(va); ok {
		return 1
	}
	if v.shared != nil {
		v.shared.mu.Lock()
		defer v.shared.mu.Unlock()
		if _, ok := v.shared.pages[(va-v.Start)/pageSize+v.Offset/pageSize]; ok {
			return 1
		}
		return 0
	}
	if r, ok := v.File.(Resident); ok && r.Resident(v.fileOffset(va)) {
		return 1
	}
	return 0
}

// Syncer is a Mappable that can write its file's data to stable storage
// (fsync): msync(MS_SYNC) calls it for the shared mappings in its range,
// as Linux calls vfs_fsync_range.
type Syncer interface {
	Sync() error
}

// Msync implements msync(2): it checks the range as Linux does (ENOMEM
// for a hole, at once for MS_ASYNC alone, after the rest otherwise;
// EBUSY for MS_INVALIDATE over locked memory). Shared file mappings map
// the file's own pages, so stores are already in the file; with MS_SYNC
// each shared mapping's file is synced (Syncer), after the address space
// is unlocked, as Linux drops mmap_lock around vfs_fsync_range.
func (m *MM) Msync(addr, length uint64, flags int) error {
	var sync []Syncer
	err := m.msyncRange(addr, length, flags, &sync)
	for _, s := range sync {
		if serr := s.Sync(); serr != nil && err == nil {
			err = serr
		}
	}
	return err
}

func (m *MM) msyncRange(addr, length uint64, flags int, sync *[]Syncer) error {
	const msAsync, msInvalidate, msSync = 1, 2, 4
	if flags&^(msAsync|msInvalidate|msSync) != 0 || addr&pageMask != 0 ||
		flags&msAsync != 0 && flags&msSync != 0 {
		return errInval
	}
	n := (length + pageMask) &^ pageMask
	end := addr + n
	if end < addr || length != 0 && n == 0 {
		return errNoMem
	}
	if end == addr {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var unmapped error
	for start := addr; start < end; {
		i := m.next(start)
		if i < 0 {
			return errNoMem
		}
		v := m.vmas[i]
		if start < v.Start {
			if flags == msAsync {
				return errNoMem
			}
			if start = v.Start; start >= end {
				return errNoMem
			}
			unmapped = errNoMem
		}
		if flags&msInvalidate != 0 && v.Flags&VMLocked != 0 {
			return abi.EBUSY
		}
		if sy, ok := v.File.(Syncer); ok && flags&msSync != 0 && v.Shared {
			*sync = append(*sync, sy)
		}
		start = v.End
	}
	return unmapped
}
