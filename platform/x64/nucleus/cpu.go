package nucleus

import "unsafe"

// CPU setup: descriptor tables, the task state segment with its interrupt
// stacks, feature enables (NX, SMEP, SMAP, XSAVE with every state component
// the CPU offers, global pages) and the SYSCALL MSRs.

const (
	msrEFER        = 0xc0000080
	msrSTAR        = 0xc0000081
	msrLSTAR       = 0xc0000082
	msrFMASK       = 0xc0000084
	msrFSBase      = 0xc0000100
	msrGSBase      = 0xc0000101
	msrKernelGS    = 0xc0000102
	msrTSCAux      = 0xc0000103
	cr4PGE         = 1 << 7
	cr4OSXSAVE     = 1 << 18
	cr4SMEP        = 1 << 20
	cr4SMAP        = 1 << 21
	cr4FSGSBASE    = 1 << 16
	rflagsIF       = 1 << 9
	fmaskBits      = 0x47700 // TF, IF, DF, NT, AC cleared on SYSCALL
	idtEntries     = 256
	vectorStubSize = 32 // see gen_vectors.go
	interruptGate  = 0x8e
)

// tss is the 64-bit task state segment. The hardware layout is packed (the
// 64-bit stack pointers sit at 4-byte offsets), so it is bytes with setters.
type tss [104]byte

const (
	tssRSP0     = 4
	tssIST1     = 36
	tssIOMapOff = 102
)

//go:nosplit
func (t *tss) setRSP0(v uintptr) { *ptr64(uintptr(unsafe.Pointer(t)) + tssRSP0) = uint64(v) }

//go:nosplit
func (t *tss) setIST(n int, v uintptr) {
	*ptr64(uintptr(unsafe.Pointer(t)) + tssIST1 + uintptr(n-1)*8) = uint64(v)
}

type idtEntry struct {
	offLow   uint16
	selector uint16
	ist      uint8
	attr     uint8
	offMid   uint16
	offHigh  uint32
	_        uint32
}

type descPtr struct {
	_     [3]uint16 // aligns base to 8 after limit
	limit uint16
	base  uint64
}

var (
	idt       [idtEntries]idtEntry
	xsaveSize uint64
	xcr0      uint64
	// hasXSAVE is false on CPUs without XSAVE (qemu64, Nehalem,
	// Westmere): FPU state is then the 512-byte FXSAVE image and every
	// save and restore uses FXSAVE64/FXRSTOR64 (xsaveSize 512, xcr0 0).
	hasXSAVE bool
	// fxScratch is where FXSAVE_X87 lets FXSAVE write the whole legacy
	// image before copying its x87 part (per CPU, 16-byte aligned there).
	fxScratch  [maxCPUs][512 + 16]byte
	cpuFeatECX uint32 // CPUID.1:ECX
	cpuFeatEDX uint32 // CPUID.1:EDX
	hasSMAP    bool
	// hasFSGSBASE: CR4.FSGSBASE is on, so user code may change its FS and
	// GS bases with WRFSBASE/WRGSBASE and the exit paths read them back
	// (SAVE_USER_BASES); AT_HWCAP2 then has HWCAP2_FSGSBASE, as on Linux.
	hasFSGSBASE bool
	hasSMEP     bool
	hasRDRAND   bool // CPUID.1:ECX bit 30
)

// rdrand returns a hardware random number, or false when the CPU has no
// RDRAND (executing it there would be #UD) or it failed ten times.
//
//go:nosplit
func rdrand() (v uint64, ok bool) {
	if !hasRDRAND {
		return 0, false
	}
	return rdrandInsn()
}

// cpuInit prepares CPU c: per-CPU block behind GS, GDT and TSS with IST
// stacks, the shared IDT, feature bits, SYSCALL.
//
//go:nosplit
func cpuInit(id int) {
	c := &cpus[id&(maxCPUs-1)]
	c.self = uintptr(unsafe.Pointer(c))
	c.id = uint32(id)
	wrmsr(msrGSBase, uint64(c.self))
	wrmsr(msrKernelGS, 0)

	c.istTop = uintptr(unsafe.Pointer(&istStacks[id&(maxCPUs-1)][0][0])) + istStackSize
	c.nmiTop = uintptr(unsafe.Pointer(&istStacks[id&(maxCPUs-1)][1][0])) + istStackSize
	c.tss.setIST(1, c.istTop)
	c.tss.setIST(2, c.nmiTop)
	c.tss.setRSP0(c.istTop)
	*ptr16(uintptr(unsafe.Pointer(&c.tss)) + tssIOMapOff) = uint16(len(c.tss)) // no I/O bitmap

	c.gdt[0] = 0
	c.gdt[1] = 0x00af9a000000ffff // kernel code, 64-bit
	c.gdt[2] = 0x00cf92000000ffff // kernel data
	c.gdt[3] = 0x00cff2000000ffff // user data (SYSRET: STAR base + 8)
	c.gdt[4] = 0x00affa000000ffff // user code, 64-bit (STAR base + 16)
	base := uint64(uintptr(unsafe.Pointer(&c.tss)))
	limit := uint64(unsafe.Sizeof(c.tss) - 1)
	c.gdt[5] = limit&0xffff | (base&0xffffff)<<16 | 0x89<<40 | (limit>>16&0xf)<<48 | (base>>24&0xff)<<56
	c.gdt[6] = base >> 32
	// Entry 15 (selector 0x7b) is Linux's GDT_ENTRY_CPUNODE: a user data
	// segment whose limit is the CPU number (node 0 in bits 12 and up),
	// which the vDSO's getcpu reads with LSL.
	c.gdt[15] = uint64(id)&0xffff | 0xf3<<40
	var gp descPtr
	gp.limit = uint16(len(c.gdt)*8 - 1)
	gp.base = uint64(uintptr(unsafe.Pointer(&c.gdt[0])))
	lgdt(uintptr(unsafe.Pointer(&gp.limit)))
	ltr(tssSel)

	if id == 0 {
		buildIDT()
	}
	var ip descPtr
	ip.limit = uint16(unsafe.Sizeof(idt) - 1)
	ip.base = uint64(uintptr(unsafe.Pointer(&idt[0])))
	lidt(uintptr(unsafe.Pointer(&ip.limit)))

	enableFeatures()

	// TSC_AUX holds the CPU number for RDTSCP and RDPID, as on Linux.
	if _, _, _, edx := cpuid(0x80000001, 0); edx&(1<<27) != 0 {
		wrmsr(msrTSCAux, uint64(id))
	}

	wrmsr(msrSTAR, uint64(kernelCS)<<32|uint64(userDS-8-3)<<48)
	wrmsr(msrLSTAR, uint64(syscallEntryAddr()))
	wrmsr(msrFMASK, fmaskBits)
}

// buildIDT points every vector at its stub. Everything runs on IST 1 except
// NMI, double fault and machine check, which get IST 2 so they survive a
// fault on the first.
//
//go:nosplit
func buildIDT() {
	stubs := vectorsAddr()
	for v := 0; v < idtEntries; v++ {
		addr := uint64(stubs) + uint64(v)*vectorStubSize
		ist := uint8(1)
		if v == 2 || v == 8 || v == 18 {
			ist = 2
		}
		attr := uint8(interruptGate)
		if v == 3 || v == 4 {
			attr |= 3 << 5 // INT3 and INTO are allowed from user mode (#BP → SIGTRAP)
		}
		idt[v] = idtEntry{
			offLow:   uint16(addr),
			selector: kernelCS,
			ist:      ist,
			attr:     attr,
			offMid:   uint16(addr >> 16),
			offHigh:  uint32(addr >> 32),
		}
	}
}

// XSAVE components that travel with the x87 registers: kernel code never
// touches them, so they stay live in the CPU while one user context owns
// it and are saved only when another context takes it (enterUser,
// releaseX87). PKRU is enabled in XCR0 as Linux enables it, so that the
// XSAVE area (and the signal frame and AT_MINSIGSTKSZ sized from it) is
// Linux's; CR4.PKE stays off, so protection keys themselves are not
// offered (CPUID's OSPKE reads 0).
const (
	xstatePKRU    = 1 << 9
	xstateWithX87 = 1 | xstatePKRU
)

// enableFeatures turns on NX, SMEP, SMAP, global pages and XSAVE for every
// user state component the CPU supports (x87, SSE, AVX, AVX-512, PKRU): the Go
// runtime picks AVX/AVX-512 code paths from CPUID and XCR0, so whatever is
// enabled here must be saved on context switches (xsaveSize). A CPU
// without XSAVE keeps OSXSAVE off (so neither the runtime nor user code
// sees AVX) and its FPU state is FXSAVE's 512-byte image.
//
//go:nosplit
func enableFeatures() {
	_, _, cpuFeatECX, cpuFeatEDX = cpuid(1, 0)
	hasRDRAND = cpuFeatECX&(1<<30) != 0
	_, ebx7, _, _ := cpuid(7, 0)
	hasSMEP = ebx7&(1<<7) != 0
	hasSMAP = ebx7&(1<<20) != 0
	hasFSGSBASE = ebx7&1 != 0
	cr4 := readCR4() | cr4PGE
	if hasSMEP {
		cr4 |= cr4SMEP
	}
	if hasSMAP {
		cr4 |= cr4SMAP
	}
	if hasFSGSBASE {
		cr4 |= cr4FSGSBASE
	}
	c := thisCPU()
	c.fxArea = (uintptr(unsafe.Pointer(&fxScratch[c.id&(maxCPUs-1)][0])) + 15) &^ 15
	hasXSAVE = cpuFeatECX&(1<<26) != 0
	if hasXSAVE {
		cr4 |= cr4OSXSAVE
		writeCR4(cr4)
		supported, _, _, _ := cpuid(0xd, 0)
		xcr0 = uint64(supported) & 0x2e7 // x87, SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM, PKRU
		if xcr0&0x4 == 0 {
			xcr0 &= 0x3
		}
		if xcr0&0xe0 != 0xe0 {
			xcr0 &^= 0xe0
		}
		xsetbv(xcr0)
		_, size, _, _ := cpuid(0xd, 0) // EBX: size for the enabled components
		xsaveSize = uint64(size)
	} else {
		// No XSAVE: FXSAVE's legacy image (x87 and SSE), as Linux uses.
		writeCR4(cr4)
		xcr0 = 0
		xsaveSize = 512
	}
	if xsaveSize > pageSize {
		fatal("XSAVE area larger than a page")
	}
	// What the ring-3 entry and exit paths move with plain register
	// instructions (see user.go): SSE always, the upper YMM halves when
	// AVX is on and its XSAVE slot is where the standard format puts it.
	// Anything beyond (AVX-512) still goes through XSAVE/XRSTOR there.
	c.mxcsr = 0x1f80
	c.xstateFast = 0x2
	c.xstateExtra = xcr0 &^ (0x7 | xstatePKRU)
	if xcr0&0x4 != 0 {
		if _, off, _, _ := cpuid(0xd, 2); off == xsaveYMMHiOff {
			c.xstateFast |= 0x4
		} else {
			c.xstateExtra |= 0x4
		}
	}
}
