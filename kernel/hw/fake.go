package hw

import (
	"encoding/binary"
	"fmt"
	"sync"
)

// Fake is a Platform in memory, for host tests: simulated devices register
// port and MMIO handlers, DMA memory lives in Go slices at made-up physical
// addresses the devices read and write through Fake, and a device raises an
// interrupt with Raise (by vector) or RaiseLine (by legacy line).
type Fake struct {
	mu       sync.Mutex
	cond     *sync.Cond
	ports    []portRange
	mmio     []mmioRange
	dma      []*fakeDMA
	nextPhys uint64
	nextVec  int
	counts   map[int]uint64 // interrupts raised, by vector
	lines    map[int]int    // legacy line -> vector
	masked   map[int]bool   // level lines masked until Done
	pending  map[int]bool   // asserted while masked: delivered at Done
	// Tables are returned by ACPITable.
	Tables map[string][]byte
}

var _ Platform = (*Fake)(nil)

// PortHandler simulates I/O ports; size is 1, 2 or 4 bytes.
type PortHandler interface {
	PortIn(port uint16, size int) uint32
	PortOut(port uint16, size int, v uint32)
}

// MMIOHandler simulates a memory-mapped range; off is from its start.
type MMIOHandler interface {
	MMIORead(off uint64, size int) uint64
	MMIOWrite(off uint64, size int, v uint64)
}

type portRange struct {
	base, n uint16
	h       PortHandler
}

type mmioRange struct {
	base, size uint64
	h          MMIOHandler
}

// NewFake returns an empty machine.
func NewFake() *Fake {
	f := &Fake{nextPhys: 0x1_0000_0000, nextVec: 0x30, counts: map[int]uint64{},
		lines: map[int]int{}, masked: map[int]bool{}, pending: map[int]bool{}, Tables: map[string][]byte{}}
	f.cond = sync.NewCond(&f.mu)
	return f
}

// HandlePorts sends accesses to ports [base, base+n) to h.
func (f *Fake) HandlePorts(base, n uint16, h PortHandler) {
	f.mu.Lock()
	f.ports = append(f.ports, portRange{base, n, h})
	f.mu.Unlock()
}

// HandleMMIO sends accesses to physical range [base, base+size) to h.
func (f *Fake) HandleMMIO(base, size uint64, h MMIOHandler) {
	f.mu.Lock()
	f.mmio = append(f.mmio, mmioRange{base, size, h})
	f.mu.Unlock()
}

func (f *Fake) port(p uint16) (PortHandler, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.ports {
		if p >= r.base && p-r.base < r.n {
			return r.h, true
		}
	}
	return nil, false
}

func (f *Fake) in(p uint16, size int) uint32 {
	if h, ok := f.port(p); ok {
		return h.PortIn(p, size)
	}
	return 1<<(8*size) - 1 // nothing there: the bus floats high
}

func (f *Fake) out(p uint16, size int, v uint32) {
	if h, ok := f.port(p); ok {
		h.PortOut(p, size, v)
	}
}

// In8 implements Ports.
func (f *Fake) In8(p uint16) uint8 { return uint8(f.in(p, 1)) }

// In16 implements Ports.
func (f *Fake) In16(p uint16) uint16 { return uint16(f.in(p, 2)) }

// In32 implements Ports.
func (f *Fake) In32(p uint16) uint32 { return f.in(p, 4) }

// Out8 implements Ports.
func (f *Fake) Out8(p uint16, v uint8) { f.out(p, 1, uint32(v)) }

// Out16 implements Ports.
func (f *Fake) Out16(p uint16, v uint16) { f.out(p, 2, uint32(v)) }

// Out32 implements Ports.
func (f *Fake) Out32(p uint16, v uint32) { f.out(p, 4, v) }

// MapMMIO implements Platform: the range must lie inside one handler's.
func (f *Fake) MapMMIO(phys, size uint64) (Region, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.mmio {
		if phys >= r.base && phys+size <= r.base+r.size && phys+size >= phys {
			return &fakeRegion{h: r.h, off: phys - r.base, size: size}, nil
		}
	}
	return nil, fmt.Errorf("%w: %#x+%#x (no device there)", ErrNoMap, phys, size)
}

type fakeRegion struct {
	h         MMIOHandler
	off, size uint64
}

func (r *fakeRegion) check(off uint64, n int) {
	if off+uint64(n) > r.size || off&uint64(n-1) != 0 {
		panic(fmt.Sprintf("hw: MMIO access of %d bytes at %#x outside a %#x-byte region", n, off, r.size))
	}
}

func (r *fakeRegion) read(off uint64, n int) uint64 {
	r.check(off, n)
	return r.h.MMIORead(r.off+off, n)
}

func (r *fakeRegion) write(off uint64, n int, v uint64) {
	r.check(off, n)
	r.h.MMIOWrite(r.off+off, n, v)
}

func (r *fakeRegion) Size() uint64                 { return r.size }
func (r *fakeRegion) Read8(off uint64) uint8       { return uint8(r.read(off, 1)) }
func (r *fakeRegion) Read16(off uint64) uint16     { return uint16(r.read(off, 2)) }
func (r *fakeRegion) Read32(off uint64) uint32     { return uint32(r.read(off, 4)) }
func (r *fakeRegion) Write8(off uint64, v uint8)   { r.write(off, 1, uint64(v)) }
func (r *fakeRegion) Write16(off uint64, v uint16) { r.write(off, 2, uint64(v)) }
func (r *fakeRegion) Write32(off uint64, v uint32) { r.write(off, 4, uint64(v)) }

// AllocDMA implements Platform.
func (f *Fake) AllocDMA(size int) (DMA, error) {
	if size <= 0 || size > 64<<20 {
		return nil, fmt.Errorf("%w: %d bytes", ErrNoMemory, size)
	}
	n := (size + 4095) &^ 4095
	f.mu.Lock()
	d := &fakeDMA{f: f, phys: f.nextPhys, mem: make([]byte, n)}
	f.nextPhys += uint64(n) + 4096 // a gap: overruns hit nothing
	f.dma = append(f.dma, d)
	f.mu.Unlock()
	return d, nil
}

// fakeDMA is guarded by its Fake's mutex, so a simulated device in another
// goroutine sees its accesses ordered.
type fakeDMA struct {
	f     *Fake
	phys  uint64
	mem   []byte
	freed bool
}

func (d *fakeDMA) Phys() uint64 { return d.phys }
func (d *fakeDMA) Size() int    { return len(d.mem) }

func (d *fakeDMA) span(off, n int) []byte {
	if off < 0 || n < 0 || off+n > len(d.mem) {
		panic(fmt.Sprintf("hw: DMA access of %d bytes at %#x outside a %#x-byte buffer", n, off, len(d.mem)))
	}
	return d.mem[off : off+n]
}

func (d *fakeDMA) Load16(off int) uint16 {
	d.f.mu.Lock()
	defer d.f.mu.Unlock()
	return binary.LittleEndian.Uint16(d.span(off, 2))
}

func (d *fakeDMA) Load32(off int) uint32 {
	d.f.mu.Lock()
	defer d.f.mu.Unlock()
	return binary.LittleEndian.Uint32(d.span(off, 4))
}

func (d *fakeDMA) Store16(off int, v uint16) {
	d.f.mu.Lock()
	defer d.f.mu.Unlock()
	binary.LittleEndian.PutUint16(d.span(off, 2), v)
}

func (d *fakeDMA) Store32(off int, v uint32) {
	d.f.mu.Lock()
	defer d.f.mu.Unlock()
	binary.LittleEndian.PutUint32(d.span(off, 4), v)
}

func (d *fakeDMA) Store64(off int, v uint64) {
	d.f.mu.Lock()
	defer d.f.mu.Unlock()
	binary.LittleEndian.PutUint64(d.span(off, 8), v)
}

func (d *fakeDMA) ReadAt(p []byte, off int) {
	d.f.mu.Lock()
	defer d.f.mu.Unlock()
	copy(p, d.span(off, len(p)))
}

func (d *fakeDMA) WriteAt(p []byte, off int) {
	d.f.mu.Lock()
	defer d.f.mu.Unlock()
	copy(d.span(off, len(p)), p)
}

func (d *fakeDMA) Free() {
	d.f.mu.Lock()
	defer d.f.mu.Unlock()
	d.freed = true
}

// physSpan finds n bytes of live DMA memory at phys (f.mu held).
func (f *Fake) physSpan(phys uint64, n int) ([]byte, error) {
	for _, d := range f.dma {
		if !d.freed && phys >= d.phys && phys+uint64(n) <= d.phys+uint64(len(d.mem)) {
			o := int(phys - d.phys)
			return d.mem[o : o+n], nil
		}
	}
	return nil, fmt.Errorf("hw: fake DMA to %#x+%d: not allocated memory", phys, n)
}

// ReadPhys copies DMA memory at physical address phys into p, as a device
// reads it; an address outside allocated DMA memory is an error.
func (f *Fake) ReadPhys(phys uint64, p []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.physSpan(phys, len(p))
	if err == nil {
		copy(p, s)
	}
	return err
}

// WritePhys copies p into DMA memory at physical address phys, as a device
// writes it.
func (f *Fake) WritePhys(phys uint64, p []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.physSpan(phys, len(p))
	if err == nil {
		copy(s, p)
	}
	return err
}

// AllocMSI implements Platform.
func (f *Fake) AllocMSI() (MSI, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.nextVec > 0xef {
		return nil, ErrNoVector
	}
	v := f.nextVec
	f.nextVec++
	return &fakeMSI{fakeIRQ{f: f, vector: v, line: -1}}, nil
}

// LegacyIRQ implements Platform.
func (f *Fake) LegacyIRQ(irq int) (Interrupt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if irq < 0 || irq > 255 {
		return nil, ErrNoRoute
	}
	v, ok := f.lines[irq]
	if !ok {
		if f.nextVec > 0xef {
			return nil, ErrNoVector
		}
		v = f.nextVec
		f.nextVec++
		f.lines[irq] = v
	}
	return &fakeIRQ{f: f, vector: v, line: irq, seen: f.counts[v]}, nil
}

// Raise delivers an interrupt at vector (an MSI write of that data).
func (f *Fake) Raise(vector int) {
	f.mu.Lock()
	f.counts[vector]++
	f.mu.Unlock()
	f.cond.Broadcast()
}

// RaiseLine asserts legacy line irq: it is delivered and the line masked
// until a driver calls Done, as the nucleus does with a level-triggered
// IOAPIC pin; raised while masked, it is delivered at Done (the line is
// still asserted then).
func (f *Fake) RaiseLine(irq int) {
	f.mu.Lock()
	v, ok := f.lines[irq]
	if !ok {
		f.mu.Unlock()
		return
	}
	if f.masked[irq] {
		f.pending[irq] = true
		f.mu.Unlock()
		return
	}
	f.masked[irq] = true
	f.counts[v]++
	f.mu.Unlock()
	f.cond.Broadcast()
}

// Interrupts returns how many interrupts vector has taken.
func (f *Fake) Interrupts(vector int) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[vector]
}

// ACPITable implements Platform.
func (f *Fake) ACPITable(sig string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.Tables[sig]
}

type fakeIRQ struct {
	f      *Fake
	vector int
	line   int
	seen   uint64
}

func (i *fakeIRQ) Wait() {
	i.f.mu.Lock()
	defer i.f.mu.Unlock()
	for i.f.counts[i.vector] == i.seen {
		i.f.cond.Wait()
	}
	i.seen = i.f.counts[i.vector]
}

func (i *fakeIRQ) Done() {
	if i.line < 0 {
		return
	}
	i.f.mu.Lock()
	i.f.masked[i.line] = false
	if i.f.pending[i.line] {
		i.f.pending[i.line] = false
		i.f.masked[i.line] = true
		i.f.counts[i.vector]++
		i.f.cond.Broadcast()
	}
	i.f.mu.Unlock()
}

func (i *fakeIRQ) Vector() int { return i.vector }

type fakeMSI struct{ fakeIRQ }

func (m *fakeMSI) Address() uint64 { return 0xfee00000 }
func (m *fakeMSI) Data() uint32    { return uint32(m.vector) }
