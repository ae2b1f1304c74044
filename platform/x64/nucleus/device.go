package nucleus

import (
	"sync/atomic"
	"unsafe"
)

// Devices: the little a driver above the nucleus needs from ring 0. Drivers
// themselves are ordinary Go (kernel/drivers, through platform/x64's
// kernel/hw implementation); the nucleus only
//
//   - takes a device interrupt: masks its IOAPIC pin if the line is
//     level-triggered (the device keeps it asserted until the driver reads
//     its status), sends the EOI, counts the interrupt in the vector's
//     counter and wakes every thread blocked on that counter's address (the
//     futex wait the driver's interrupt goroutine sleeps in, as a COM1 read
//     sleeps on rxHead);
//   - routes and unmasks IOAPIC pins;
//   - maps MMIO ranges uncached in their own region (PML4 slot 509, made at
//     boot so every address space shares it);
//   - hands out physically contiguous pages for DMA (virtqueues) from the
//     free extents, never below the kernel reserve.

const (
	vectorDevFirst = 0x30
	vectorDevLast  = 0xef
	numDevVectors  = vectorDevLast - vectorDevFirst + 1

	mmioRegion = 0xfffffe8000000000 // PML4 slot 509, up to stackRegion
	mmioLimit  = stackRegion

	ioapicMasked    = 1 << 16
	ioapicLevel     = 1 << 15
	ioapicActiveLow = 1 << 13
)

var (
	devIRQCount [numDevVectors]uint32
	// devIRQPin is the IOAPIC pin + 1 of a level-triggered line routed to
	// the vector (0: edge or MSI, nothing to mask).
	devIRQPin     [numDevVectors]uint32
	devNextVector uint32 = vectorDevFirst
	ioapicLock    spinlock
	mmioLock      spinlock
	mmioNext      uintptr = mmioRegion
)

// isDeviceVector reports whether v is one of the vectors drivers own.
//
//go:nosplit
func isDeviceVector(v uint64) bool { return v >= vectorDevFirst && v <= vectorDevLast }

// deviceInterrupt is the whole nucleus side of a driver's interrupt.
//
//go:nosplit
func deviceInterrupt(v uint64) {
	i := uint32(v-vectorDevFirst) % numDevVectors
	if pin := devIRQPin[i]; pin != 0 {
		ioapicLock.lock()
		ioapicSetMasked(pin-1, true)
		ioapicLock.unlock()
	}
	lapicEOIWrite()
	atomic.AddUint32(&devIRQCount[i], 1)
	wake(uintptr(unsafe.Pointer(&devIRQCount[i])), maxThreads)
}

//go:nosplit
func ioapicRead(reg uint32) uint32 {
	base := phys2virt(ioapicBase)
	*ptr32(base) = reg
	return *ptr32(base + 0x10)
}

// ioapicSetMasked sets or clears the mask bit of pin's redirection entry
// (ioapicLock held).
//
//go:nosplit
func ioapicSetMasked(pin uint32, masked bool) {
	lo := ioapicRead(0x10 + 2*pin)
	if masked {
		lo |= ioapicMasked
	} else {
		lo &^= ioapicMasked
	}
	ioapicWrite(0x10+2*pin, lo)
}

// AllocVector reserves a device interrupt vector and returns it, or -1 when
// none is left.
func AllocVector() int {
	for {
		v := atomic.LoadUint32(&devNextVector)
		if v > vectorDevLast {
			return -1
		}
		if atomic.CompareAndSwapUint32(&devNextVector, v, v+1) {
			return int(v)
		}
	}
}

// IRQCounter returns the counter the nucleus increments on each interrupt
// at vector (a device vector from AllocVector): a futex word a driver's
// goroutine waits on.
func IRQCounter(vector int) *uint32 {
	return &devIRQCount[uint32(vector-vectorDevFirst)%numDevVectors]
}

// IOAPICPins returns the number of redirection entries of the IOAPIC.
func IOAPICPins() uint32 {
	ioapicLock.lock()
	v := ioapicRead(1)
	ioapicLock.unlock()
	return (v>>16)&0xff + 1
}

// RouteIOAPIC sends IOAPIC pin gsi to vector on CPU 0 (fixed delivery,
// physical destination). A level-triggered pin is masked by each interrupt
// until UnmaskIOAPIC. The pin starts unmasked.
func RouteIOAPIC(gsi uint32, vector int, level, activeLow bool) bool {
	if vector < vectorDevFirst || vector > vectorDevLast || gsi >= IOAPICPins() {
		return false
	}
	lo := uint32(vector)
	if level {
		lo |= ioapicLevel
	}
	if activeLow {
		lo |= ioapicActiveLow
	}
	i := uint32(vector-vectorDevFirst) % numDevVectors
	ioapicLock.lock()
	if level {
		devIRQPin[i] = gsi + 1
	}
	ioapicWrite(0x10+2*gsi+1, 0)
	ioapicWrite(0x10+2*gsi, lo)
	ioapicLock.unlock()
	return true
}

// UnmaskIOAPIC unmasks pin gsi again after its driver has serviced it.
func UnmaskIOAPIC(gsi uint32) {
	ioapicLock.lock()
	ioapicSetMasked(gsi, false)
	ioapicLock.unlock()
}

// MapMMIO maps the physical range [pa, pa+size) uncached (PCD|PWT, no
// execute) and returns the virtual address of pa, or 0 when the MMIO region
// or memory for page tables is exhausted.
func MapMMIO(pa, size uint64) uintptr {
	if size == 0 || pa+size < pa {
		return 0
	}
	first := pa &^ (pageSize - 1)
	last := (pa + size + pageSize - 1) &^ (pageSize - 1)
	n := uintptr(last - first)
	mmioLock.lock()
	if n > mmioLimit-mmioNext {
		mmioLock.unlock()
		return 0
	}
	va := mmioNext
	for off := uintptr(0); off < n; off += pageSize {
		e := pte(kernelPML4, va+off, 1, 0)
		if e == 0 {
			mmioLock.unlock()
			return 0 // the pages mapped so far stay reserved
		}
		*ptr64(e) = (first + uint64(off)) | ptPresent | ptWrite | ptPCD | ptPWT | ptGlobal | ptNX
	}
	mmioNext += n + pageSize // a guard page between mappings
	mmioLock.unlock()
	return va + uintptr(pa-first)
}

// AllocContig returns npages physically contiguous zeroed pages (their
// physical address), taken from the end of a free extent, or 0 when no
// extent holds that many pages beyond the kernel reserve.
func AllocContig(npages uint64) uint64 {
	if npages == 0 {
		return 0
	}
	memLock.lock()
	var pa uint64
	if pagesFree > npages+reservePages() {
		for i := 0; i < numFree && i < maxRegions; i++ {
			e := &freeExt[i]
			if e.end-e.base >= npages*pageSize {
				e.end -= npages * pageSize
				pa = e.end
				pagesFree -= npages
				pagesInUse += npages
				break
			}
		}
	}
	memLock.unlock()
	if pa != 0 {
		memzero(phys2virt(pa), uintptr(npages*pageSize))
	}
	return pa
}

// FreeContig gives pages from AllocContig back to the allocator.
func FreeContig(pa, npages uint64) {
	for i := uint64(0); i < npages; i++ {
		freePage(pa + i*pageSize)
	}
}

// DirectMap returns the kernel virtual address of physical address pa
// (RAM, and anything below 4 GiB) and whether the direct map covers it.
func DirectMap(pa uint64) (uintptr, bool) {
	if pa >= directMapTop() {
		return 0, false
	}
	return phys2virt(pa), true
}

// RSDP returns the ACPI root pointer (36 bytes: the version 2 layout; a
// version 0 RSDP's last 16 bytes are whatever follows it), or nil.
func RSDP() []byte {
	if haveRSDPCopy {
		return rsdpCopy[:]
	}
	pa := findRSDP()
	if pa == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(phys2virt(pa))), 36)
}

// Port I/O for drivers.

// In8 reads an I/O port.
func In8(port uint16) uint8 { return inb(port) }

// In16 reads an I/O port.
func In16(port uint16) uint16 { return inw(port) }

// In32 reads an I/O port.
func In32(port uint16) uint32 { return inl(port) }

// Out8 writes an I/O port.
func Out8(port uint16, v uint8) { outb(port, v) }

// Out16 writes an I/O port.
func Out16(port uint16, v uint16) { outw(port, v) }

// Out32 writes an I/O port.
func Out32(port uint16, v uint32) { outl(port, v) }
