package nucleus

import "unsafe"

// The interface the rest of the kernel uses. These functions are called from
// ordinary Go code (interrupts on, goroutine stack), so they only read
// nucleus state or do what is safe from there.

// Info describes the machine as the nucleus found it.
type Info struct {
	CommandLine  string
	BootProtocol string // "pvh" or "multiboot2"
	TSCHz        uint64
	MemoryTotal  uint64 // bytes of usable RAM handed to the page allocator
	ImageSize    uint64 // bytes of physical memory the kernel image occupies
	EntryPC      uintptr
	ACPIPowerOff bool
	SMEP, SMAP   bool
	XCR0         uint64
	XSaveSize    uint64
}

// MachineInfo returns Info. It allocates (the command line string).
func MachineInfo() Info {
	proto := "pvh"
	if bootProtocol == 2 {
		proto = "multiboot2"
	}
	return Info{
		CommandLine:  string(cmdline[:cmdlineLen]),
		BootProtocol: proto,
		TSCHz:        tscHz,
		MemoryTotal:  pagesTotal * pageSize,
		ImageSize:    params.PhysEnd - params.PhysStart - lazyBytes(),
		EntryPC:      entry64Addr(),
		ACPIPowerOff: acpiReady,
		SMEP:         hasSMEP,
		SMAP:         hasSMAP,
		XCR0:         xcr0,
		XSaveSize:    xsaveSize,
	}
}

// MemStats reports physical pages in use and free.
func MemStats() (inUse, free uint64) {
	return pagesInUse * pageSize, pagesFree * pageSize
}

// MemReserve reports the kernel reserve in bytes (user allocations fail
// while no more than this is free) and how many user page allocations it
// has refused so far.
func MemReserve() (reserve, denied uint64) {
	return reservePages() * pageSize, userDenied
}

// SinceBoot returns nanoseconds since the nucleus was entered, from the TSC,
// without a system call.
//
//go:nosplit
func SinceBoot() int64 { return sinceBoot() }

// Initrd returns the initial ramdisk the boot loader placed in memory, or
// nil. The slice aliases physical memory the page allocator never hands out.
func Initrd() []byte {
	if initrdEnd <= initrdStart {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(phys2virt(initrdStart))), initrdEnd-initrdStart)
}

// UnmappedKernelAddress is an upper-half address that is never mapped, for
// the fault-path check.
const UnmappedKernelAddress = heapLimit + 0x1000

// FaultOnPurpose writes to UnmappedKernelAddress from ordinary kernel Go
// code: the nucleus's page-fault report and the Go runtime's crash trace
// that follow are what a kernel bug produces (aramid.testfault=pagefault).
//
//go:noinline
func FaultOnPurpose() {
	*ptr64(UnmappedKernelAddress) = 0xdead
}

// Ticks returns the number of timer interrupts taken on this CPU.
func Ticks() uint64 { return cpus[0].ticks }

// FaultInNucleus makes a clock_gettime system call with an unmapped result
// pointer: the nucleus faults while serving its own runtime, which nothing
// can recover from (aramid.testfault=nucleus).
func FaultInNucleus() {
	rawSyscall(sysClockGettime, 1, UnmappedKernelAddress+0x1000)
}

// HWCap is AT_HWCAP for user programs: CPUID.1:EDX, as Linux reports it.
func HWCap() uint64 { return uint64(cpuFeatEDX) }

// HWCap2 is AT_HWCAP2 for user programs: HWCAP2_FSGSBASE (bit 1) when user
// code may use RDFSBASE and its kin (CR4.FSGSBASE), as Linux sets it.
func HWCap2() uint64 {
	if hasFSGSBASE {
		return 1 << 1
	}
	return 0
}

// HasRDRAND reports whether the CPU has the RDRAND instruction; without it
// Random's bytes are only TSC-derived and the kernel keeps its own
// generator (kernel/cmd/aramid/random.go).
func HasRDRAND() bool { return hasRDRAND }

// CPUID executes the CPUID instruction (for /proc/cpuinfo).
func CPUID(leaf, sub uint32) (a, b, c, d uint32) { return cpuid(leaf, sub) }

// Random fills b from the CPU's hardware random number generator (RDRAND,
// with a TSC-mixed fallback).
func Random(b []byte) {
	if len(b) > 0 {
		getrandom(uint64(uintptr(unsafe.Pointer(&b[0]))), uint64(len(b)))
	}
}

// TimeBase returns the clock's parameters, for the vDSO: the TSC at time
// zero, the 32.32 ns-per-tick multiplier, and Unix time in ns at time zero.
func TimeBase() (tscAtZero, mult uint64, wallAtZero int64) { return tscBoot, tscMult, wallBase }

// SetWallTime sets the realtime clock to unixNs now (clock_settime) and
// returns the new Unix time in ns at time zero, for the vDSO's vvar page.
// The aligned 64-bit store is atomic for the nucleus's readers.
//
//go:nosplit
func SetWallTime(unixNs int64) (wallAtZero int64) {
	wallBase = unixNs - sinceBoot()
	return wallBase
}

func lazyBytes() uint64 {
	var n uint64
	for i := range params.Lazy {
		if base, end := lazyFrames(i); base < end {
			n += end - base
		}
	}
	return n
}

// FreeInitrd gives the initrd's pages to the allocator, as Linux frees the
// initramfs image after unpacking it. Slices from Initrd must no longer be
// used.
func FreeInitrd() uint64 {
	start := (initrdStart + pageSize - 1) &^ (pageSize - 1)
	end := initrdEnd &^ (pageSize - 1)
	if end <= start {
		return 0
	}
	memLock.lock()
	pushExtent(start, end)
	memLock.unlock()
	initrdStart, initrdEnd = 0, 0
	return end - start
}
