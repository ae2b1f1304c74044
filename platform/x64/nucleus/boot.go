package nucleus

import (
	"unsafe"

	bp "aramid/platform/x64/bootparams"
)

// Bootstrap: from the trampoline's hand-off to the Go runtime's first
// instruction.

const (
	maxCmdline = 4096
	ioapicBase = 0xfec00000
)

var (
	cmdline    [maxCmdline]byte
	cmdlineLen int
	// bootInfoShown is whether the console shows the nucleus's
	// informational boot lines (see cmdlineConsoleLevel).
	bootInfoShown = true
	bootProtocol  uint32 // 1 = PVH, 2 = multiboot2
	tscAtMain     uint64
)

// bootstrap runs on the boot stack with the trampoline's identity map still
// in place. It returns the stack pointer to enter the runtime with.
//
//go:nosplit
func bootstrap(magic, info uint64) uintptr {
	tscBoot = rdtsc()
	serialInit()
	memcopy(uintptr(unsafe.Pointer(&params)), bp.TrampolinePhys+bp.ParamsOffset, unsafe.Sizeof(params))
	cpuInit(0)
	if params.Magic != bp.ParamsMagic {
		fatal("boot parameter block missing: was the kernel made with mkkernel?")
	}
	switch {
	case magic == bp.Multiboot2Magic:
		bootProtocol = 2
		parseMultiboot2(uintptr(info))
	case info != 0 && *ptr32(uintptr(info)) == bp.PVHMagic:
		bootProtocol = 1
		parsePVH(uintptr(info))
	default:
		fatal("unknown boot protocol (neither PVH nor multiboot2)")
	}
	if bootInfoShown {
		print("\n")
	}
	logLine("Aramid: nucleus entered (Go runtime at ring 0, higher half)")
	if numRAM == 0 {
		fatal("the boot protocol gave no memory map")
	}
	initPhysAlloc()
	buildKernelTables()
	calibrateTSC()
	readRTC()
	maskPIC()
	lapicInit()
	acpiInit()
	threadsInit()
	startAPs()
	ioapicRoute(4, vectorSerial)
	serialEnableRx()
	logDec("TSC: ", tscHz/1000, " kHz")
	logDec("memory: ", pagesTotal*pageSize>>10, " KiB usable")
	if acpiReady {
		logHex("ACPI: power-off via FADT PM1a control port ", uint64(pm1aCnt))
		logHex("ACPI: S5 sleep type ", uint64(slpTypA))
	}
	if resetSpace != 0xff {
		logHex("ACPI: reset via FADT reset register ", resetAddr)
	}
	return buildProcessStack()
}

//go:nosplit
func parsePVH(info uintptr) {
	// struct hvm_start_info
	nrModules := *ptr32(info + 12)
	modlist := *ptr64(info + 16)
	cmdPA := *ptr64(info + 24)
	rsdpPhys = *ptr64(info + 32)
	if *ptr32(info + 4) >= 1 {
		mm := uintptr(*ptr64(info + 40))
		n := *ptr32(info + 48)
		for i := uint32(0); i < n; i++ {
			e := mm + uintptr(i)*24
			if *ptr32(e + 16) == 1 {
				addRAM(*ptr64(e), *ptr64(e + 8))
			}
		}
	}
	if cmdPA != 0 {
		copyCmdline(uintptr(cmdPA))
	}
	if nrModules > 0 && modlist != 0 {
		m := uintptr(modlist)
		initrdStart = *ptr64(m)
		initrdEnd = initrdStart + *ptr64(m + 8)
	}
}

//go:nosplit
func parseMultiboot2(info uintptr) {
	total := uintptr(*ptr32(info))
	for p := info + 8; p+8 <= info+total; {
		typ := *ptr32(p)
		size := uintptr(*ptr32(p + 4))
		if typ == 0 || size < 8 {
			break
		}
		switch typ {
		case 1: // boot command line
			copyCmdline(p + 8)
		case 3: // module: the first is the initrd
			if initrdEnd == 0 {
				initrdStart = uint64(*ptr32(p + 8))
				initrdEnd = uint64(*ptr32(p + 12))
			}
		case 6: // memory map
			esize := uintptr(*ptr32(p + 8))
			for e := p + 16; esize != 0 && e+esize <= p+size; e += esize {
				if *ptr32(e + 16) == 1 {
					addRAM(*ptr64(e), *ptr64(e + 8))
				}
			}
		case 14, 15: // copy of the ACPI RSDP
			n := size - 8
			if n > uintptr(len(rsdpCopy)) {
				n = uintptr(len(rsdpCopy))
			}
			memcopy(uintptr(unsafe.Pointer(&rsdpCopy[0])), p+8, n)
			haveRSDPCopy = true
		}
		p += (size + 7) &^ 7
	}
}

//go:nosplit
func copyCmdline(p uintptr) {
	n := 0
	for n < maxCmdline-1 && *ptr8(p + uintptr(n)) != 0 {
		cmdline[n&(maxCmdline-1)] = *ptr8(p + uintptr(n))
		n++
	}
	cmdlineLen = n
	traceSyscalls = cmdlineHas("nucleus.trace=1")
	bootInfoShown = cmdlineIgnoresLoglevel() || cmdlineConsoleLevel() > 6
}

// cmdlineConsoleLevel returns console_loglevel as the command line sets it,
// Linux's rules: 7 by default, `quiet` 4, `debug` 10, `loglevel=N` N, the
// last word winning. The nucleus's boot lines are KERN_INFO (6): shown only
// above it, as the kernel proper's klog does.
//
//go:nosplit
func cmdlineConsoleLevel() int {
	level := 7
	for i := 0; i < cmdlineLen; i++ {
		if i > 0 && cmdline[uint(i-1)%maxCmdline] != ' ' {
			continue
		}
		switch {
		case cmdlineWordAt(i, "quiet"):
			level = 4
		case cmdlineWordAt(i, "debug"):
			level = 10
		case cmdlinePrefixAt(i, "loglevel="):
			j, n, digits := i+len("loglevel="), 0, 0
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
				level = n
			}
		}
	}
	return level
}

//go:nosplit
func cmdlineIgnoresLoglevel() bool { return cmdlineHas("ignore_loglevel") }

// cmdlinePrefixAt reports whether the command line has prefix at byte i.
//
//go:nosplit
func cmdlinePrefixAt(i int, prefix string) bool {
	if i+len(prefix) > cmdlineLen {
		return false
	}
	for j := 0; j < len(prefix); j++ {
		if cmdline[uint(i+j)%maxCmdline] != prefix[j] {
			return false
		}
	}
	return true
}

// cmdlineWordAt reports whether the word at byte i is word.
//
//go:nosplit
func cmdlineWordAt(i int, word string) bool {
	end := i + len(word)
	return cmdlinePrefixAt(i, word) && (end == cmdlineLen || cmdline[uint(end)%maxCmdline] == ' ')
}

// cmdlineHas reports whether the command line contains word as a whole word.
//
//go:nosplit
func cmdlineHas(word string) bool {
	for i := 0; i+len(word) <= cmdlineLen; i++ {
		if i > 0 && cmdline[uint(i-1)%maxCmdline] != ' ' {
			continue
		}
		j := 0
		for j < len(word) && cmdline[uint(i+j)%maxCmdline] == word[j] {
			j++
		}
		end := i + j
		if j == len(word) && (end == cmdlineLen || cmdline[uint(end)%maxCmdline] == ' ') {
			return true
		}
	}
	return false
}

// ioapicRoute sends ISA interrupt irq to vector on CPU 0 (edge, active high;
// QEMU's IOAPIC maps ISA IRQs 1:1 except IRQ0).
//
//go:nosplit
func ioapicRoute(irq uint32, vector uint32) {
	ioapicWrite(0x10+2*irq+1, 0) // destination: APIC ID 0
	ioapicWrite(0x10+2*irq, vector)
}

//go:nosplit
func ioapicWrite(reg uint32, v uint32) {
	base := phys2virt(ioapicBase)
	*ptr32(base) = reg
	*ptr32(base + 0x10) = v
}

// buildProcessStack fabricates what Linux gives a new process on m0Stack:
// argc, argv, envp and the auxiliary vector the runtime reads (page size,
// AT_RANDOM, hardware capabilities). Returns the stack pointer.
//
//go:nosplit
func buildProcessStack() uintptr {
	top := uintptr(unsafe.Pointer(&m0Stack[0])) + m0StackSize
	argv0 := putStr(top, "aramid")
	// No asynchronous preemption: it needs signals the nucleus does not send.
	env0 := putStr(argv0, "GODEBUG=asyncpreemptoff=1")
	p := env0
	p -= 16
	random := p
	for i := uintptr(0); i < 16; i += 8 {
		v, ok := rdrand()
		if !ok {
			v = rdtsc() * 0x9e3779b97f4a7c15
		}
		*ptr64(random + i) = v
	}
	p &^= 15
	words := [...]uint64{
		1, uint64(argv0), 0, // argc, argv, NULL
		uint64(env0), 0, // envp, NULL
		6, pageSize, // AT_PAGESZ
		25, uint64(random), // AT_RANDOM
		16, uint64(cpuFeatEDX), // AT_HWCAP
		17, 100, // AT_CLKTCK
		11, 0, 12, 0, 13, 0, 14, 0, // AT_UID, AT_EUID, AT_GID, AT_EGID
		23, 0, // AT_SECURE
		0, 0, // AT_NULL
	}
	p -= uintptr(len(words)) * 8
	p &^= 15
	for i, w := range words {
		*ptr64(p + uintptr(i)*8) = w
	}
	return p
}

// putStr stores s NUL-terminated just below end and returns its address.
//
//go:nosplit
func putStr(end uintptr, s string) uintptr {
	p := end - uintptr(len(s)+1)
	for i := 0; i < len(s); i++ {
		*ptr8(p + uintptr(i)) = s[i]
	}
	*ptr8(p + uintptr(len(s))) = 0
	return p
}
