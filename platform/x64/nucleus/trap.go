package nucleus

import (
	"sync/atomic"
	"unsafe"
)

// Traps: every exception and interrupt arrives at trap on this CPU's IST
// stack. The common cases end there (timer tick, demand-paging fault,
// device interrupt). Preemption and signal delivery need the interrupted
// thread's own stack, so trap asks trapCommon to move the frame there and
// call trapSlow.

var vectorNames = [...]string{
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD error", "#VE virtualization",
	"#CP control protection",
}

// inGoCode reports whether f interrupted Go code running above the nucleus:
// nucleus code (and the idle thread outside its HLT) runs with interrupts
// disabled.
//
//go:nosplit
func inGoCode(f *trapFrame) bool {
	c := thisCPU()
	return f.rflags&rflagsIF != 0 && c.current != c.idle
}

//go:nosplit
func trap(f *trapFrame) uintptr {
	v := f.vector
	switch {
	case v == vectorTimer:
		c := thisCPU()
		c.ticks++
		lapicEOIWrite()
		now := sinceBoot()
		wakeExpired(now)
		if inGoCode(f) && atomic.LoadInt32(&runHead) >= 0 && now >= c.sliceEnd {
			return 1
		}
		return 0
	case v == 14:
		cr2 := readCR2()
		if demandFault(uintptr(cr2)) {
			return 0
		}
		if inGoCode(f) && canDeliver(f) {
			thisCPU().pendingCR2 = cr2
			return 1
		}
		fatalTrap(f, cr2)
	case v < 32:
		if v != 2 && v != 8 && v != 18 && inGoCode(f) && canDeliver(f) {
			return 1
		}
		fatalTrap(f, readCR2())
	case v == vectorSerial:
		serialInterrupt()
		lapicEOIWrite()
		wake(uintptr(unsafe.Pointer(&rxHead)), maxThreads)
	case isDeviceVector(v):
		deviceInterrupt(v)
	case v == vectorPing:
		pinged()
	case v == vectorTLB:
		lapicEOIWrite()
		tlbService()
	case v == vectorResched:
		// A thread that may run only here is waiting (kickIdle).
		lapicEOIWrite()
		if inGoCode(f) && atomic.LoadInt32(&runHead) >= 0 {
			return 1
		}
	case v == vectorSpur:
		// Spurious: no EOI.
	default:
		lapicEOIWrite()
	}
	return 0
}

// trapSlow runs on the interrupted thread's nucleus stack with f at its top.
//
//go:nosplit
func trapSlow(f *trapFrame) {
	if f.vector == vectorTimer || f.vector == vectorResched {
		preempt()
		return
	}
	cr2 := uint64(0)
	if f.vector == 14 {
		cr2 = thisCPU().pendingCR2
	}
	printStamp()
	print("nucleus: ")
	printVector(f.vector)
	print(" in Go code at rip=")
	printHex(f.rip)
	print(" addr=")
	printHex(cr2)
	print(" err=")
	printHex(f.errCode)
	print(": delivering the signal to the runtime\n")
	dumpRegs(f)
	deliverSignal(f, cr2)
}

//go:nosplit
func printVector(v uint64) {
	if v < uint64(len(vectorNames)) {
		print(vectorNames[v])
	} else {
		print("vector ")
		printDec(v)
	}
}

// fatalTrap reports an exception the nucleus cannot hand to anyone (it hit
// the nucleus itself, or the runtime has no handler) and powers off.
//
//go:nosplit
func fatalTrap(f *trapFrame, cr2 uint64) {
	print("\n")
	printStamp()
	print("KERNEL PANIC: unhandled exception: ")
	printVector(f.vector)
	print(" (vector ")
	printDec(f.vector)
	print(")\n")
	printStamp()
	print("  error code ")
	printHex(f.errCode)
	print("  CR2 ")
	printHex(cr2)
	print("  CPL ")
	printDec(f.cs & 3)
	if f.rflags&rflagsIF == 0 {
		print("  (in the nucleus)\n")
	} else {
		print("  (in Go code)\n")
	}
	dumpRegs(f)
	dumpFramePointers(uintptr(f.rbp))
	powerOff(exitPanic)
}

//go:nosplit
func reg(name string, v uint64) {
	print(name)
	print("=")
	printHex16(v)
	print(" ")
}

//go:nosplit
func dumpRegs(f *trapFrame) {
	printStamp()
	reg("RIP", f.rip)
	reg("RSP", f.rsp)
	reg("RFLAGS", f.rflags)
	print("\n")
	printStamp()
	reg("RAX", f.rax)
	reg("RBX", f.rbx)
	reg("RCX", f.rcx)
	reg("RDX", f.rdx)
	print("\n")
	printStamp()
	reg("RSI", f.rsi)
	reg("RDI", f.rdi)
	reg("RBP", f.rbp)
	reg("R8 ", f.r8)
	print("\n")
	printStamp()
	reg("R9 ", f.r9)
	reg("R10", f.r10)
	reg("R11", f.r11)
	reg("R12", f.r12)
	print("\n")
	printStamp()
	reg("R13", f.r13)
	reg("R14", f.r14)
	reg("R15", f.r15)
	reg("CS", f.cs)
	print("\n")
	printStamp()
	reg("CR0", readCR0())
	reg("CR3", readCR3())
	reg("CR4", readCR4())
	print("\n")
}

// dumpFramePointers prints the return addresses along the frame-pointer
// chain. Go keeps frame pointers on amd64, so this is the call stack; the
// host symbolizes "pc=" lines against the kernel ELF (testing/qemu does).
//
//go:nosplit
func dumpFramePointers(bp uintptr) {
	printStamp()
	print("  call stack (frame pointers):\n")
	for i := 0; i < 32 && bp >= 0xffff800000000000 && bp&7 == 0; i++ {
		if !mapped(bp) || !mapped(bp+8) {
			break
		}
		ret := *ptr64(bp + 8)
		printStamp()
		print("    pc=")
		printHex(ret)
		print("\n")
		bp = uintptr(*ptr64(bp))
	}
}

// mapped reports whether va is present in the kernel page tables.
//
//go:nosplit
func mapped(va uintptr) bool {
	if kernelPML4 == 0 {
		return false
	}
	e := pte(kernelPML4, va, 1, noCreate)
	if e != 0 {
		return *ptr64(e)&ptPresent != 0
	}
	e = pte(kernelPML4, va, 2, noCreate)
	return e != 0 && *ptr64(e)&(ptPresent|ptLarge) == ptPresent|ptLarge
}

// fatal reports an internal nucleus error and powers off.
//
//go:nosplit
func fatal(msg string) {
	print("\n")
	printStamp()
	print("KERNEL PANIC: nucleus: ")
	print(msg)
	print("\n")
	dumpFramePointers(readRBP())
	powerOff(exitPanic)
}
