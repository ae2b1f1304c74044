// Package machine is the kernel's view of the hardware: physical page
// frames, user page tables, and user execution contexts. platform/x64
// implements it on the nucleus; Fake implements it in memory so the rest of
// kernel/ tests on the host.
package machine

import (
	"errors"
	"time"
)

// PageSize is the size of a frame and of a user page.
const PageSize = 4096

// Frame is a physical page, named by its physical address (0 is no frame).
type Frame uint64

// Perm is a page's access rights.
type Perm uint8

// Page permissions.
const (
	Read  Perm = 1
	Write Perm = 2
	Exec  Perm = 4
)

// ErrNoMemory means no physical page (or page-table page) was available.
var ErrNoMemory = errors.New("machine: out of physical memory")

// Memory hands out physical pages for user memory. Frames come from outside
// the Go heap.
type Memory interface {
	// AllocFrame returns a zeroed frame.
	AllocFrame() (Frame, error)
	FreeFrame(Frame)
	// FrameData returns the frame's 4096 bytes; writes go to the frame.
	FrameData(Frame) []byte
}

// PageTable is the hardware translation of one user address space (the
// lower half; the kernel half is shared and not visible here).
type PageTable interface {
	// Map maps the page at va (page-aligned) to f, replacing any mapping.
	Map(va uint64, f Frame, p Perm) error
	// Unmap removes the mapping of va and returns the frame it held.
	Unmap(va uint64) (Frame, bool)
	// Lookup returns the frame and permissions va maps to.
	Lookup(va uint64) (Frame, Perm, bool)
	// Release frees the page-table pages; frames are the caller's.
	Release()
}

// SparsePageTable is a PageTable that can skip unmapped stretches:
// NextMapped returns the first page address at or after va that may be
// mapped (no page in [va, result) is), so walks over a huge sparse range
// cost what is mapped rather than its size.
type SparsePageTable interface {
	NextMapped(va uint64) uint64
}

// PresentScanner is a PageTable that finds its present entries in order:
// NextPresent returns the first page in [va, end) that Lookup would find,
// with what Lookup would return, or ok false when there is none. Fork and
// exit visit every present page through it at the cost of a scan instead
// of a full walk per page.
type PresentScanner interface {
	NextPresent(va, end uint64) (at uint64, f Frame, p Perm, ok bool)
}

// Platform creates page tables and contexts.
type Platform interface {
	Memory
	NewPageTable() (PageTable, error)
	NewContext() Context
}

// Regs is a user thread's register set in Linux's struct user_regs_struct
// order.
type Regs struct {
	R15, R14, R13, R12, Rbp, Rbx, R11, R10 uint64
	R9, R8, Rax, Rcx, Rdx, Rsi, Rdi        uint64
	OrigRax, Rip, Cs, Eflags, Rsp, Ss      uint64
	FsBase, GsBase                         uint64
}

// EventKind says why user code stopped running.
type EventKind int

const (
	// EventSyscall: the thread executed SYSCALL; the number is in Regs.Rax.
	EventSyscall EventKind = iota
	// EventFault: a CPU exception (page fault, #GP, #UD, #DE, ...).
	EventFault
	// EventInterrupt: a device or timer interrupt; the thread may run again
	// at once (after the kernel had a chance to reschedule).
	EventInterrupt
	// EventCPU: no user code ran; the thread is about to run on CPU
	// Event.CPU, not the one it was last told of (Placer).
	EventCPU
)

// Event is what Switch returns.
type Event struct {
	Kind      EventKind
	Vector    uint64 // CPU vector for faults and interrupts
	ErrorCode uint64 // the exception's error code (page faults: P, W, U, I bits)
	Addr      uint64 // faulting address for page faults
	// User is the time the thread spent in user mode before this event
	// (the platform measures it at the mode switches, where it is cheap).
	User time.Duration
	// Kernel is the time from the thread's previous exit from user mode
	// to this run's entry: the kernel's handling of the previous event,
	// including any time the thread slept or waited for a CPU then.
	Kernel time.Duration
	// CPU is the CPU the thread ran on (or, for EventCPU, is on).
	CPU int
}

// CPUs is implemented by platforms whose CPUs run threads at the same
// time; a platform without it has one CPU.
type CPUs interface {
	// NumCPUs is how many CPUs run threads: CPUs 0 to NumCPUs()-1.
	NumCPUs() int
}

// Placer is implemented by the contexts of a platform with CPUs.
type Placer interface {
	// Place restricts the thread's user code to the CPUs in mask, bit per
	// CPU (0: any), and, when cpu >= 0, makes Switch return EventCPU
	// instead of running user code on another CPU than cpu, so that what
	// the thread was told of its CPU (rseq's cpu_id) is never stale.
	Place(mask uint64, cpu int)
}

// Page-fault error-code bits.
const (
	PFPresent = 1 << 0
	PFWrite   = 1 << 1
	PFUser    = 1 << 2
	PFFetch   = 1 << 4
)

// Context is a user thread's CPU state and the means to run it.
type Context interface {
	Regs() *Regs
	// FPU is the XSAVE image of the thread's x87/SSE/AVX state.
	FPU() []byte
	// Switch runs the thread in pt until the next event.
	Switch(pt PageTable) Event
	// CopyFrom copies another context's registers and FPU state.
	CopyFrom(Context)
	// RestoreAll makes the next Switch restore every register, RCX and R11
	// included (after rt_sigreturn); otherwise a return from a system call
	// may take the fast path that clobbers them, as SYSCALL's ABI allows.
	RestoreAll()
	// SetIDs tells the platform the thread's process and thread ids, which
	// it may use to answer getpid and gettid without a full kernel entry;
	// zeros turn that off (seccomp must see every call).
	SetIDs(pid, tid int32)
}
