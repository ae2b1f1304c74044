// Package nucleus is the ring-0 layer beneath the Go runtime. The kernel is an
// ordinary static linux/amd64 Go program; the nucleus boots the CPU into the
// state that program expects (long mode, higher half, SSE, a TLS block, a
// fabricated process stack) and then services the runtime's own Linux system
// calls: memory (mmap with demand paging), kernel threads for the runtime's
// M's with a preemptive scheduler, futexes, sleeps, clocks, the epoll/eventfd
// pair of the netpoller, signal delivery for faults, console output and
// exit. Nothing above the nucleus is needed to run the nucleus.
//
// Rules for code in this package, checked by a disassembly test:
//   - every Go function is //go:nosplit and allocation-free, and calls nothing
//     in the runtime (no morestack, mallocgc, write barriers, panics or
//     memmove): it runs on small nucleus or interrupt stacks, before the
//     runtime exists, or beneath it;
//   - global state holds no Go pointers (addresses are uintptr), so stores
//     never need write barriers;
//   - nucleus code runs with interrupts disabled (RFLAGS.IF=0); Go code above
//     it runs with interrupts enabled. The trap handler uses IF to tell the
//     two apart.
//
// Locking: every CPU the boot brought up runs threads (smp.go, sched.go).
// Per-CPU state is reached through GS and touched only by its CPU with
// interrupts off (tlbSeen and cr3 are also read by other CPUs, atomically).
// State shared between CPUs is guarded by spinlocks, which run with
// interrupts off, or changed with atomic instructions (page-table entries,
// eventfd counters, idleMask). Lock order, outermost first:
//
//	mmioLock → memLock (MapMMIO allocates page tables)
//	schedLock, consoleLock, fdLock, ioapicLock, memLock: leaves
//
// schedLock is held across a thread switch and released by the thread
// switched to. A TLB shootdown (tlb.go) waits for other CPUs and is never
// started with a lock held; a CPU waiting for a lock or a shootdown keeps
// serving its own shootdown requests or has interrupts off only briefly.
package nucleus

import "unsafe"

const (
	pageSize  = 4096
	pageShift = 12

	bootStackSize     = 64 << 10  // bootstrap's own stack
	m0StackSize       = 256 << 10 // the first M's g0 stack (the "process stack")
	nucleusStackPages = 4         // per-thread nucleus stack
	maxThreads        = 128
	maxCPUs           = 8
	istStackSize      = 16 << 10

	vectorSyscall = 0x100 // marks a trapFrame built by syscallEntry
	vectorTimer   = 0x20
	vectorSerial  = 0x24
	vectorSpur    = 0xff

	directMapBase = 0xffff800000000000 // all physical memory, PML4 slot 256
	heapBase      = 0xffffc00000000000 // the runtime's mmap region, PML4 slot 384
	heapLimit     = 0xffffc08000000000
	stackRegion   = 0xffffff0000000000 // nucleus thread stacks, PML4 slot 510

	kernelCS = 0x08
	kernelDS = 0x10
	userDS   = 0x18 | 3
	userCS   = 0x20 | 3
	tssSel   = 0x28
)

// trapFrame is the register frame on every entry into the nucleus: a
// syscall, an exception or an interrupt. The layout is fixed by
// entry_amd64.s (which takes offsets from go_asm.h).
type trapFrame struct {
	xmm                                  [32]uint64 // X0-X15, low 128 bits
	r15, r14, r13, r12, r11, r10, r9, r8 uint64
	rbp, rdi, rsi, rdx, rcx, rbx, rax    uint64
	vector, errCode                      uint64
	rip, cs, rflags, rsp, ss             uint64 // the hardware interrupt frame
}

// cpu is the per-CPU block GS points at.
type cpu struct {
	self      uintptr
	scratch   uintptr // caller RSP during syscall entry
	kstackTop uintptr // top of the running thread's nucleus stack
	current   int32   // running thread
	idle      int32   // this CPU's idle thread
	id        uint32
	sliceEnd  int64 // when the running thread's time slice ends (ns)
	ticks     uint64
	tss       tss
	gdt       [16]uint64
	istTop    uintptr
	nmiTop    uintptr

	// Ring 3 (see user.go): while a thread runs user code, userCtx is its
	// UserContext and kernelSP/kernelFS are the Go side to return to.
	userCtx  uintptr
	kernelSP uintptr
	kernelFS uint64
	scratch2 uint64
	mxcsr    uint32 // MXCSR for kernel code (0x1f80)
	// State components the ring-3 paths save and restore with register
	// moves (SSE, AVX upper halves) and with XSAVE/XRSTOR (the rest but
	// x87), as XSTATE_BV masks; set by enableFeatures.
	xstateFast  uint64
	xstateExtra uint64
	// enterTSC is the TSC when the current user thread entered ring 3.
	enterTSC uint64
	userGS   uint64 // what KERNEL_GS_BASE holds for user mode
	// x87Owner is the UserContext whose x87 registers are live in this
	// CPU (0: none); see user.go. A uintptr, not a pointer: the context
	// is kept alive by its owner and disowns itself before it can be
	// freed (ReleaseFPU).
	x87Owner uintptr
	// fxArea is this CPU's 16-byte-aligned FXSAVE scratch image (see
	// FXSAVE_X87), used only on CPUs without XSAVE.
	fxArea uintptr
	// apicID is this CPU's local APIC ID (set by startAPs).
	apicID uint32
	// fsBase is what the FS base MSR holds for the running thread (its
	// TLS); exitToKernel puts it back after ring 3.
	fsBase uint64
	// cr3 is the page table this CPU has loaded (kept beside every CR3
	// write): a CPU whose cr3 is not an address space caches none of its
	// user translations (no PCIDs), so TLB shootdowns go only to CPUs
	// whose cr3 matches (see tlb.go).
	cr3 uint64
	// pendingCR2 carries a page fault's address from trap to trapSlow.
	pendingCR2 uint64
	// tlbSeen counts, per sending CPU, the shootdown requests this CPU
	// has carried out (tlb.go).
	tlbSeen [maxCPUs]uint32
	// idleNs is the time this CPU has spent halted in its idle loop.
	idleNs int64
}

// Storage the nucleus owns from the first instruction on.
var (
	bootStack [bootStackSize]byte
	m0Stack   [m0StackSize]byte
	bootTLS   [4]uint64
	cpus      [maxCPUs]cpu
	istStacks [maxCPUs][2][istStackSize]byte
)

// thisCPU returns the running CPU's block (through GS).
func thisCPU() *cpu

//go:nosplit
func ptr64(addr uintptr) *uint64 { return (*uint64)(unsafe.Pointer(addr)) }

//go:nosplit
func ptr32(addr uintptr) *uint32 { return (*uint32)(unsafe.Pointer(addr)) }

//go:nosplit
func ptr16(addr uintptr) *uint16 { return (*uint16)(unsafe.Pointer(addr)) }

//go:nosplit
func ptr8(addr uintptr) *uint8 { return (*uint8)(unsafe.Pointer(addr)) }

// Assembly (entry_amd64.s, helpers_amd64.s). All are leaves unless noted.
func entry64()
func syscallEntry()
func returnToFrame()
func trapCommon()
func vectors()
func threadStart()
func idleStart()
func switchStacks(save *uintptr, next uintptr)
func vectorsAddr() uintptr
func syscallEntryAddr() uintptr
func threadStartAddr() uintptr
func idleStartAddr() uintptr
func entry64Addr() uintptr

func outb(port uint16, val uint8)
func inb(port uint16) uint8
func outw(port uint16, val uint16)
func outl(port uint16, val uint32)
func inw(port uint16) uint16
func inl(port uint16) uint32
func rdmsr(msr uint32) uint64
func wrmsr(msr uint32, val uint64)
func rdtsc() uint64
func cpuid(leaf, sub uint32) (a, b, c, d uint32)
func readCR0() uint64
func readCR2() uint64
func readCR3() uint64
func writeCR3(v uint64)
func readCR4() uint64
func writeCR4(v uint64)
func xgetbv() uint64
func xsetbv(v uint64)
func xsave(area uintptr)
func xrstor(area uintptr)
func invlpg(va uintptr)
func lgdt(ptr uintptr)
func lidt(ptr uintptr)
func ltr(sel uint16)
func cli()
func sti()
func stiHlt()
func hlt()
func pause()
func rdrandInsn() (v uint64, ok bool)
func memzero(p uintptr, n uintptr)
func memcopy(dst, src uintptr, n uintptr)
func div64(n, d uint64) uint64
func lockXchg(p *uint32) uint32
func readRFLAGS() uint64
func readRBP() uintptr

// rawSyscall issues SYSCALL from Go code (for FaultInNucleus).
func rawSyscall(n, a0, a1 uintptr) uintptr
