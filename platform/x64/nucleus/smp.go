package nucleus

import (
	"sync/atomic"
	"unsafe"
)

// Application processors. The ACPI MADT lists every CPU's local APIC ID;
// startAPs wakes each one with INIT-SIPI-SIPI into a real-mode trampoline
// copied below 1 MiB (apTrampoline), which switches to long mode on a
// temporary page table and jumps to apEntry64. There the AP gets its per-CPU
// block behind GS, its GDT, TSS and IST stacks, the shared IDT, the BSP's
// CR0/CR4/EFER features (NX, SMEP, SMAP, XSAVE with the same XCR0), the
// SYSCALL MSRs, its local APIC with its timer ticking at tickHz (slices
// and sleepers' deadlines, as on the boot CPU) and an idle thread, and then
// runs threads from the shared run queue (sched.go) like the boot CPU:
// cpusRunning CPUs run threads, which is what sched_getaffinity reports to
// the runtime (GOMAXPROCS) and the kernel to user programs. pingAPs checks
// one IPI round trip to each AP at boot.
//
// `nosmp` or `maxcpus=1` (maxcpus counts the boot CPU) leave the APs in
// their reset state, as on Linux.

// Physical layout of the AP start-up area (below 1 MiB, page aligned: the
// SIPI vector is the page number). Nothing else uses memory below 1 MiB
// once bootstrap has read the boot information.
const (
	apTrampPhys = 0x8000 // SIPI vector 0x08
	apPML4Phys  = 0x9000 // temporary page tables: identity 0-2 MiB plus
	apPDPTPhys  = 0xa000 // the kernel half copied from kernelPML4
	apPDPhys    = 0xb000

	// Offsets in the trampoline page.
	apCode16   = 0x00
	apCode32   = 0x40
	apCode64   = 0x80
	apGDT      = 0xc0
	apGDTR     = 0xe0
	apSlotCR3  = 0xf0 // uint32: the temporary PML4
	apSlotSP   = 0xf8 // uint64: the AP's first stack
	apSlotGo   = 0x100
	apSlotID   = 0x108 // uint64: the AP's CPU index
	apTrampLen = 0x110

	lapicICRLow  = 0x300
	lapicICRHigh = 0x310
	icrInit      = 0x4500 // INIT, level assert
	icrStartup   = 0x4600 // STARTUP (vector in the low byte)
	icrPending   = 1 << 12

	// vectorPing is the IPI an AP answers by counting it (pingAPs).
	vectorPing = 0xf0
	// vectorResched wakes an idle CPU to look at the run queue.
	vectorResched = 0xf1
)

// apTrampoline is the AP entry code, hand-encoded (TestAPTrampolineDisassembly
// decodes it back). Real mode at CS:IP = 0x0800:0000 → protected mode on the
// trampoline's GDT → long mode (PAE, EFER.LME|NXE|SCE, CR0.PG|WP|NE|ET|MP|PE,
// clearing the cache-disable bits INIT leaves set) → apEntry64 with RDI =
// the CPU index and RSP = its stack, read from the slots.
var apTrampoline = [apTrampLen]byte{
	// 16-bit, at 0x8000.
	apCode16 + 0: 0xfa, // cli
	0x8c, 0xc8,   // mov ax, cs
	0x8e, 0xd8, // mov ds, ax
	0x66, 0x0f, 0x01, 0x16, apGDTR, 0x00, // lgdt [apGDTR] (32-bit base)
	0x0f, 0x20, 0xc0, // mov eax, cr0
	0x66, 0x83, 0xc8, 0x01, // or eax, 1
	0x0f, 0x22, 0xc0, // mov cr0, eax
	0x66, 0xea, apCode32, 0x80, 0x00, 0x00, 0x08, 0x00, // jmp far 0x08:0x8040

	// 32-bit protected mode, at 0x8040.
	apCode32 + 0: 0x66, 0xb8, 0x10, 0x00, // mov ax, 0x10
	0x8e, 0xd8, // mov ds, ax
	0x8e, 0xc0, // mov es, ax
	0x8e, 0xd0, // mov ss, ax
	0xb8, 0x20, 0x00, 0x00, 0x00, // mov eax, 0x20 (CR4.PAE)
	0x0f, 0x22, 0xe0, // mov cr4, eax
	0xa1, apSlotCR3, 0x80, 0x00, 0x00, // mov eax, [0x80f0]
	0x0f, 0x22, 0xd8, // mov cr3, eax
	0xb9, 0x80, 0x00, 0x00, 0xc0, // mov ecx, 0xc0000080 (EFER)
	0x0f, 0x32, // rdmsr
	0x0d, 0x01, 0x09, 0x00, 0x00, // or eax, 0x901 (NXE, LME, SCE)
	0x0f, 0x30, // wrmsr
	0xb8, 0x33, 0x00, 0x01, 0x80, // mov eax, 0x80010033
	0x0f, 0x22, 0xc0, // mov cr0, eax
	0xea, apCode64, 0x80, 0x00, 0x00, 0x18, 0x00, // jmp far 0x18:0x8080

	// 64-bit, at 0x8080 (identity mapped by the temporary tables).
	apCode64 + 0: 0x48, 0x8b, 0x24, 0x25, apSlotSP, 0x80, 0x00, 0x00, // mov rsp, [0x80f8]
	0x48, 0x8b, 0x3c, 0x25, apSlotID & 0xff, 0x81, 0x00, 0x00, // mov rdi, [0x8108]
	0x48, 0x8b, 0x04, 0x25, apSlotGo & 0xff, 0x81, 0x00, 0x00, // mov rax, [0x8100]
	0xff, 0xe0, // jmp rax

	// GDT: null, 32-bit code (0x08), data (0x10), 64-bit code (0x18).
	apGDT + 8: 0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0xcf, 0x00,
	0xff, 0xff, 0x00, 0x00, 0x00, 0x92, 0xcf, 0x00,
	0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0xaf, 0x00,
	// GDTR: limit, 32-bit base.
	apGDTR: 0x1f, 0x00, apGDT, 0x80, 0x00, 0x00,
}

var (
	// cpuAPICIDs lists the local APIC IDs of the MADT's enabled CPUs, in
	// table order (cpusListed of them, at most maxCPUs).
	cpuAPICIDs [maxCPUs]uint32
	cpusListed int
	// cpusStarted counts the CPUs brought up: the boot CPU and every AP
	// that reached apMain.
	cpusStarted int
	// cpusRunning is how many CPUs run threads: CPUs 0 to cpusRunning-1.
	cpusRunning uint32 = 1
	// x87Eager is set when more than one CPU runs threads: user x87
	// state is written back at every exit from ring 3 (user.go).
	x87Eager bool
	// apOnline is set by an AP once it is set up (index = CPU index).
	apOnline [maxCPUs]uint32
	// pings counts the vectorPing IPIs each CPU has taken.
	pings [maxCPUs]uint32
	// apTLS gives each AP a zeroed TLS word for the ABI wrappers' load
	// of g from -8(FS), as bootTLS does for the boot CPU.
	apTLS [maxCPUs][2]uint64
	// lapicPerTick is the timer count for one tick (lapicInit measures
	// it on the boot CPU; every local APIC timer runs at the bus clock).
	lapicPerTick uint32
)

func apEntry64()
func apEntry64Addr() uintptr

// madtInit records the local APIC IDs of the enabled CPUs the ACPI MADT
// lists (type 0 entries; an x2APIC-only CPU cannot be reached in xAPIC
// mode and is left out).
//
//go:nosplit
func madtInit() {
	madt := acpiFind("APIC")
	if madt == 0 {
		return
	}
	length := uintptr(*ptr32(madt + 4))
	for p := uintptr(44); p+2 <= length; {
		typ, n := *ptr8(madt + p), uintptr(*ptr8(madt + p + 1))
		if n < 2 || p+n > length {
			break
		}
		if typ == 0 && n >= 8 && *ptr32(madt + p + 4)&1 != 0 {
			if cpusListed < maxCPUs {
				cpuAPICIDs[cpusListed&(maxCPUs-1)] = uint32(*ptr8(madt + p + 3))
				cpusListed++
			} else {
				logDec("smp: CPU beyond the nucleus's limit left out, APIC ID ", uint64(*ptr8(madt + p + 3)), "")
			}
		}
		p += n
	}
}

// cmdlineUint returns the decimal value after the last word starting with
// prefix, or def.
//
//go:nosplit
func cmdlineUint(prefix string, def int) int {
	v := def
	for i := 0; i < cmdlineLen; i++ {
		if i > 0 && cmdline[uint(i-1)%maxCmdline] != ' ' || !cmdlinePrefixAt(i, prefix) {
			continue
		}
		j, n, digits := i+len(prefix), 0, 0
		for j < cmdlineLen && n < 1<<20 {
			c := cmdline[uint(j)%maxCmdline]
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
			digits++
			j++
		}
		if digits > 0 {
			v = n
		}
	}
	return v
}

// startAPs brings up the application processors one at a time and parks
// them. It runs on the boot CPU in bootstrap, with interrupts off, after
// the kernel page tables, the TSC, the local APIC and the boot CPU's
// threads exist.
//
//go:nosplit
func startAPs() {
	cpusStarted = 1
	madtInit()
	limit := cmdlineUint("maxcpus=", maxCPUs)
	if cmdlineHas("nosmp") {
		limit = 1
	}
	if cpusListed <= 1 || limit <= 1 {
		return
	}
	if !isRAM(apTrampPhys, apPDPhys+pageSize) {
		logLine("smp: no RAM at 0x8000-0xbfff for the AP trampoline: APs not started")
		return
	}
	bsp := lapicRead(lapicID) >> 24
	cpus[0].apicID = bsp
	logCPUFeatures(0, ", boot CPU\n")

	tr := phys2virt(apTrampPhys)
	memcopy(tr, uintptr(unsafe.Pointer(&apTrampoline[0])), apTrampLen)
	memzero(phys2virt(apPML4Phys), 3*pageSize)
	pml4 := phys2virt(apPML4Phys)
	*ptr64(pml4) = apPDPTPhys | ptePresentWriteBits
	*ptr64(phys2virt(apPDPTPhys)) = apPDPhys | ptePresentWriteBits
	*ptr64(phys2virt(apPDPhys)) = 0x83 // 2 MiB at 0: present, writable, large
	memcopy(pml4+256*8, phys2virt(uint64(kernelPML4))+256*8, 256*8)
	*ptr32(tr + apSlotCR3) = apPML4Phys
	*ptr64(tr + apSlotGo) = uint64(apEntry64Addr())

	next := 1
	for i := 0; i < cpusListed; i++ {
		id := cpuAPICIDs[i&(maxCPUs-1)]
		if id == bsp {
			continue
		}
		if next >= limit || next >= maxCPUs {
			break
		}
		if startAP(next, id) {
			next++
			cpusStarted = next
		}
	}
	logDec("smp: CPUs started, each running threads: ", uint64(cpusStarted), "")
	x87Eager = cpusStarted > 1
	atomic.StoreUint32(&cpusRunning, uint32(cpusStarted))
	pingAPs()
}

// pingAPs sends each started AP a fixed IPI and waits up to a second for
// it to count it: the path wake-ups and TLB shootdowns will take to a
// halted CPU, checked on every boot.
//
//go:nosplit
func pingAPs() {
	for i := 1; i < cpusStarted && i < maxCPUs; i++ {
		before := atomic.LoadUint32(&pings[i])
		start := sinceBoot()
		sendIPI(cpus[i].apicID, vectorPing)
		for atomic.LoadUint32(&pings[i]) == before && sinceBoot()-start < 1e9 {
			pause()
		}
		took := sinceBoot() - start
		if atomic.LoadUint32(&pings[i]) == before {
			logDec("smp: no answer to an IPI from CPU ", uint64(i), "")
			continue
		}
		if bootInfoShown {
			printStamp()
			print("smp: CPU ")
			printDec(uint64(i))
			print(" answered an IPI in ")
			printDec(uint64(took / 1000))
			print(" us\n")
		}
	}
}

// pinged is trap's answer to vectorPing.
//
//go:nosplit
func pinged() {
	atomic.AddUint32(&pings[thisCPU().id&(maxCPUs-1)], 1)
	lapicEOIWrite()
}

// isRAM reports whether [base, end) lies in one region the boot memory map
// calls usable RAM.
//
//go:nosplit
func isRAM(base, end uint64) bool {
	for i := 0; i < numRAM && i < maxRegions; i++ {
		r := ramRegions[uint(i)%maxRegions]
		if r.base <= base && end <= r.end {
			return true
		}
	}
	return false
}

// ptePresentWriteBits marks a page-table entry present and writable.
const ptePresentWriteBits = 0x3

// startAP starts the CPU with local APIC ID apic as CPU index idx and waits
// for it to report in. An AP that does not answer within a second is put
// back into its INIT state so it cannot wake later on another CPU's slots.
//
//go:nosplit
func startAP(idx int, apic uint32) bool {
	c := &cpus[idx&(maxCPUs-1)]
	idle := newThread()
	if idle < 0 {
		logDec("smp: no thread slot for the idle thread of APIC ID ", uint64(apic), "")
		return false
	}
	it := threadAt(idle)
	it.tid = 0 // not a runtime M
	nextTID--
	it.fsBase = uint64(uintptr(unsafe.Pointer(&apTLS[idx&(maxCPUs-1)][1])))
	it.state = threadBlocked // never queued
	c.idle, c.current = idle, idle
	c.kstackTop = it.kstackTop
	c.apicID = apic

	tr := phys2virt(apTrampPhys)
	*ptr64(tr + apSlotSP) = uint64(it.kstackTop)
	*ptr64(tr + apSlotID) = uint64(idx)
	atomic.StoreUint32(&apOnline[idx&(maxCPUs-1)], 0)

	sendIPI(apic, icrInit)
	spinNs(10e6)
	for try := 0; try < 2; try++ {
		sendIPI(apic, icrStartup|apTrampPhys>>12)
		spinNs(200e3)
		if atomic.LoadUint32(&apOnline[idx&(maxCPUs-1)]) != 0 {
			return true
		}
	}
	start := sinceBoot()
	for sinceBoot()-start < 1e9 {
		if atomic.LoadUint32(&apOnline[idx&(maxCPUs-1)]) != 0 {
			return true
		}
		pause()
	}
	sendIPI(apic, icrInit)
	logDec("smp: CPU did not start, APIC ID ", uint64(apic), "")
	return false
}

// sendIPI writes the interrupt command register for APIC ID dest and waits
// until the local APIC has sent it.
//
//go:nosplit
func sendIPI(dest uint32, cmd uint32) {
	lapicWrite(lapicICRHigh, dest<<24)
	lapicWrite(lapicICRLow, cmd)
	for i := 0; i < 1<<24 && lapicRead(lapicICRLow)&icrPending != 0; i++ {
		pause()
	}
}

// spinNs busy-waits ns nanoseconds on the TSC.
//
//go:nosplit
func spinNs(ns int64) {
	start := sinceBoot()
	for sinceBoot()-start < ns {
		pause()
	}
}

// apMain is where an AP arrives from apEntry64, on its idle thread's
// nucleus stack, still on the temporary page tables. It sets the CPU up as
// cpuInit did the boot CPU, moves to the kernel page tables, reports in and
// becomes its idle thread, which takes threads from the run queue.
//
//go:nosplit
func apMain(idx uint64) {
	id := int(idx & (maxCPUs - 1))
	cpuInit(id)
	loadCR3(uint64(kernelPML4))
	c := thisCPU()
	c.tss.setRSP0(c.kstackTop)
	c.fsBase = threadAt(c.idle).fsBase
	lapicInitAP()
	logCPUFeatures(id, ", running threads\n")
	atomic.StoreUint32(&apOnline[id], 1)
	// Interrupts are on only inside the idle loop's halt.
	idleLoop()
}

// lapicInitAP enables this AP's local APIC and starts its timer at tickHz
// as on the boot CPU: time slices and sleepers' deadlines.
//
//go:nosplit
func lapicInitAP() {
	wrmsr(0x1b, uint64(lapicBase-directMapBase)|1<<11)
	lapicWrite(lapicSVR, 0x100|vectorSpur)
	lapicWrite(lapicTDCR, 0x3)
	lapicWrite(lapicLVTT, lvtPeriodic|vectorTimer)
	lapicWrite(lapicTICR, lapicPerTick)
}

// logCPUFeatures prints, read from the running CPU itself, its local APIC
// ID, CR4, EFER and XCR0 (an informational boot line), so that a log shows
// whether every CPU was set up alike.
//
//go:nosplit
func logCPUFeatures(id int, tail string) {
	if !bootInfoShown {
		return
	}
	consoleLock.lock()
	printStamp()
	print("smp: CPU ")
	printDec(uint64(id))
	print(" up: APIC ID ")
	printDec(uint64(lapicRead(lapicID) >> 24))
	print(", CR4 ")
	printHex(readCR4())
	print(", EFER ")
	printHex(rdmsr(msrEFER))
	if hasXSAVE {
		print(", XCR0 ")
		printHex(xgetbv())
	} else {
		print(", no XSAVE") // XGETBV would be #UD
	}
	print(tail)
	consoleLock.unlock()
}
