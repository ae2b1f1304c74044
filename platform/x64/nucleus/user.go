package nucleus

import (
	"sync/atomic"
	"unsafe"
)

// Ring 3. A user thread is a goroutine that calls (*UserContext).Run in a
// loop: Run enters ring 3 with the context's registers, address space and
// FPU state, and returns at the next system call, exception or interrupt,
// with the context updated and Vector saying which. The Go side then handles
// the event in ordinary Go (allocation, blocking, GC all allowed) and calls
// Run again.
//
// The goroutine keeps its P while it runs user code: to the Go scheduler a
// thread in ring 3 is a goroutine running a long nosplit function. Every
// timer tick (1 ms) ends the ring-3 stretch, so a stop-the-world or a
// preemption request waits at most one tick for the goroutine to reach Go
// code, and the task loop yields the P on each tick. Bracketing ring 3 with
// runtime.entersyscall/exitsyscall instead (the first design) let the GC run
// beside user code but cost about a tenth of every system call under TCG.
// With several CPUs each P runs its own user thread; a stop-the-world
// still waits at most one tick for every CPU's ring-3 stretch to end.
//
// User page tables: each address space has its own PML4 whose upper half
// (slots 256-511) points at the kernel's shared tables, so kernel memory is
// the same in every address space and only CR3 changes.

// Event kinds in UserContext.Vector besides CPU exception and interrupt
// vectors.
const (
	VectorSyscall = vectorSyscall
	VectorTimer   = vectorTimer
	// VectorCPU: Run did not enter ring 3 on this CPU (CPUMask, WantCPU).
	VectorCPU = vectorCPU
)

const vectorCPU = 0x102

// NumCPUs is how many CPUs run threads: CPUs 0 to NumCPUs()-1.
func NumCPUs() int { return int(atomic.LoadUint32(&cpusRunning)) }

// CPUIdle returns how many nanoseconds CPU i has spent idle since boot.
func CPUIdle(i int) int64 {
	if i < 0 || i >= maxCPUs {
		return 0
	}
	return atomic.LoadInt64(&cpus[i].idleNs)
}

// MoveTo moves the calling kernel thread (the goroutine's M) to one of
// the CPUs in mask, bit per CPU, unless it runs on one already.
//
//go:nosplit
func MoveTo(mask uint64) {
	rawSyscall(sysSchedSetaffinity, 0, uintptr(mask))
}

// UserContext is a user thread's machine state. The register block follows
// Linux's struct user_regs_struct (the order ptrace and core dumps use).
// It must not be copied while a thread runs it.
type UserContext struct {
	R15, R14, R13, R12, Rbp, Rbx, R11, R10 uint64
	R9, R8, Rax, Rcx, Rdx, Rsi, Rdi        uint64
	OrigRax, Rip, Cs, Eflags, Rsp, Ss      uint64
	FsBase, GsBase                         uint64

	// CR3 is the address space (from NewAddressSpace).
	CR3 uint64

	// PID and TID answer getpid and gettid inside the nucleus, without
	// leaving ring-3 context (the kernel keeps them current).
	PID, TID uint64

	// FullRestore makes the next entry restore every register through
	// IRETQ (after rt_sigreturn); enterUser clears it.
	FullRestore uint64

	// CPUMask, when not 0, is the CPUs (bit per CPU) the thread's user
	// code may run on; WantCPU, when not 0, is the CPU + 1 the thread was
	// last told it runs on (rseq). Run returns VectorCPU instead of
	// entering ring 3 on a CPU outside CPUMask or other than WantCPU - 1.
	// CPU is the CPU of the last entry (or of that refusal).
	CPUMask, WantCPU, CPU uint64

	// Set when Run returns: VectorSyscall for a system call, else the CPU
	// vector (0-31 exceptions, 32+ interrupts) with its error code and, for
	// a page fault, the faulting address.
	Vector, ErrorCode, FaultAddr uint64

	// userTSC accumulates TSC ticks spent in ring 3, read at the mode
	// switches themselves (UserTime).
	userTSC uint64
	// leftTSC is the TSC when the thread last left ring 3 (0: never);
	// kernelTSC accumulates the ticks from there to the next entry, the
	// kernel's time on the thread's behalf, blocked or not (KernelTime).
	leftTSC, kernelTSC uint64

	// x87CPU is the index + 1 of the CPU whose x87 registers hold this
	// context's (0: none; the image is whole). It counts only while
	// that CPU's x87Owner is this context.
	x87CPU uint64

	fpu    uintptr // 64-byte-aligned XSAVE area inside fpuBuf
	fpuBuf [4096 + 64]byte
}

// FPU state moves between the CPU and a context's XSAVE image in two
// speeds. Kernel Go code is built for SSE (GOAMD64=v1 plus the runtime's
// AVX paths) and contains no x87 or MMX instruction (TestKernelUsesNoX87),
// so the x87 registers a user thread leaves in the CPU stay its own while
// the kernel runs: only another context entering ring 3 on that CPU
// replaces them, and it first writes them back to their owner's image
// (cpu.x87Owner). SSE and AVX state, which kernel code does use, is saved
// and restored on every exit and entry with plain register moves in XSAVE's
// standard layout; under TCG both halves together cost a fraction of one
// XSAVE/XRSTOR, which goes through a helper call per eight bytes. A full
// XRSTOR of the image happens when a context takes the x87 registers over.
// Go code that reads or replaces the image goes through FPUState, which
// writes x87 back and disowns the context (releaseX87) so the next entry
// loads the image whole.
//
// With more than one CPU running threads (x87Eager) a context can enter
// ring 3 next on any CPU, so every exit also writes the x87 registers to
// the image (SAVE_X87_EAGER), and an entry keeps the live registers only
// when this CPU loaded them for this context last (x87CPU): the image is
// then always whole outside ring 3, nothing is ever written back into a
// context from another CPU, and an owner pointer a CPU still holds is only
// compared, never followed.

// Init prepares a fresh context: initial FPU state (MXCSR 0x1f80, x87
// defaults), user segments.
func (c *UserContext) Init() {
	base := uintptr(unsafe.Pointer(&c.fpuBuf[0]))
	c.fpu = (base + 63) &^ 63
	area := unsafe.Slice((*byte)(unsafe.Pointer(c.fpu)), 4096)
	clear(area)
	*(*uint32)(unsafe.Pointer(c.fpu + 24)) = 0x1f80 // MXCSR
	*(*uint32)(unsafe.Pointer(c.fpu + 28)) = 0xffff // MXCSR_MASK (ignored by XRSTOR)
	*(*uint16)(unsafe.Pointer(c.fpu + 0)) = 0x37f   // FCW (used once XSTATE_BV has x87)
	c.Cs, c.Ss = userCS, userDS
	c.Eflags = 0x202
	releaseX87(c, false) // whatever a CPU holds for c is stale now
}

// FPUState returns the XSAVE image, or on a CPU without XSAVE the 512-byte
// FXSAVE image (for signal frames, fork, exec and rt_sigreturn), complete: live x87 registers are written back first, and
// the next entry restores x87 from the image, so callers may also change it.
func (c *UserContext) FPUState() []byte {
	releaseX87(c, true)
	return unsafe.Slice((*byte)(unsafe.Pointer(c.fpu)), xsaveSize)
}

// CopyFrom copies registers and FPU state from another context (fork,
// clone); the address space is left as is.
func (c *UserContext) CopyFrom(o *UserContext) {
	cr3 := c.CR3
	regs := unsafe.Slice((*uint64)(unsafe.Pointer(c)), 23)
	copy(regs, unsafe.Slice((*uint64)(unsafe.Pointer(o)), 23))
	c.CR3 = cr3
	copy(c.FPUState(), o.FPUState())
}

// enterUser is assembly: it runs c in ring 3 until the next event and
// comes back with the calling M's TLS base (cpu.fsBase, read with
// interrupts off) in the FS base.
func enterUser(c *UserContext)

// releaseX87 is assembly: this CPU stops holding c's x87 registers,
// writing them back to c's image first if save is set.
func releaseX87(c *UserContext, save bool)

// ReleaseFPU disowns c's x87 state on this CPU without saving it. It must
// be called before c's memory can be reused: a CPU owning a context writes
// the x87 registers back into it when another context enters ring 3.
func (c *UserContext) ReleaseFPU() { releaseX87(c, false) }

// UserTime returns the time c spent in ring 3 since the last call, in
// nanoseconds.
func (c *UserContext) UserTime() int64 {
	ticks := c.userTSC
	c.userTSC = 0
	return tscToNs(ticks)
}

// KernelTime returns the time from c's exits from ring 3 to its next
// entries since the last call, in nanoseconds: the time the kernel held
// the thread, including any time it slept or waited to run.
func (c *UserContext) KernelTime() int64 {
	ticks := c.kernelTSC
	c.kernelTSC = 0
	return tscToNs(ticks)
}

// Run runs the user thread until its next system call, exception or
// interrupt.
//
//go:nosplit
func (c *UserContext) Run() {
	// The M's TLS (its FS base) is known to the CPU (cpu.fsBase):
	// enterUser records it with interrupts off, where this thread can no
	// longer move to another CPU and no other M can enter ring 3 here.
	enterUser(c)
}

// userInterrupt does the interrupt-side work for an interrupt or exception
// taken in ring 3, on the IST stack, after the user state was saved.
//
//go:nosplit
func userInterrupt(vector uint64) {
	switch {
	case vector == vectorTimer:
		c := thisCPU()
		c.ticks++
		lapicEOIWrite()
		wakeExpired(sinceBoot())
	case vector == vectorSerial:
		serialInterrupt()
		lapicEOIWrite()
		wake(uintptr(unsafe.Pointer(&rxHead)), maxThreads)
	case isDeviceVector(vector):
		deviceInterrupt(vector)
	case vector == vectorTLB:
		lapicEOIWrite()
		tlbService()
	case vector == vectorPing:
		pinged()
	case vector >= 32 && vector != vectorSpur:
		lapicEOIWrite()
	}
}

// Address spaces.

// NewAddressSpace returns the physical address of a new PML4 sharing the
// kernel half, or 0 when out of memory.
func NewAddressSpace() uint64 {
	pml4 := allocUserPage()
	if pml4 == 0 {
		return 0
	}
	src, dst := phys2virt(uint64(kernelPML4)), phys2virt(pml4)
	memcopy(dst+256*8, src+256*8, 256*8)
	return pml4
}

// FreeAddressSpace frees the page tables of the lower half of root and root
// itself. The caller has already unmapped (and freed) every user page.
func FreeAddressSpace(root uint64) {
	leaveAddressSpace(root)
	freeTables(root)
	freePage(root)
}

// leaveAddressSpace makes sure no CPU has root loaded (this one and, by
// shootdown, every other), so its tables can be freed.
//
//go:nosplit
func leaveAddressSpace(root uint64) {
	flags := readRFLAGS()
	cli()
	if thisCPU().cr3 == root {
		loadCR3(uint64(kernelPML4))
	}
	shootdownUser(root)
	if flags&rflagsIF != 0 {
		sti()
	}
}

// flushUser drops va of address space root from this CPU's TLB if root is
// loaded here, and makes every other CPU that has it loaded leave it.
//
//go:nosplit
func flushUser(root uint64, va uintptr) {
	flags := readRFLAGS()
	cli()
	if thisCPU().cr3 == root {
		invlpg(va)
	}
	shootdownUser(root)
	if flags&rflagsIF != 0 {
		sti()
	}
}

// freeTables frees every page table below the lower-half slots of a PML4.
//
//go:nosplit
func freeTables(pml4 uint64) {
	for i := uintptr(0); i < 256; i++ {
		e4 := ptr64(phys2virt(pml4) + i*8)
		if *e4&ptPresent == 0 {
			continue
		}
		pdpt := *e4 & ptAddr
		for j := uintptr(0); j < 512; j++ {
			e3 := ptr64(phys2virt(pdpt) + j*8)
			if *e3&ptPresent == 0 || *e3&ptLarge != 0 {
				continue
			}
			pd := *e3 & ptAddr
			for k := uintptr(0); k < 512; k++ {
				e2 := ptr64(phys2virt(pd) + k*8)
				if *e2&ptPresent != 0 && *e2&ptLarge == 0 {
					freePage(*e2 & ptAddr)
				}
			}
			freePage(pd)
		}
		freePage(pdpt)
		*e4 = 0
	}
}

// TablePages counts the page-table pages below root's lower half (Linux's
// mm_pgtables_bytes / 4096, which leaves the top level out too).
//
//go:nosplit
func TablePages(root uint64) int {
	n := 0
	for i := uintptr(0); i < 256; i++ {
		e4 := *ptr64(phys2virt(root) + i*8)
		if e4&ptPresent == 0 {
			continue
		}
		n++
		pdpt := e4 & ptAddr
		for j := uintptr(0); j < 512; j++ {
			e3 := *ptr64(phys2virt(pdpt) + j*8)
			if e3&ptPresent == 0 || e3&ptLarge != 0 {
				continue
			}
			n++
			pd := e3 & ptAddr
			for k := uintptr(0); k < 512; k++ {
				e2 := *ptr64(phys2virt(pd) + k*8)
				if e2&ptPresent != 0 && e2&ptLarge == 0 {
					n++
				}
			}
		}
	}
	return n
}

// User page permissions for MapUser.
const (
	PermRead  = 1
	PermWrite = 2
	PermExec  = 4
)

// MapUser maps the 4 KiB page at va (lower half) in root to frame pa. It
// returns false when va is not a user address or page tables cannot be
// allocated.
func MapUser(root uint64, va uintptr, pa uint64, perm int) bool {
	if va >= 1<<47 {
		return false
	}
	e := pte(uintptr(root), va, 1, reservePages())
	if e == 0 {
		return false
	}
	v := pa | ptPresent | ptUser
	if perm&(PermRead|PermWrite|PermExec) == 0 {
		// PROT_NONE keeps the page (and its data) but out of the user's
		// reach: a supervisor-only entry faults on any user access.
		v = pa | ptPresent | ptNX
	}
	if perm&PermWrite != 0 {
		v |= ptWrite
	}
	if perm&PermExec == 0 {
		v |= ptNX
	}
	old := atomic.SwapUint64(ptr64(e), v)
	if old&ptPresent != 0 && old&^(ptAccessed|ptDirty) != v {
		flushUser(root, va)
	}
	return true
}

// UnmapUser removes the mapping of va and returns the frame it held.
func UnmapUser(root uint64, va uintptr) (uint64, bool) {
	if va >= 1<<47 {
		return 0, false
	}
	e := pte(uintptr(root), va, 1, noCreate)
	if e == 0 || *ptr64(e)&ptPresent == 0 {
		return 0, false
	}
	old := atomic.SwapUint64(ptr64(e), 0)
	if old&ptPresent == 0 {
		return 0, false
	}
	flushUser(root, va)
	return old & ptAddr, true
}

// LookupUser returns the frame and permissions of va.
func LookupUser(root uint64, va uintptr) (pa uint64, perm int, ok bool) {
	if va >= 1<<47 {
		return 0, 0, false
	}
	e := pte(uintptr(root), va, 1, noCreate)
	if e == 0 {
		return 0, 0, false
	}
	v := *ptr64(e)
	if v&ptPresent == 0 {
		return 0, 0, false
	}
	if v&ptUser == 0 {
		return v & ptAddr, 0, true // PROT_NONE
	}
	perm = PermRead
	if v&ptWrite != 0 {
		perm |= PermWrite
	}
	if v&ptNX == 0 {
		perm |= PermExec
	}
	return v & ptAddr, perm, true
}

// AllocFrame returns a zeroed physical page for user memory, or 0 when no
// more than the kernel reserve is free.
func AllocFrame() uint64 { return allocUserPage() }

// FreeFrame returns a page to the allocator.
func FreeFrame(pa uint64) { freePage(pa) }

// Frame returns the page at physical address pa as a slice (through the
// direct map).
func Frame(pa uint64) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(phys2virt(pa))), pageSize)
}

// ConsoleWrite writes to the serial console.
func ConsoleWrite(p []byte) {
	if len(p) > 0 {
		consoleWrite(uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	}
}

// ConsoleRead returns bytes received on the serial console, without
// blocking (0 when none are waiting).
func ConsoleRead(p []byte) int {
	consoleLock.lock()
	n := 0
	for n < len(p) && rxHead != rxTail {
		p[n] = rxBuf[rxHead%rxBufSize]
		rxHead++
		n++
	}
	consoleLock.unlock()
	return n
}

// NextUser returns the first page address at or after va that may be
// mapped in root: va itself when its leaf table exists, else the start of
// the next region whose tables exist (skipping 2 MiB, 1 GiB or 512 GiB at
// a time), or 1<<47 when none is left. Walking a huge sparse mapping page
// by page would take minutes; this makes the walk cost what is mapped.
//
//go:nosplit
func NextUser(root uint64, va uintptr) uintptr {
	for va < 1<<47 {
		table := uintptr(root)
		skipped := false
		for l := 4; l > 1; l-- {
			shift := pageShift + 9*uint(l-1)
			v := *ptr64(phys2virt(uint64(table)) + ((va>>shift)&511)*8)
			if v&ptPresent == 0 || v&ptLarge != 0 {
				va = (va>>shift + 1) << shift
				skipped = true
				break
			}
			table = uintptr(v & ptAddr)
		}
		if !skipped {
			return va
		}
	}
	return 1 << 47
}
