package nucleus

import "unsafe"

// Power-off. Status 0 is a clean ACPI S5 power-off (QEMU exits 0). Any other
// status goes out through QEMU's isa-debug-exit device (iobase 0xf4), which
// makes QEMU exit with status<<1|1; on machines without it the ACPI
// power-off follows, then a halt.

const (
	debugExitPort = 0xf4
	exitPanic     = 127 // nucleus panic or unhandled exception: QEMU exits 255
	exitNoMemory  = 126 // the kernel ran out of memory (kernelOutOfMemory): QEMU exits 253
)

var (
	rsdpPhys     uint64 // from the boot protocol, if it says
	rsdpCopy     [36]byte
	haveRSDPCopy bool // multiboot2 hands over a copy of the RSDP itself
	pm1aCnt      uint16
	pm1bCnt      uint16
	slpTypA      uint16
	slpTypB      uint16
	acpiReady    bool
	poweringOff  uint32
	// The FADT's reset register (ACPI 2.0+, RESET_REG_SUP), which Linux
	// writes first when it reboots: resetSpace is its address space (0
	// memory, 1 system I/O; 0xff when there is none).
	resetSpace uint8 = 0xff
	resetAddr  uint64
	resetValue uint8
)

//go:nosplit
func powerOff(status int) {
	cli()
	if lockXchg(&poweringOff) != 0 {
		for {
			hlt()
		}
	}
	printStamp()
	print("aramid: power off, status ")
	printDec(uint64(status))
	print("\n")
	if status != 0 {
		outl(debugExitPort, uint32(status))
	}
	if acpiReady {
		outw(pm1aCnt, slpTypA<<10|1<<13)
		if pm1bCnt != 0 {
			outw(pm1bCnt, slpTypB<<10|1<<13)
		}
		// The power-off takes effect asynchronously (QEMU finishes it in its
		// main loop): give it a second before falling back.
		start := rdtsc()
		for tscHz != 0 && rdtsc()-start < tscHz {
			pause()
		}
	}
	outl(debugExitPort, uint32(status)) // status 0 without ACPI: QEMU exits 1
	for {
		hlt()
	}
}

//go:nosplit
func checksumOK(p uintptr, n uintptr) bool {
	var s byte
	for i := uintptr(0); i < n; i++ {
		s += *ptr8(p + i)
	}
	return s == 0
}

//go:nosplit
func sigIs(p uintptr, sig string) bool {
	for i := 0; i < len(sig); i++ {
		if *ptr8(p + uintptr(i)) != sig[i] {
			return false
		}
	}
	return true
}

// findRSDP scans the BIOS areas for "RSD PTR " when the boot protocol gave
// no address.
//
//go:nosplit
func findRSDP() uint64 {
	if rsdpPhys != 0 {
		return rsdpPhys
	}
	ebda := uint64(*ptr16(phys2virt(0x40e))) << 4
	ranges := [2][2]uint64{{ebda, ebda + 1024}, {0xe0000, 0x100000}}
	for _, r := range ranges {
		for pa := r[0] &^ 15; pa+20 <= r[1] && pa != 0; pa += 16 {
			p := phys2virt(pa)
			if sigIs(p, "RSD PTR ") && checksumOK(p, 20) {
				return pa
			}
		}
	}
	return 0
}

// acpiInit finds the FADT's PM1 control ports and the \_S5 sleep type in
// the DSDT: enough for a power-off.
//
//go:nosplit
func acpiInit() {
	fadt := acpiFind("FACP")
	if fadt == 0 {
		return
	}
	acpiResetInit(fadt)
	pm1aCnt = uint16(*ptr32(fadt + 64))
	pm1bCnt = uint16(*ptr32(fadt + 68))
	dsdt := uint64(*ptr32(fadt + 40))
	if pm1aCnt == 0 || dsdt == 0 || dsdt >= directMapTop() {
		return
	}
	d := phys2virt(dsdt)
	length := uintptr(*ptr32(d + 4))
	for i := uintptr(36); i+8 < length; i++ {
		if !sigIs(d+i, "_S5_") {
			continue
		}
		// _S5_ PackageOp(0x12) PkgLength NumElements then SLP_TYPa, SLP_TYPb,
		// each a ByteConst (0x0a xx) or ZeroOp/OneOp.
		q := d + i + 4
		if *ptr8(q) != 0x12 {
			continue
		}
		q++
		q += uintptr(*ptr8(q)>>6) + 1 // PkgLength bytes
		q++                           // NumElements
		slpTypA, q = amlInt(q)
		slpTypB, _ = amlInt(q)
		acpiReady = true
		return
	}
}

// acpiResetInit records the FADT's reset register: flags bit 10
// (RESET_REG_SUP), the Generic Address Structure at offset 116 and the
// value at 128, in a table long enough to hold them.
//
//go:nosplit
func acpiResetInit(fadt uintptr) {
	const resetRegSup = 1 << 10
	if *ptr32(fadt + 4) < 129 || *ptr32(fadt + 112)&resetRegSup == 0 {
		return
	}
	space, addr := *ptr8(fadt + 116), *ptr64(fadt + 120)
	if addr == 0 || (space != 0 && space != 1) || (space == 1 && addr > 0xffff) ||
		(space == 0 && addr >= directMapTop()) {
		return
	}
	resetSpace, resetAddr, resetValue = space, addr, *ptr8(fadt + 128)
}

// acpiFind returns the direct-map address of the first ACPI table whose
// signature is sig, or 0 (no RSDP, no root table, no such table).
//
//go:nosplit
func acpiFind(sig string) uintptr {
	var p uintptr
	if haveRSDPCopy {
		p = uintptr(unsafe.Pointer(&rsdpCopy[0]))
	} else if rsdp := findRSDP(); rsdp != 0 {
		p = phys2virt(rsdp)
	} else {
		return 0
	}
	var root uint64
	entry := uintptr(4)
	if *ptr8(p + 15) >= 2 && *ptr64(p + 24) != 0 {
		root = *ptr64(p + 24) // XSDT
		entry = 8
	} else {
		root = uint64(*ptr32(p + 16)) // RSDT
	}
	if root == 0 || root >= directMapTop() {
		return 0
	}
	r := phys2virt(root)
	n := (uintptr(*ptr32(r + 4)) - 36) / entry
	for i := uintptr(0); i < n && i < 64; i++ {
		var t uint64
		if entry == 8 {
			t = *ptr64(r + 36 + i*8)
		} else {
			t = uint64(*ptr32(r + 36 + i*4))
		}
		if t != 0 && t < directMapTop() && sigIs(phys2virt(t), sig) {
			return phys2virt(t)
		}
	}
	return 0
}

//go:nosplit
func amlInt(q uintptr) (uint16, uintptr) {
	switch *ptr8(q) {
	case 0x0a:
		return uint16(*ptr8(q + 1)), q + 2
	case 0x01:
		return 1, q + 1
	default: // ZeroOp and anything unexpected
		return 0, q + 1
	}
}

// Reset restarts the machine as Linux's default reboot does: the ACPI
// reset register when the FADT has one, then the PIIX/ICH reset-control
// register (0xcf9), then the keyboard controller's reset line. Under QEMU
// with -no-reboot any of them makes QEMU exit with status 0.
//
//go:nosplit
func Reset() {
	cli()
	printStamp()
	print("aramid: restarting system\n")
	switch resetSpace {
	case 1:
		outb(uint16(resetAddr), resetValue)
	case 0:
		*ptr8(phys2virt(resetAddr)) = resetValue
	}
	outb(0xcf9, 0x02)
	outb(0xcf9, 0x06)
	outb(0x64, 0xfe)
	for {
		hlt()
	}
}
