// Package pcitest simulates PCI configuration space for host tests: a Bus
// answers the legacy ports 0xCF8/0xCFC and an ECAM window on an hw.Fake,
// with functions whose BARs size the way hardware's do.
package pcitest

import (
	"encoding/binary"
	"sync"

	"aramid/kernel/drivers/pci"
	"aramid/kernel/hw"
)

// Function is one simulated function's configuration space.
type Function struct {
	mu     sync.Mutex
	config [4096]byte
	// mask holds, per dword, the bits software may write (the rest are
	// read-only); BARs' masks encode their size.
	mask    [1024]uint32
	nextCap int
	lastCap int
}

// NewFunction returns a type-0 function with the identity given. The
// command register, BARs, the interrupt line and capabilities are
// writable as on hardware.
func NewFunction(vendor, device uint16, class uint32, rev uint8) *Function {
	f := &Function{nextCap: 0x40}
	binary.LittleEndian.PutUint16(f.config[0:], vendor)
	binary.LittleEndian.PutUint16(f.config[2:], device)
	binary.LittleEndian.PutUint32(f.config[8:], class<<8|uint32(rev))
	f.mask[1] = 0x0000ffff      // command; status is RW1C, left alone
	f.mask[0x3c/4] = 0x000000ff // interrupt line
	return f
}

// SetHeaderType sets the header type byte (0x80: multi-function, 1: bridge).
func (f *Function) SetHeaderType(t uint8) { f.config[0x0e] = t }

// Set8 sets a configuration byte (read-only to software).
func (f *Function) Set8(off int, v uint8) { f.config[off] = v }

// Set16 sets a configuration word.
func (f *Function) Set16(off int, v uint16) { binary.LittleEndian.PutUint16(f.config[off:], v) }

// Set32 sets a configuration dword.
func (f *Function) Set32(off int, v uint32) { binary.LittleEndian.PutUint32(f.config[off:], v) }

// Get32 reads a configuration dword.
func (f *Function) Get32(off int) uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return binary.LittleEndian.Uint32(f.config[off:])
}

// Get16 reads a configuration word.
func (f *Function) Get16(off int) uint16 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return binary.LittleEndian.Uint16(f.config[off:])
}

// SetBAR makes BAR i a memory BAR (64-bit takes i and i+1) or an I/O BAR
// of size bytes (a power of two) at addr.
func (f *Function) SetBAR(i int, addr, size uint64, io, is64, prefetch bool) {
	reg := 0x10 + 4*i
	low := uint32(0)
	switch {
	case io:
		low = 1
	case is64:
		low = 4
	}
	if prefetch {
		low |= 8
	}
	m := ^(size - 1)
	f.Set32(reg, uint32(addr)|low)
	if io {
		f.mask[reg/4] = uint32(m) &^ 3
	} else {
		f.mask[reg/4] = uint32(m) &^ 0xf
	}
	if is64 {
		f.Set32(reg+4, uint32(addr>>32))
		f.mask[reg/4+1] = uint32(m >> 32)
	}
}

// SetROM gives the function an expansion ROM of size bytes at addr.
func (f *Function) SetROM(addr, size uint64) {
	f.Set32(0x30, uint32(addr))
	f.mask[0x30/4] = uint32(^(size-1))&^0x7fe | 1
}

// AddCap appends a capability with id and body (the bytes after the ID
// and next pointer) and returns its offset.
func (f *Function) AddCap(id uint8, body []byte) int {
	off := f.nextCap
	f.config[off] = id
	copy(f.config[off+2:], body)
	if f.lastCap == 0 {
		f.config[0x34] = uint8(off)
	} else {
		f.config[f.lastCap+1] = uint8(off)
	}
	f.config[6] |= 0x10 // capability list
	f.lastCap = off
	f.nextCap = (off + 2 + len(body) + 3) &^ 3
	// Capabilities' registers are writable (MSI-X control and the like).
	for o := off; o < f.nextCap; o += 4 {
		f.mask[o/4] = 0xffffffff
	}
	if off&3 == 0 {
		f.mask[off/4] &^= 0xffff // ID and next are read-only
	}
	return off
}

func (f *Function) read(off, size int) uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch size {
	case 1:
		return uint32(f.config[off])
	case 2:
		return uint32(binary.LittleEndian.Uint16(f.config[off:]))
	}
	return binary.LittleEndian.Uint32(f.config[off:])
}

func (f *Function) write(off, size int, v uint32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	dw := off &^ 3
	shift := uint(off&3) * 8
	bits := uint32(0xffffffff)
	if size < 4 {
		bits = (1<<(8*uint(size)) - 1) << shift
	}
	m := f.mask[dw/4] & bits
	cur := binary.LittleEndian.Uint32(f.config[dw:])
	binary.LittleEndian.PutUint32(f.config[dw:], cur&^m|(v<<shift)&m)
}

// Bus is a simulated PCI segment.
type Bus struct {
	mu   sync.Mutex
	addr uint32
	fns  map[pci.Address]*Function
}

// NewBus returns an empty bus reachable through the legacy ports of fake.
func NewBus(fake *hw.Fake) *Bus {
	b := &Bus{fns: map[pci.Address]*Function{}}
	fake.HandlePorts(0xcf8, 8, b)
	return b
}

// AttachECAM also answers an ECAM window at base (buses 0..nbuses-1).
func (b *Bus) AttachECAM(fake *hw.Fake, base uint64, nbuses int) {
	fake.HandleMMIO(base, uint64(nbuses)<<20, ecam{b})
}

// Add puts f at a.
func (b *Bus) Add(a pci.Address, f *Function) {
	b.mu.Lock()
	b.fns[a] = f
	b.mu.Unlock()
}

func (b *Bus) fn(a pci.Address) *Function {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fns[a]
}

// PortIn implements hw.PortHandler.
func (b *Bus) PortIn(port uint16, size int) uint32 {
	b.mu.Lock()
	addr := b.addr
	b.mu.Unlock()
	if port < 0xcfc {
		return addr
	}
	a, off, ok := decode(addr)
	f := b.fn(a)
	if !ok || f == nil {
		return 1<<(8*uint(size)) - 1
	}
	return f.read(off+int(port-0xcfc), size)
}

// PortOut implements hw.PortHandler.
func (b *Bus) PortOut(port uint16, size int, v uint32) {
	if port < 0xcfc {
		if port == 0xcf8 && size == 4 {
			b.mu.Lock()
			b.addr = v
			b.mu.Unlock()
		}
		return
	}
	b.mu.Lock()
	addr := b.addr
	b.mu.Unlock()
	a, off, ok := decode(addr)
	if f := b.fn(a); ok && f != nil {
		f.write(off+int(port-0xcfc), size, v)
	}
}

func decode(addr uint32) (pci.Address, int, bool) {
	return pci.Address{Bus: uint8(addr >> 16), Device: uint8(addr>>11) & 31, Function: uint8(addr>>8) & 7},
		int(addr & 0xfc), addr&0x80000000 != 0
}

type ecam struct{ b *Bus }

func (e ecam) MMIORead(off uint64, size int) uint64 {
	a := pci.Address{Bus: uint8(off >> 20), Device: uint8(off>>15) & 31, Function: uint8(off>>12) & 7}
	f := e.b.fn(a)
	if f == nil {
		return 1<<(8*uint(size)) - 1
	}
	return uint64(f.read(int(off&0xfff), size))
}

func (e ecam) MMIOWrite(off uint64, size int, v uint64) {
	a := pci.Address{Bus: uint8(off >> 20), Device: uint8(off>>15) & 31, Function: uint8(off>>12) & 7}
	if f := e.b.fn(a); f != nil {
		f.write(int(off&0xfff), size, uint32(v))
	}
}

// MCFG returns an ACPI MCFG table describing one ECAM window.
func MCFG(base uint64, start, end uint8) []byte {
	t := make([]byte, 60)
	copy(t, "MCFG")
	binary.LittleEndian.PutUint32(t[4:], 60)
	binary.LittleEndian.PutUint64(t[44:], base)
	t[54], t[55] = start, end
	return t
}

// FunctionAt returns the function at a, or nil.
func (b *Bus) FunctionAt(a pci.Address) *Function { return b.fn(a) }
