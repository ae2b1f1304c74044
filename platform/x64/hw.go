package x64

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"aramid/kernel/hw"
	"aramid/platform/x64/nucleus"
)

// HW implements kernel/hw on the nucleus: port I/O instructions, MMIO
// mapped uncached in the nucleus's MMIO region, DMA memory from its
// contiguous free extents, interrupts as nucleus vector counters a
// goroutine waits on with a futex wait (the nucleus wakes the counter's
// waiters from the interrupt), IOAPIC routing for legacy lines with the
// ACPI MADT's interrupt source overrides, and MSI at CPU 0's local APIC.
type HW struct {
	mu     sync.Mutex
	legacy map[int]legacyLine // by IRQ line
	madt   []override
	parsed bool
}

var _ hw.Platform = (*HW)(nil)

type legacyLine struct {
	vector int
	gsi    uint32
}

// override is an ACPI MADT interrupt source override (entry type 2).
type override struct {
	source uint8
	gsi    uint32
	flags  uint16
}

// In8 implements hw.Ports.
func (*HW) In8(port uint16) uint8 { return nucleus.In8(port) }

// In16 implements hw.Ports.
func (*HW) In16(port uint16) uint16 { return nucleus.In16(port) }

// In32 implements hw.Ports.
func (*HW) In32(port uint16) uint32 { return nucleus.In32(port) }

// Out8 implements hw.Ports.
func (*HW) Out8(port uint16, v uint8) { nucleus.Out8(port, v) }

// Out16 implements hw.Ports.
func (*HW) Out16(port uint16, v uint16) { nucleus.Out16(port, v) }

// Out32 implements hw.Ports.
func (*HW) Out32(port uint16, v uint32) { nucleus.Out32(port, v) }

// MapMMIO implements hw.Platform.
func (*HW) MapMMIO(phys, size uint64) (hw.Region, error) {
	va := nucleus.MapMMIO(phys, size)
	if va == 0 {
		return nil, fmt.Errorf("%w: %#x+%#x", hw.ErrNoMap, phys, size)
	}
	return &region{base: va, size: size}, nil
}

// AllocDMA implements hw.Platform.
func (*HW) AllocDMA(size int) (hw.DMA, error) {
	if size <= 0 || size > 64<<20 {
		return nil, fmt.Errorf("%w: %d bytes", hw.ErrNoMemory, size)
	}
	pages := uint64(size+4095) / 4096
	pa := nucleus.AllocContig(pages)
	if pa == 0 {
		return nil, fmt.Errorf("%w: %d pages", hw.ErrNoMemory, pages)
	}
	va, ok := nucleus.DirectMap(pa)
	if !ok {
		nucleus.FreeContig(pa, pages)
		return nil, fmt.Errorf("%w: %#x outside the direct map", hw.ErrNoMemory, pa)
	}
	return &dma{phys: pa, base: va, size: int(pages * 4096)}, nil
}

// AllocMSI implements hw.Platform: the message goes to the local APIC of
// CPU 0 (APIC ID 0, where the IOAPIC sends everything too), fixed
// delivery, edge.
func (*HW) AllocMSI() (hw.MSI, error) {
	v := nucleus.AllocVector()
	if v < 0 {
		return nil, hw.ErrNoVector
	}
	return &msi{irq: newIRQ(v, -1)}, nil
}

// LegacyIRQ implements hw.Platform.
func (h *HW) LegacyIRQ(irq int) (hw.Interrupt, error) {
	if irq < 0 || irq > 255 {
		return nil, fmt.Errorf("%w: IRQ %d", hw.ErrNoRoute, irq)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if l, ok := h.legacy[irq]; ok {
		return newIRQ(l.vector, int(l.gsi)), nil
	}
	if !h.parsed {
		h.madt = parseOverrides(h.acpiTable("APIC"))
		h.parsed = true
	}
	gsi, level, low := uint32(irq), true, true // PCI: level, active low
	for _, o := range h.madt {
		if int(o.source) != irq {
			continue
		}
		gsi = o.gsi
		switch o.flags & 3 {
		case 1:
			low = false
		case 3:
			low = true
		}
		switch (o.flags >> 2) & 3 {
		case 1:
			level = false
		case 3:
			level = true
		}
	}
	if gsi == 4 || gsi == 2 || gsi >= nucleus.IOAPICPins() {
		// COM1's pin and the timer's are the nucleus's.
		return nil, fmt.Errorf("%w: IRQ %d (GSI %d)", hw.ErrNoRoute, irq, gsi)
	}
	v := nucleus.AllocVector()
	if v < 0 {
		return nil, hw.ErrNoVector
	}
	if !nucleus.RouteIOAPIC(gsi, v, level, low) {
		return nil, fmt.Errorf("%w: IRQ %d (GSI %d)", hw.ErrNoRoute, irq, gsi)
	}
	if h.legacy == nil {
		h.legacy = make(map[int]legacyLine)
	}
	h.legacy[irq] = legacyLine{v, gsi}
	i := newIRQ(v, int(gsi))
	if !level {
		i.gsi = -1
	}
	return i, nil
}

// parseOverrides returns the interrupt source overrides of a MADT.
func parseOverrides(madt []byte) []override {
	var out []override
	for p := 44; p+2 <= len(madt); {
		typ, n := madt[p], int(madt[p+1])
		if n < 2 || p+n > len(madt) {
			break
		}
		if typ == 2 && n >= 10 {
			out = append(out, override{
				source: madt[p+3],
				gsi:    binary.LittleEndian.Uint32(madt[p+4:]),
				flags:  binary.LittleEndian.Uint16(madt[p+8:]),
			})
		}
		p += n
	}
	return out
}

// ACPITable implements hw.Platform.
func (h *HW) ACPITable(sig string) []byte { return h.acpiTable(sig) }

func (h *HW) acpiTable(sig string) []byte {
	rsdp := nucleus.RSDP()
	if len(rsdp) < 20 {
		return nil
	}
	var root uint64
	entry := 4
	if rsdp[15] >= 2 && len(rsdp) >= 32 && binary.LittleEndian.Uint64(rsdp[24:]) != 0 {
		root, entry = binary.LittleEndian.Uint64(rsdp[24:]), 8
	} else {
		root = uint64(binary.LittleEndian.Uint32(rsdp[16:]))
	}
	rt := physTable(root)
	for off := 36; off+entry <= len(rt); off += entry {
		var pa uint64
		if entry == 8 {
			pa = binary.LittleEndian.Uint64(rt[off:])
		} else {
			pa = uint64(binary.LittleEndian.Uint32(rt[off:]))
		}
		if t := physTable(pa); len(t) >= 36 && string(t[:4]) == sig {
			return t
		}
	}
	return nil
}

// physTable returns the ACPI table at physical address pa (its header's
// length, at most 1 MiB), or nil.
func physTable(pa uint64) []byte {
	if pa == 0 {
		return nil
	}
	va, ok := nucleus.DirectMap(pa)
	if !ok {
		return nil
	}
	if _, ok := nucleus.DirectMap(pa + 36); !ok {
		return nil
	}
	n := uint64(*(*uint32)(unsafe.Pointer(va + 4)))
	if n < 36 || n > 1<<20 {
		return nil
	}
	if _, ok := nucleus.DirectMap(pa + n); !ok {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(va)), n)
}

// region is a mapped MMIO range.
type region struct {
	base uintptr
	size uint64
}

func (r *region) at(off, n uint64) unsafe.Pointer {
	if off+n > r.size || off+n < off || off&(n-1) != 0 {
		panic(fmt.Sprintf("hw: MMIO access of %d bytes at %#x outside a %#x-byte region", n, off, r.size))
	}
	return unsafe.Pointer(r.base + uintptr(off))
}

func (r *region) Size() uint64 { return r.size }

//go:noinline
func (r *region) Read8(off uint64) uint8 { return *(*uint8)(r.at(off, 1)) }

//go:noinline
func (r *region) Read16(off uint64) uint16 { return *(*uint16)(r.at(off, 2)) }

func (r *region) Read32(off uint64) uint32 { return atomic.LoadUint32((*uint32)(r.at(off, 4))) }

//go:noinline
func (r *region) Write8(off uint64, v uint8) { *(*uint8)(r.at(off, 1)) = v }

//go:noinline
func (r *region) Write16(off uint64, v uint16) { *(*uint16)(r.at(off, 2)) = v }

func (r *region) Write32(off uint64, v uint32) { atomic.StoreUint32((*uint32)(r.at(off, 4)), v) }

// dma is contiguous memory reached through the direct map.
type dma struct {
	phys  uint64
	base  uintptr
	size  int
	freed atomic.Bool
}

func (d *dma) at(off, n int) unsafe.Pointer {
	if off < 0 || off+n > d.size || off&(n-1) != 0 && n <= 8 {
		panic(fmt.Sprintf("hw: DMA access of %d bytes at %#x outside a %#x-byte buffer", n, off, d.size))
	}
	return unsafe.Pointer(d.base + uintptr(off))
}

func (d *dma) Phys() uint64 { return d.phys }
func (d *dma) Size() int    { return d.size }

//go:noinline
func (d *dma) Load16(off int) uint16 { return *(*uint16)(d.at(off, 2)) }

func (d *dma) Load32(off int) uint32 { return atomic.LoadUint32((*uint32)(d.at(off, 4))) }

//go:noinline
func (d *dma) Store16(off int, v uint16) { *(*uint16)(d.at(off, 2)) = v }

func (d *dma) Store32(off int, v uint32) { atomic.StoreUint32((*uint32)(d.at(off, 4)), v) }

func (d *dma) Store64(off int, v uint64) { atomic.StoreUint64((*uint64)(d.at(off, 8)), v) }

func (d *dma) bytes(off, n int) []byte {
	if off < 0 || n < 0 || off+n > d.size {
		panic(fmt.Sprintf("hw: DMA copy of %d bytes at %#x outside a %#x-byte buffer", n, off, d.size))
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(d.base+uintptr(off))), n)
}

func (d *dma) ReadAt(p []byte, off int)  { copy(p, d.bytes(off, len(p))) }
func (d *dma) WriteAt(p []byte, off int) { copy(d.bytes(off, len(p)), p) }

func (d *dma) Free() {
	if !d.freed.Swap(true) {
		nucleus.FreeContig(d.phys, uint64(d.size/4096))
	}
}

// irq waits on a nucleus vector counter.
type irq struct {
	vector  int
	gsi     int // level-triggered IOAPIC pin to unmask in Done, or -1
	counter *uint32
	seen    uint32
}

func newIRQ(vector, gsi int) *irq {
	c := nucleus.IRQCounter(vector)
	return &irq{vector: vector, gsi: gsi, counter: c, seen: atomic.LoadUint32(c)}
}

func (i *irq) Wait() {
	const futexWaitPrivate = 128
	for {
		c := atomic.LoadUint32(i.counter)
		if c != i.seen {
			i.seen = c
			return
		}
		// Let the goroutines the last interrupt made runnable (a reader
		// waiting for its request) run first: a goroutine blocked in a
		// system call keeps its P, and with one P they would otherwise
		// wait for sysmon to take it back (one or more 1 ms ticks, up to
		// 10 ms when sysmon has been idle) on every request.
		runtime.Gosched()
		if atomic.LoadUint32(i.counter) != c {
			continue
		}
		// The nucleus compares the word with c with interrupts off: an
		// interrupt since the load makes this return at once.
		syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(i.counter)), futexWaitPrivate, uintptr(c), 0, 0, 0)
	}
}

func (i *irq) Done() {
	if i.gsi >= 0 {
		nucleus.UnmaskIOAPIC(uint32(i.gsi))
	}
}

func (i *irq) Vector() int { return i.vector }

type msi struct{ *irq }

func (m *msi) Address() uint64 { return 0xfee00000 }
func (m *msi) Data() uint32    { return uint32(m.vector) }
