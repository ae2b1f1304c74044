package mm

import (
	"sync/atomic"

	"aramid/kernel/machine"
)

// Page kinds, as Linux's mm counters split the resident set: anonymous
// private memory, file pages, and shared memory (MAP_SHARED anonymous and
// tmpfs-backed shared mappings).
const (
	kindAnon = iota
	kindFile
	kindShmem
	numKinds
)

// kindOf classifies v's pages. A private file mapping's pages count as file
// pages even once written (Aramid copies file pages into private frames at
// the first fault, so it cannot tell a written page from a read one; Linux
// counts a copied-on-write page as anonymous).
func kindOf(v *VMA) int {
	switch {
	case v.Flags&VMSpecial != 0:
		return kindFile
	case v.Shared && v.File == nil:
		return kindShmem
	case v.Shared:
		if _, ok := v.File.(PageMapper); ok {
			return kindShmem
		}
		return kindFile
	case v.File != nil:
		return kindFile
	}
	return kindAnon
}

// table is the hardware page table plus the resident-page counters it
// keeps up to date: every page mapped or unmapped through it is counted
// under the kind of its VMA. Counters are atomic so readers (/proc, the OOM
// killer) need not take the MM's lock.
type table struct {
	machine.PageTable
	pages [numKinds]atomic.Int64
	// hiwater is the peak of the counters' sum (Linux's hiwater_rss,
	// getrusage's ru_maxrss), raised by Map.
	hiwater atomic.Int64
	// scan is PageTable as a PresentScanner, when it is one.
	scan machine.PresentScanner
	// tlb remembers translations the copies to and from user memory made
	// (copy.go), so that a system call's few small copies to the same
	// pages do not each walk the page table. Map, Unmap and Release empty
	// it, and every change to a present entry goes through them; it is
	// read and filled with the MM's lock held.
	tlb [tlbEntries]tlbEntry
}

// tlbEntries is the size of the copy translation cache (direct-mapped by
// page number).
const tlbEntries = 8

type tlbEntry struct {
	va    uint64 // page address; valid when data != nil
	data  []byte // the frame's bytes through the direct map
	write bool   // the entry allows writes
}

// flushTLB forgets every cached translation.
func (t *table) flushTLB() { t.tlb = [tlbEntries]tlbEntry{} }

// nextPresent returns the first page in [va, end) with a present entry,
// its frame and permissions: through the page table's own scan when it
// has one (scan, set by New), else by Lookup over what next says may be
// mapped.
func (t *table) nextPresent(va, end uint64) (uint64, machine.Frame, machine.Perm, bool) {
	if t.scan != nil {
		return t.scan.NextPresent(va, end)
	}
	for va = t.next(va); va < end; va = t.next(va + pageSize) {
		if f, p, ok := t.Lookup(va); ok {
			return va, f, p, true
		}
	}
	return 0, 0, 0, false
}

// next returns the first page address at or after va that may be mapped
// (va itself when the page table cannot tell).
func (t *table) next(va uint64) uint64 {
	if s, ok := t.PageTable.(machine.SparsePageTable); ok {
		return max(s.NextMapped(va), va)
	}
	return va
}

// total is the number of resident pages of every kind.
func (t *table) total() int64 {
	var n int64
	for i := range t.pages {
		n += t.pages[i].Load()
	}
	return n
}

// Map maps va to f and counts the page if va was not mapped before.
func (t *table) Map(va uint64, f machine.Frame, p machine.Perm, kind int) error {
	t.tlb[(va>>pageShift)%tlbEntries] = tlbEntry{}
	_, _, had := t.PageTable.Lookup(va)
	if err := t.PageTable.Map(va, f, p); err != nil {
		return err
	}
	if !had {
		t.pages[kind].Add(1)
		for n := t.total(); ; {
			h := t.hiwater.Load()
			if n <= h || t.hiwater.CompareAndSwap(h, n) {
				break
			}
		}
	}
	return nil
}

// Unmap removes va's mapping and uncounts it.
func (t *table) Unmap(va uint64, kind int) (machine.Frame, bool) {
	t.tlb[(va>>pageShift)%tlbEntries] = tlbEntry{}
	f, ok := t.PageTable.Unmap(va)
	if ok {
		t.pages[kind].Add(-1)
	}
	return f, ok
}

// Release frees the page table; nothing is resident afterwards.
func (t *table) Release() {
	t.flushTLB()
	t.PageTable.Release()
	for i := range t.pages {
		t.pages[i].Store(0)
	}
}

// RSS is a resident set split as Linux's MM_ANONPAGES, MM_FILEPAGES and
// MM_SHMEMPAGES counters split it, in pages.
type RSS struct {
	Anon, File, Shmem uint64
}

// Total is the whole resident set in pages.
func (r RSS) Total() uint64 { return r.Anon + r.File + r.Shmem }

// RSS reports the resident pages without taking the address space's lock.
func (m *MM) RSS() RSS {
	get := func(k int) uint64 { return uint64(max(m.pt.pages[k].Load(), 0)) }
	return RSS{Anon: get(kindAnon), File: get(kindFile), Shmem: get(kindShmem)}
}

// TablePager is implemented by page tables that can count their own pages
// (the page-table pages of the lower half), for the OOM killer's badness
// and its report (Linux's mm_pgtables_bytes).
type TablePager interface {
	TablePages() int
}

// PageTablePages reports how many page-table pages the address space uses,
// or 0 when the platform cannot tell.
func (m *MM) PageTablePages() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if tp, ok := m.pt.PageTable.(TablePager); ok && !m.released {
		return uint64(tp.TablePages())
	}
	return 0
}

// TotalVM is the size of every mapping in pages (Linux's total_vm).
func (m *MM) TotalVM() uint64 {
	return m.Size() / pageSize
}
