package nucleus

import (
	"sync/atomic"

	bp "aramid/platform/x64/bootparams"
)

// Physical memory: free extents from the boot memory map (minus the image,
// the initrd and low memory), handed out by bumping, plus a free list of
// returned pages threaded through the pages themselves (via the direct map).
//
// Virtual memory: one set of kernel page tables. The upper half holds the
// direct map of physical memory, the runtime's mmap region, nucleus stacks
// and the kernel image. The page tables double as the record of the
// runtime's mappings: a committed-but-untouched page is a non-present PTE
// carrying ptDemand, filled with a zero page on first touch.

const (
	ptPresent  = 1 << 0
	ptWrite    = 1 << 1
	ptUser     = 1 << 2
	ptPWT      = 1 << 3
	ptPCD      = 1 << 4
	ptAccessed = 1 << 5
	ptDirty    = 1 << 6
	ptLarge    = 1 << 7
	ptGlobal   = 1 << 8
	ptDemand   = 1 << 10 // software: allocate a zero page on first touch
	ptNX       = 1 << 63
	ptAddr     = 0x000ffffffffff000

	maxRegions = 64
)

type memRegion struct {
	base, end uint64
}

var (
	params bp.Params

	// usable RAM from the boot memory map, then the free extents
	ramRegions  [maxRegions]memRegion
	numRAM      int
	freeExt     [maxRegions]memRegion
	numFree     int
	freeList    uintptr // physical address of the first free page; each holds the next
	pagesFree   uint64
	pagesInUse  uint64
	pagesTotal  uint64
	userDenied  uint64 // user page allocations refused to keep the reserve
	physTop     uint64
	memLock     spinlock
	kernelPML4  uintptr // physical
	heapNext    uintptr = heapBase
	stackNext   uintptr = stackRegion
	initrdStart uint64
	initrdEnd   uint64
)

// physWindow is where physical memory appears: the trampoline's identity
// map (first 4 GiB) until buildKernelTables switches to the direct map.
var physWindow uintptr

//go:nosplit
func phys2virt(pa uint64) uintptr { return uintptr(pa) + physWindow }

// addRAM records a usable region from the boot memory map.
//
//go:nosplit
func addRAM(base, length uint64) {
	if numRAM == maxRegions || length == 0 {
		return
	}
	ramRegions[uint(numRAM)%maxRegions] = memRegion{base, base + length}
	numRAM++
	if base+length > physTop {
		physTop = base + length
	}
}

// initPhysAlloc carves the free extents: usable RAM above 1 MiB that is not
// the kernel image or the initrd.
//
//go:nosplit
func initPhysAlloc() {
	for i := 0; i < numRAM && i < maxRegions; i++ {
		r := ramRegions[i]
		r.base = (r.base + pageSize - 1) &^ (pageSize - 1)
		r.end &^= pageSize - 1
		if r.base < 1<<20 {
			r.base = 1 << 20
		}
		addFreeRange(r, params.PhysStart, (params.PhysEnd+pageSize-1)&^(pageSize-1))
	}
	// The frames under demand-paged kernel objects are free too, where
	// there is RAM under them: a large zeroed object (the runtime's 32 MiB
	// FIPS buffer) can reach past the end of a small machine's memory, and
	// pages there would be handed out (a virtqueue in no memory at all).
	// The initrd may sit there too.
	for i := 0; i < bp.MaxLazy; i++ {
		lb, le := lazyFrames(i)
		if lb >= le {
			continue
		}
		lb = (lb + pageSize - 1) &^ (pageSize - 1)
		le &^= pageSize - 1
		for j := 0; j < numRAM && j < maxRegions; j++ {
			r := ramRegions[j]
			b, e := max(lb, (r.base+pageSize-1)&^(pageSize-1), 1<<20), min(le, r.end&^(pageSize-1))
			if b < e {
				addFreeRange(memRegion{b, e}, 0, 0)
			}
		}
	}
}

// lazyFrames returns the physical range of the image under lazy object i:
// a demand-paged tail mkkernel cut off the image (trimLazyTails) has no
// frames of the image's own (the memory map's RAM there is free already).
//
//go:nosplit
func lazyFrames(i int) (base, end uint64) {
	l := params.Lazy[uint(i)%bp.MaxLazy]
	if l.Memsz == 0 {
		return 0, 0
	}
	base, end = l.Vaddr-bp.KernelBase, l.Vaddr+l.Memsz-bp.KernelBase
	if imageEnd := (params.PhysEnd + pageSize - 1) &^ (pageSize - 1); end > imageEnd {
		end = imageEnd
	}
	return base, end
}

// isLazy reports whether va lies in a demand-paged kernel object.
//
//go:nosplit
func isLazy(va uintptr) bool {
	for i := 0; i < bp.MaxLazy; i++ {
		l := params.Lazy[i]
		if l.Memsz != 0 && uint64(va) >= l.Vaddr && uint64(va) < l.Vaddr+l.Memsz {
			return true
		}
	}
	return false
}

// addFreeRange adds r minus the kernel [ks,ke) and the initrd.
//
//go:nosplit
func addFreeRange(r memRegion, ks, ke uint64) {
	is := initrdStart &^ (pageSize - 1)
	ie := (initrdEnd + pageSize - 1) &^ (pageSize - 1)
	// Split r around the two holes (at most three pieces).
	holes := [2]memRegion{{ks, ke}, {is, ie}}
	if holes[1].base < holes[0].base {
		holes[0], holes[1] = holes[1], holes[0]
	}
	cur := r.base
	for h := 0; h < 2; h++ {
		hole := holes[h]
		if hole.end <= hole.base || hole.end <= cur || hole.base >= r.end {
			continue
		}
		if hole.base > cur {
			pushExtent(cur, hole.base)
		}
		cur = hole.end
	}
	if cur < r.end {
		pushExtent(cur, r.end)
	}
}

//go:nosplit
func pushExtent(base, end uint64) {
	if end <= base || numFree == maxRegions {
		return
	}
	freeExt[uint(numFree)%maxRegions] = memRegion{base, end}
	numFree++
	pages := (end - base) / pageSize
	pagesFree += pages
	pagesTotal += pages
}

// allocPage returns a zeroed physical page, or 0 when memory is exhausted.
// The kernel's own needs (the runtime's heap, stacks, kernel page tables)
// allocate here and may use every free page, the reserve included.
//
//go:nosplit
func allocPage() uint64 { return allocPageAbove(0) }

// allocUserPage is allocPage for memory a user program asks for (its frames
// and page tables): it fails while no more than the kernel reserve is free,
// so that the runtime's heap can always grow into the reserve and the
// kernel has room to run the OOM killer.
//
//go:nosplit
func allocUserPage() uint64 { return allocPageAbove(reservePages()) }

// reservePages is the kernel reserve: free pages user allocations leave
// alone, 1/16 of managed memory, at least 1 MiB and at most 16 MiB.
//
//go:nosplit
func reservePages() uint64 {
	r := pagesTotal / 16
	const lo, hi = (1 << 20) / pageSize, (16 << 20) / pageSize
	if r < lo {
		r = lo
	}
	if r > hi {
		r = hi
	}
	return r
}

// allocPageAbove returns a zeroed page if more than floor pages are free,
// else 0 (counted in userDenied when floor is not 0).
//
//go:nosplit
func allocPageAbove(floor uint64) uint64 {
	memLock.lock()
	var pa uint64
	if pagesFree <= floor {
		if floor != 0 {
			userDenied++
		}
		memLock.unlock()
		return 0
	}
	if freeList != 0 {
		pa = uint64(freeList)
		freeList = uintptr(*ptr64(phys2virt(pa)))
	} else {
		for i := 0; i < numFree && i < maxRegions; i++ {
			if freeExt[i].base < freeExt[i].end {
				pa = freeExt[i].base
				freeExt[i].base += pageSize
				break
			}
		}
	}
	if pa != 0 {
		pagesFree--
		pagesInUse++
	} else if pagesFree != 0 && !lostPagesReported {
		// The count says pages are free but none can be found: the free
		// list lost its tail, which only a page freed twice (and then
		// written) can do. Say so once; it would otherwise look like an
		// ordinary shortage with memory to spare.
		lostPagesReported = true
		memLock.unlock()
		printStamp()
		print("nucleus: page accounting broken: ")
		printDec(pagesFree * pageSize >> 10)
		print(" KiB counted free but no free page left (a page freed twice?)\n")
		return 0
	}
	memLock.unlock()
	if pa != 0 {
		memzero(phys2virt(pa), pageSize)
	}
	return pa
}

// lostPagesReported is set once allocPageAbove has reported free pages it
// could not find.
var lostPagesReported bool

//go:nosplit
func freePage(pa uint64) {
	memLock.lock()
	*ptr64(phys2virt(pa)) = uint64(freeList)
	freeList = uintptr(pa)
	pagesFree++
	pagesInUse--
	memLock.unlock()
}

// mustAllocPage is allocPage for the kernel's own structures (boot tables,
// thread stacks), which cannot do without: running out ends the machine
// with kernelOutOfMemory's statement.
//
//go:nosplit
func mustAllocPage() uint64 {
	pa := allocPage()
	if pa == 0 {
		kernelOutOfMemory()
	}
	return pa
}

// noCreate as pte's floor creates no missing table.
const noCreate = ^uint64(0)

// pte returns the page-table entry for va at the given level (1 = 4 KiB
// leaf, 2 = 2 MiB), creating missing tables while more than floor pages are
// free (allocPageAbove: 0 for the kernel, reservePages() for user address
// spaces; noCreate creates none). It returns 0 if a table is missing (and
// not created) or a large page is in the way.
//
//go:nosplit
func pte(pml4 uintptr, va uintptr, level int, floor uint64) uintptr {
	table := pml4
	for l := 4; l > level; l-- {
		idx := (va >> (pageShift + 9*uint(l-1))) & 511
		e := phys2virt(uint64(table)) + idx*8
		v := *ptr64(e)
		if v&ptPresent == 0 {
			if floor == noCreate {
				return 0
			}
			pa := allocPageAbove(floor)
			if pa == 0 {
				return 0
			}
			// Intermediate entries are permissive; the leaf decides.
			nv := pa | ptPresent | ptWrite
			if va < 1<<47 {
				nv |= ptUser
			}
			// Another CPU may be filling the same entry: the first
			// table placed wins and the other is given back.
			if atomic.CompareAndSwapUint64(ptr64(e), v, nv) {
				v = nv
			} else {
				freePage(pa)
				v = atomic.LoadUint64(ptr64(e))
				if v&ptPresent == 0 {
					return 0
				}
			}
		}
		if v&ptLarge != 0 {
			return 0
		}
		table = uintptr(v & ptAddr)
	}
	idx := (va >> (pageShift + 9*uint(level-1))) & 511
	return phys2virt(uint64(table)) + idx*8
}

//go:nosplit
func mapPage(va uintptr, pa uint64, flags uint64) {
	e := pte(kernelPML4, va, 1, 0)
	if e == 0 {
		kernelOutOfMemory() // no large pages where mapPage maps: no memory
	}
	*ptr64(e) = pa | flags | ptPresent
}

// buildKernelTables replaces the trampoline's page tables: the kernel image
// with its segment permissions, the direct map of all physical memory
// (0-4 GiB at least, to cover MMIO) with 2 MiB pages, and no lower half.
//
//go:nosplit
func buildKernelTables() {
	kernelPML4 = uintptr(mustAllocPage())
	for i := uint64(0); i < params.NumSegments && i < bp.MaxSegments; i++ {
		s := params.Segments[i]
		flags := uint64(ptGlobal)
		if s.Flags&bp.SegWrite != 0 {
			flags |= ptWrite
		}
		if s.Flags&bp.SegExec == 0 {
			flags |= ptNX
		}
		start := uintptr(s.Vaddr) &^ (pageSize - 1)
		end := (uintptr(s.Vaddr+s.Memsz) + pageSize - 1) &^ (pageSize - 1)
		for va := start; va < end; va += pageSize {
			if isLazy(va) {
				e := pte(kernelPML4, va, 1, 0)
				if e == 0 {
					fatal("cannot map a lazy kernel page")
				}
				*ptr64(e) = ptDemand | ptWrite | ptNX
				continue
			}
			mapPage(va, uint64(va-bp.KernelBase), flags)
		}
	}
	for pa := uint64(0); pa < directMapTop(); pa += 2 << 20 {
		e := pte(kernelPML4, uintptr(pa)+directMapBase, 2, 0)
		if e == 0 {
			fatal("direct map: cannot map")
		}
		flags := uint64(ptPresent | ptWrite | ptLarge | ptGlobal | ptNX)
		if pa >= 0xfe000000 && pa < 1<<32 { // local APIC, IOAPIC, firmware
			flags |= ptPCD | ptPWT
		}
		*ptr64(e) = pa | flags
	}
	// Pre-create the upper-half PML4 slots so address spaces made later can
	// share them by copying slots 256-511 once.
	for _, va := range [...]uintptr{heapBase, stackRegion, mmioRegion} {
		pte(kernelPML4, va, 3, 0)
	}
	writeCR3(uint64(kernelPML4))
	physWindow = directMapBase
}

// demandFault resolves a fault on a page the runtime committed but never
// touched. It reports whether va was such a page.
//
//go:nosplit
func demandFault(va uintptr) bool {
	if va < directMapBase {
		return false // user addresses are the kernel's business, not the nucleus's
	}
	e := pte(kernelPML4, va, 1, noCreate)
	if e == 0 {
		return false
	}
	v := *ptr64(e)
	if v&ptPresent != 0 {
		// Another fault already filled it (or a stale TLB entry): retry.
		invlpg(va &^ (pageSize - 1))
		return true
	}
	if v&ptDemand == 0 {
		return false
	}
	pa := allocPage()
	if pa == 0 {
		kernelOutOfMemory()
	}
	// Two CPUs may fault on the same page at once: one frame is kept.
	if !atomic.CompareAndSwapUint64(ptr64(e), v, pa|(v&(ptWrite|ptNX))|ptPresent) {
		freePage(pa)
		invlpg(va &^ (pageSize - 1))
	}
	return true
}

// kernelOutOfMemory ends the machine when the kernel's own heap cannot
// grow: every page is in use although user programs may not take the
// reserve and the OOM killer (kernel/task, driven by the memory monitor in
// kernel/cmd/aramid) has had the chance to free memory first. It is a
// plain statement, not a panic: nothing is broken but the machine is too
// small for what runs on it.
//
//go:nosplit
func kernelOutOfMemory() {
	print("\n")
	printStamp()
	print("Out of memory: the kernel needs more memory than this machine has (")
	printDec(pagesTotal * pageSize >> 10)
	print(" KiB managed, none free, nothing left to reclaim): memory is too small\n")
	powerOff(exitNoMemory)
}

// Linux mmap constants the runtime uses.
const (
	protRead     = 0x1
	protWrite    = 0x2
	protExec     = 0x4
	mapShared    = 0x01
	mapPrivate   = 0x02
	mapFixed     = 0x10
	mapAnonymous = 0x20
	mapNoreplace = 0x100000
)

// protPTE is the demand PTE for a protection: PROT_NONE has none.
//
//go:nosplit
func protPTE(prot uint64) uint64 {
	if prot&(protRead|protWrite|protExec) == 0 {
		return 0
	}
	v := uint64(ptDemand)
	if prot&protWrite != 0 {
		v |= ptWrite
	}
	if prot&protExec == 0 {
		v |= ptNX
	}
	return v
}

// leafOrGap returns the 4 KiB PTE for va, or 0 and the size of the aligned
// region around va that has no page table at all (so walks over
// never-touched reservations skip it whole).
//
//go:nosplit
func leafOrGap(va uintptr) (uintptr, uintptr) {
	table := kernelPML4
	for l := 4; l > 1; l-- {
		shift := pageShift + 9*uint(l-1)
		e := phys2virt(uint64(table)) + (va>>shift&511)*8
		v := *ptr64(e)
		if v&ptPresent == 0 || v&ptLarge != 0 {
			return 0, 1 << shift
		}
		table = uintptr(v & ptAddr)
	}
	return phys2virt(uint64(table)) + (va>>pageShift&511)*8, pageSize
}

// setRange makes every page of [va, va+n) fresh: present pages are freed,
// and each PTE becomes demand (or empty for PROT_NONE).
//
//go:nosplit
func setRange(va, n uintptr, demand uint64) bool {
	var fl flushRange
	for p := va; p < va+n; p += pageSize {
		var e uintptr
		if demand != 0 {
			e = pte(kernelPML4, p, 1, 0)
			if e == 0 {
				fl.done()
				return false
			}
		} else {
			var gap uintptr
			e, gap = leafOrGap(p)
			if e == 0 {
				p = (p&^(gap-1) + gap) - pageSize // skip the whole gap
				continue
			}
		}
		v := atomic.SwapUint64(ptr64(e), demand)
		if v&ptPresent != 0 {
			fl.add(p)
			freePage(v & ptAddr)
		}
	}
	fl.done()
	return true
}

//go:nosplit
func sysMmap(addr, length, prot, flags, fd, off uint64) int64 {
	if flags&mapAnonymous == 0 {
		return -errENODEV // the runtime maps no files
	}
	if length == 0 || length > heapLimit-heapBase {
		return -errEINVAL
	}
	n := uintptr(length+pageSize-1) &^ (pageSize - 1)
	va := uintptr(addr)
	if flags&mapFixed != 0 {
		if va&(pageSize-1) != 0 || va < heapBase || va+n > heapNext || va+n < va {
			return -errEINVAL
		}
	} else {
		// Refuse every hint: the lower half belongs to user programs. The
		// runtime accepts any address, and upper-half arenas work on amd64.
		memLock.lock()
		va = heapNext
		if va+n > heapLimit || va+n < va {
			memLock.unlock()
			return -errENOMEM
		}
		heapNext += n
		memLock.unlock()
	}
	if !setRange(va, n, protPTE(prot)) {
		// Only a page table could not be had: every page is in use. The
		// runtime would throw on ENOMEM; say what happened instead.
		kernelOutOfMemory()
	}
	return int64(va)
}

//go:nosplit
func sysMunmap(addr, length uint64) int64 {
	va := uintptr(addr)
	n := uintptr(length+pageSize-1) &^ (pageSize - 1)
	if va&(pageSize-1) != 0 || n == 0 {
		return -errEINVAL
	}
	if va < heapBase || va+n > heapLimit {
		return 0 // nothing of ours is mapped there
	}
	setRange(va, n, 0)
	return 0
}

// sysMadvise implements MADV_DONTNEED and MADV_FREE by dropping the pages:
// go1.26 relies on DONTNEED pages reading back as zero (mheap.initSpan skips
// clearing scavenged spans). Other advice is accepted and ignored.
//
//go:nosplit
func sysMadvise(addr, length, advice uint64) int64 {
	const madvDontneed, madvFree = 4, 8
	va := uintptr(addr)
	if va&(pageSize-1) != 0 {
		return -errEINVAL
	}
	if advice != madvDontneed && advice != madvFree {
		return 0
	}
	n := uintptr(length+pageSize-1) &^ (pageSize - 1)
	if va < heapBase || va+n > heapLimit {
		return -errENOMEM
	}
	var fl flushRange
	for p := va; p < va+n; p += pageSize {
		e, gap := leafOrGap(p)
		if e == 0 {
			p = (p&^(gap-1) + gap) - pageSize
			continue
		}
		v := *ptr64(e)
		if v&ptPresent != 0 {
			v = atomic.SwapUint64(ptr64(e), ptDemand|(v&(ptWrite|ptNX)))
			fl.add(p)
			freePage(v & ptAddr)
		}
	}
	fl.done()
	return 0
}

//go:nosplit
func sysMprotect(addr, length, prot uint64) int64 {
	va := uintptr(addr)
	n := uintptr(length+pageSize-1) &^ (pageSize - 1)
	if va&(pageSize-1) != 0 || va < heapBase || va+n > heapLimit {
		return -errEINVAL
	}
	want := protPTE(prot)
	floor := noCreate
	if want != 0 {
		floor = 0
	}
	var fl flushRange
	for p := va; p < va+n; p += pageSize {
		e := pte(kernelPML4, p, 1, floor)
		if e == 0 {
			continue
		}
		v := *ptr64(e)
		switch {
		case want == 0:
			// PROT_NONE on the runtime's own memory only happens when it
			// gives memory back; dropping the page is what it expects.
			v = atomic.SwapUint64(ptr64(e), 0)
			if v&ptPresent != 0 {
				fl.add(p)
				freePage(v & ptAddr)
			}
		case v&ptPresent != 0:
			*ptr64(e) = v&^(ptWrite|ptNX) | want&(ptWrite|ptNX)
			fl.add(p)
		default:
			*ptr64(e) = want
		}
	}
	fl.done()
	return 0
}

// flushRange collects the kernel pages whose present entries a walk
// changed: each is flushed here at once, and the other CPUs are asked once,
// at the end, for the span from the first to the last. The runtime does
// not touch memory it is giving back, so a frame freed before that answer
// cannot be reached through another CPU's stale entry meanwhile.
type flushRange struct {
	first, last uintptr
	any         bool
}

//go:nosplit
func (f *flushRange) add(p uintptr) {
	invlpg(p)
	if !f.any {
		f.first, f.any = p, true
	}
	f.last = p
}

//go:nosplit
func (f *flushRange) done() {
	if f.any {
		shootdownKernel(f.first, (f.last-f.first)/pageSize+1)
	}
}

// allocStack maps npages of fresh memory below a guard page in the stack
// region and returns the stack's top.
//
//go:nosplit
func allocStack(npages uintptr) uintptr {
	memLock.lock()
	base := stackNext + pageSize // guard page below
	stackNext = base + npages*pageSize
	memLock.unlock()
	for i := uintptr(0); i < npages; i++ {
		mapPage(base+i*pageSize, mustAllocPage(), ptWrite|ptNX|ptGlobal)
	}
	return base + npages*pageSize
}

// directMapTop is the end of the direct map: all RAM, and at least 4 GiB so
// that firmware tables and MMIO below 4 GiB are reachable too.
//
//go:nosplit
func directMapTop() uint64 {
	if physTop < 4<<30 {
		return 4 << 30
	}
	return (physTop + 2<<20 - 1) &^ (2<<20 - 1)
}
