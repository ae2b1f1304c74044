package pci

import (
	"encoding/binary"
	"fmt"
	"sync"

	"aramid/kernel/hw"
)

// Config reaches the configuration space of every function. Offsets must be
// naturally aligned for the access size; functions that do not exist read
// as all ones.
type Config interface {
	Read8(a Address, off int) uint8
	Read16(a Address, off int) uint16
	Read32(a Address, off int) uint32
	Write16(a Address, off int, v uint16)
	Write32(a Address, off int, v uint32)
	// Size is the configuration space size the mechanism reaches: 256
	// bytes through the legacy ports, 4096 through ECAM.
	Size() int
}

// The legacy configuration mechanism #1: an address written to 0xCF8
// selects a dword that 0xCFC..0xCFF read and write.
const (
	portAddress = 0xcf8
	portData    = 0xcfc
)

type portConfig struct {
	mu sync.Mutex // the address/data pair is one resource
	p  hw.Ports
}

// NewPortConfig returns the legacy port mechanism (bus 0-255, 256 bytes).
func NewPortConfig(p hw.Ports) Config { return &portConfig{p: p} }

func (c *portConfig) sel(a Address, off int) {
	c.p.Out32(portAddress, 0x80000000|uint32(a.Bus)<<16|uint32(a.Device&31)<<11|uint32(a.Function&7)<<8|uint32(off&0xfc))
}

func (c *portConfig) Read8(a Address, off int) uint8 {
	if off < 0 || off >= 256 {
		return 0xff
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sel(a, off)
	return c.p.In8(portData + uint16(off&3))
}

func (c *portConfig) Read16(a Address, off int) uint16 {
	if off < 0 || off >= 256 || off&1 != 0 {
		return 0xffff
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sel(a, off)
	return c.p.In16(portData + uint16(off&2))
}

func (c *portConfig) Read32(a Address, off int) uint32 {
	if off < 0 || off >= 256 || off&3 != 0 {
		return 0xffffffff
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sel(a, off)
	return c.p.In32(portData)
}

func (c *portConfig) Write16(a Address, off int, v uint16) {
	if off < 0 || off >= 256 || off&1 != 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sel(a, off)
	c.p.Out16(portData+uint16(off&2), v)
}

func (c *portConfig) Write32(a Address, off int, v uint32) {
	if off < 0 || off >= 256 || off&3 != 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sel(a, off)
	c.p.Out32(portData, v)
}

func (c *portConfig) Size() int { return 256 }

// ecamConfig is PCI Express enhanced configuration access: each function's
// 4 KiB at base + bus<<20 | device<<15 | function<<12. Each bus's 1 MiB is
// mapped when first used.
type ecamConfig struct {
	plat       hw.Platform
	base       uint64
	start, end uint8

	mu    sync.Mutex
	buses map[uint8]hw.Region
}

// MCFG returns the ECAM window of PCI segment 0 from an ACPI MCFG table:
// its physical base (of bus 0) and bus range.
func MCFG(table []byte) (base uint64, start, end uint8, ok bool) {
	for p := 44; p+16 <= len(table); p += 16 {
		if binary.LittleEndian.Uint16(table[p+8:]) != 0 {
			continue
		}
		return binary.LittleEndian.Uint64(table[p:]), table[p+10], table[p+11], true
	}
	return 0, 0, 0, false
}

// NewECAMConfig returns ECAM access through the window at base (bus 0's
// address) for buses start..end.
func NewECAMConfig(plat hw.Platform, base uint64, start, end uint8) Config {
	return &ecamConfig{plat: plat, base: base, start: start, end: end, buses: map[uint8]hw.Region{}}
}

// region returns the function's 4 KiB, or nil outside the window.
func (c *ecamConfig) region(a Address) (hw.Region, uint64) {
	if a.Bus < c.start || a.Bus > c.end || a.Segment != 0 {
		return nil, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.buses[a.Bus]
	if !ok {
		var err error
		r, err = c.plat.MapMMIO(c.base+uint64(a.Bus)<<20, 1<<20)
		if err != nil {
			r = nil
		}
		c.buses[a.Bus] = r
	}
	return r, uint64(a.Device&31)<<15 | uint64(a.Function&7)<<12
}

func (c *ecamConfig) Read8(a Address, off int) uint8 {
	r, base := c.region(a)
	if r == nil || off < 0 || off >= 4096 {
		return 0xff
	}
	return r.Read8(base + uint64(off))
}

func (c *ecamConfig) Read16(a Address, off int) uint16 {
	r, base := c.region(a)
	if r == nil || off < 0 || off >= 4096 || off&1 != 0 {
		return 0xffff
	}
	return r.Read16(base + uint64(off))
}

func (c *ecamConfig) Read32(a Address, off int) uint32 {
	r, base := c.region(a)
	if r == nil || off < 0 || off >= 4096 || off&3 != 0 {
		return 0xffffffff
	}
	return r.Read32(base + uint64(off))
}

func (c *ecamConfig) Write16(a Address, off int, v uint16) {
	r, base := c.region(a)
	if r != nil && off >= 0 && off < 4096 && off&1 == 0 {
		r.Write16(base+uint64(off), v)
	}
}

func (c *ecamConfig) Write32(a Address, off int, v uint32) {
	r, base := c.region(a)
	if r != nil && off >= 0 && off < 4096 && off&3 == 0 {
		r.Write32(base+uint64(off), v)
	}
}

func (c *ecamConfig) Size() int { return 4096 }

// Address names a function: segment, bus, device (slot), function.
type Address struct {
	Segment  uint16
	Bus      uint8
	Device   uint8
	Function uint8
}

// String is Linux's name: "0000:00:04.0".
func (a Address) String() string {
	return fmt.Sprintf("%04x:%02x:%02x.%x", a.Segment, a.Bus, a.Device, a.Function)
}
