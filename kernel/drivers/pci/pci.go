// Package pci finds the machine's PCI functions: configuration space
// through the legacy ports 0xCF8/0xCFC or, when ACPI's MCFG describes one,
// ECAM; every bus reachable from bus 0 through PCI-to-PCI bridges; each
// function's identity, BARs (sized, 32/64-bit, I/O and memory, and the
// expansion ROM) and capability list; and MSI-X tables for drivers.
//
// The scan changes nothing but what sizing a BAR needs (decoding is turned
// off for the moment the BAR holds all ones, then everything is put back):
// addresses and interrupt lines are the firmware's (SeaBIOS, OVMF).
//
// # Lock order
//
// Config implementations hold their own mutex around one access and call
// nothing that locks; Device holds no lock.
package pci

import (
	"errors"
	"fmt"

	"aramid/kernel/hw"
)

// Configuration space registers.
const (
	RegVendor      = 0x00
	RegDevice      = 0x02
	RegCommand     = 0x04
	RegStatus      = 0x06
	RegRevision    = 0x08
	RegHeaderType  = 0x0e
	RegBAR0        = 0x10
	RegSubVendor   = 0x2c
	RegSubDevice   = 0x2e
	RegROM         = 0x30
	RegCapPtr      = 0x34
	RegIntLine     = 0x3c
	RegIntPin      = 0x3d
	RegSecondary   = 0x19 // bridges: secondary bus number
	RegBridgeROM   = 0x38
	CmdIO          = 1 << 0
	CmdMemory      = 1 << 1
	CmdBusMaster   = 1 << 2
	CmdIntxDisable = 1 << 10
	StatusCapList  = 1 << 4

	CapMSI    = 0x05
	CapVendor = 0x09
	CapPCIe   = 0x10
	CapMSIX   = 0x11
)

// BAR is one decoded base address register.
type BAR struct {
	Reg      int    // configuration offset (0x10..0x24, 0x30 for the ROM)
	Addr     uint64 // bus address the firmware assigned
	Size     uint64 // 0: not implemented
	IO       bool
	Is64     bool
	Prefetch bool
	// Flags are the register's low bits (type and prefetchable), as
	// Linux keeps them in its resource flags.
	Flags uint32
}

// Capability is one entry of the capability list.
type Capability struct {
	ID  uint8
	Off int
}

// Device is one PCI function.
type Device struct {
	Addr       Address
	Vendor     uint16
	DeviceID   uint16
	Class      uint32 // class, subclass, programming interface
	Revision   uint8
	HeaderType uint8 // without the multi-function bit
	SubVendor  uint16
	SubDevice  uint16
	IRQLine    uint8 // what the firmware programmed (0xff: none)
	IRQPin     uint8 // 1-4 = INTA-INTD, 0 = none
	BARs       [6]BAR
	ROM        BAR
	Caps       []Capability
	// Parent is the bridge whose secondary bus holds this function (nil
	// on bus 0).
	Parent *Device
	// BootVGA is the first VGA controller decoding I/O and memory: the
	// one the firmware drives, whose ROM Linux shows as the legacy shadow
	// at 0xc0000 (arch/x86/pci/fixup.c, pci_fixup_video).
	BootVGA bool

	cfg Config
}

// Bus is the result of a scan.
type Bus struct {
	Config  Config
	ECAM    bool
	Devices []*Device // in scan order: bus, device, function

	bootVGA bool // a boot VGA device was found
}

// Logf is how the scan reports, Linux-style, one line per finding.
type Logf func(format string, args ...any)

// Scan enumerates every function reachable from bus 0. ECAM is used when
// plat has an MCFG table, the legacy ports otherwise.
func Scan(plat hw.Platform, logf Logf) *Bus {
	b := &Bus{}
	if base, start, end, ok := MCFG(plat.ACPITable("MCFG")); ok && start == 0 {
		b.Config, b.ECAM = NewECAMConfig(plat, base, start, end), true
		logf("PCI: MMCONFIG for domain 0000 [bus %02x-%02x] at [mem 0x%08x-0x%08x] (base %#x)",
			start, end, base+uint64(start)<<20, base+(uint64(end)+1)<<20-1, base)
	} else {
		b.Config = NewPortConfig(plat)
		logf("PCI: Using configuration type 1 for base access")
	}
	seen := map[uint8]bool{}
	b.scanBus(0, nil, seen, logf)
	return b
}

func (b *Bus) scanBus(bus uint8, parent *Device, seen map[uint8]bool, logf Logf) {
	if seen[bus] {
		return
	}
	seen[bus] = true
	for dev := uint8(0); dev < 32; dev++ {
		for fn := uint8(0); fn < 8; fn++ {
			a := Address{Bus: bus, Device: dev, Function: fn}
			if b.Config.Read16(a, RegVendor) == 0xffff {
				if fn == 0 {
					break
				}
				continue
			}
			d := probe(b.Config, a, parent)
			if !b.bootVGA && d.Class>>8 == 0x0300 && d.Read16(RegCommand)&(CmdIO|CmdMemory) == CmdIO|CmdMemory {
				d.BootVGA, b.bootVGA = true, true
			}
			b.Devices = append(b.Devices, d)
			d.log(logf)
			if d.HeaderType == 1 {
				if sec := b.Config.Read8(a, RegSecondary); sec != 0 {
					b.scanBus(sec, d, seen, logf)
				}
			}
			if fn == 0 && b.Config.Read8(a, RegHeaderType)&0x80 == 0 {
				break
			}
		}
	}
}

// probe reads a function's identity, BARs and capabilities.
func probe(cfg Config, a Address, parent *Device) *Device {
	d := &Device{Addr: a, cfg: cfg, Parent: parent}
	d.Vendor = cfg.Read16(a, RegVendor)
	d.DeviceID = cfg.Read16(a, RegDevice)
	rc := cfg.Read32(a, RegRevision)
	d.Revision, d.Class = uint8(rc), rc>>8
	d.HeaderType = cfg.Read8(a, RegHeaderType) & 0x7f
	d.IRQLine = cfg.Read8(a, RegIntLine)
	d.IRQPin = cfg.Read8(a, RegIntPin)
	nbars, romReg := 0, -1
	switch d.HeaderType {
	case 0:
		d.SubVendor = cfg.Read16(a, RegSubVendor)
		d.SubDevice = cfg.Read16(a, RegSubDevice)
		nbars, romReg = 6, RegROM
	case 1:
		nbars, romReg = 2, RegBridgeROM
	}
	// Decoding is off while BARs hold all ones, once for the whole
	// function: each change of what a function decodes is a change of
	// the machine's address map (under QEMU's TCG, a flush of its
	// translated code).
	cmd := cfg.Read16(a, RegCommand)
	if cmd&(CmdIO|CmdMemory) != 0 {
		cfg.Write16(a, RegCommand, cmd&^(CmdIO|CmdMemory))
	}
	for i := 0; i < nbars; i++ {
		d.BARs[i] = d.sizeBAR(RegBAR0 + 4*i)
		if d.BARs[i].Is64 && i+1 < nbars {
			i++ // the upper half
		}
	}
	if romReg >= 0 {
		d.ROM = d.sizeROM(romReg)
	}
	if cmd&(CmdIO|CmdMemory) != 0 {
		cfg.Write16(a, RegCommand, cmd)
	}
	if cfg.Read16(a, RegStatus)&StatusCapList != 0 {
		off := int(cfg.Read8(a, RegCapPtr)) &^ 3
		for n := 0; off >= 0x40 && off < 256 && n < 48; n++ {
			d.Caps = append(d.Caps, Capability{ID: cfg.Read8(a, off), Off: off})
			off = int(cfg.Read8(a, off+1)) &^ 3
		}
	}
	return d
}

// sizeBAR decodes and sizes the BAR at reg (decoding is off).
func (d *Device) sizeBAR(reg int) BAR {
	cfg, a := d.cfg, d.Addr
	orig := cfg.Read32(a, reg)
	bar := BAR{Reg: reg}
	if orig&1 != 0 {
		bar.IO, bar.Flags = true, orig&3
		cfg.Write32(a, reg, 0xffffffff)
		m := cfg.Read32(a, reg) &^ 3
		cfg.Write32(a, reg, orig)
		m &= 0xffff
		if m != 0 {
			bar.Size = uint64(^m&0xffff) + 1
			bar.Addr = uint64(orig &^ 3)
		}
		return bar
	}
	bar.Flags = orig & 0xf
	bar.Prefetch = orig&8 != 0
	bar.Is64 = (orig>>1)&3 == 2
	cfg.Write32(a, reg, 0xffffffff)
	lo := cfg.Read32(a, reg) &^ 0xf
	cfg.Write32(a, reg, orig)
	mask := uint64(lo) | 0xffffffff00000000
	addr := uint64(orig &^ 0xf)
	if bar.Is64 {
		origHi := cfg.Read32(a, reg+4)
		cfg.Write32(a, reg+4, 0xffffffff)
		hi := cfg.Read32(a, reg+4)
		cfg.Write32(a, reg+4, origHi)
		mask = uint64(hi)<<32 | uint64(lo)
		addr |= uint64(origHi) << 32
	}
	if lo == 0 && (!bar.Is64 || mask == 0) {
		return bar
	}
	bar.Size = ^mask + 1
	bar.Addr = addr
	return bar
}

// sizeROM sizes the expansion ROM BAR at reg (bit 0 is its enable;
// decoding is off).
func (d *Device) sizeROM(reg int) BAR {
	cfg, a := d.cfg, d.Addr
	orig := cfg.Read32(a, reg)
	cfg.Write32(a, reg, 0xfffff800)
	m := cfg.Read32(a, reg) &^ 0x7ff
	cfg.Write32(a, reg, orig)
	bar := BAR{Reg: reg, Flags: orig & 1}
	if m != 0 {
		bar.Size = uint64(^m) + 1
		bar.Addr = uint64(orig &^ 0x7ff)
	}
	return bar
}

// log prints the function Linux's way (drivers/pci/probe.c and quirks.c
// of the reference kernel: "BAR n [io  0x...]", "ROM [mem ... pref]").
func (d *Device) log(logf Logf) {
	logf("pci %s: [%04x:%04x] type %02x class 0x%06x", d.Addr, d.Vendor, d.DeviceID, d.HeaderType, d.Class)
	for i, b := range d.BARs {
		if b.Size == 0 {
			continue
		}
		extra := ""
		if b.Is64 {
			extra += " 64bit"
		}
		if b.Prefetch {
			extra += " pref"
		}
		logf("pci %s: BAR %d %s", d.Addr, i, resource(b.IO, b.Addr, b.Addr+b.Size-1, extra))
	}
	if r := d.ROM; r.Size != 0 {
		logf("pci %s: ROM %s", d.Addr, resource(false, r.Addr, r.Addr+r.Size-1, " pref"))
	}
	if d.BootVGA {
		logf("pci %s: Video device with shadowed ROM at [mem 0x000c0000-0x000dffff]", d.Addr)
	}
	if d.Class>>8 == 0x0101 {
		res := d.Resources()
		for i := 0; i < 4; i++ {
			if res[i][2]&resFixed != 0 {
				logf("pci %s: BAR %d %s: legacy IDE quirk", d.Addr, i, resource(true, res[i][0], res[i][1], ""))
			}
		}
	}
}

// resource formats a range as Linux's %pR does.
func resource(io bool, start, end uint64, extra string) string {
	kind, width := "mem", 8
	if io {
		kind, width = "io ", 4
	}
	if start == end {
		return fmt.Sprintf("[%s 0x%0*x%s]", kind, width, start, extra)
	}
	return fmt.Sprintf("[%s 0x%0*x-0x%0*x%s]", kind, width, start, width, end, extra)
}

// Config returns the function's configuration space mechanism.
func (d *Device) Config() Config { return d.cfg }

// Read8 reads the function's configuration space.
func (d *Device) Read8(off int) uint8 { return d.cfg.Read8(d.Addr, off) }

// Read16 reads the function's configuration space.
func (d *Device) Read16(off int) uint16 { return d.cfg.Read16(d.Addr, off) }

// Read32 reads the function's configuration space.
func (d *Device) Read32(off int) uint32 { return d.cfg.Read32(d.Addr, off) }

// Write16 writes the function's configuration space.
func (d *Device) Write16(off int, v uint16) { d.cfg.Write16(d.Addr, off, v) }

// Write32 writes the function's configuration space.
func (d *Device) Write32(off int, v uint32) { d.cfg.Write32(d.Addr, off, v) }

// ConfigBytes returns a copy of the configuration space as Linux's sysfs
// config file shows it to root: 256 bytes, or 4096 for a PCI Express
// function reached through ECAM.
func (d *Device) ConfigBytes() []byte {
	n := 256
	if d.cfg.Size() == 4096 && d.Cap(CapPCIe) >= 0 {
		n = 4096
	}
	out := make([]byte, n)
	for off := 0; off < n; off += 4 {
		v := d.Read32(off)
		out[off], out[off+1], out[off+2], out[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	return out
}

// Cap returns the offset of the first capability with id, or -1.
func (d *Device) Cap(id uint8) int {
	for _, c := range d.Caps {
		if c.ID == id {
			return c.Off
		}
	}
	return -1
}

// Enable turns on I/O and memory decoding and bus mastering (DMA).
func (d *Device) Enable() {
	cmd := d.Read16(RegCommand)
	d.Write16(RegCommand, cmd|CmdIO|CmdMemory|CmdBusMaster)
}

// SetINTxDisabled masks or unmasks the function's INTx line.
func (d *Device) SetINTxDisabled(off bool) {
	cmd := d.Read16(RegCommand)
	if off {
		cmd |= CmdIntxDisable
	} else {
		cmd &^= CmdIntxDisable
	}
	d.Write16(RegCommand, cmd)
}

// Errors of the device helpers.
var (
	ErrNoBAR  = errors.New("pci: BAR not implemented")
	ErrNoMSIX = errors.New("pci: no MSI-X capability")
)

// MapBAR maps memory BAR i (or a window of it: off, size) for MMIO.
func (d *Device) MapBAR(plat hw.Platform, i int, off, size uint64) (hw.Region, error) {
	if i < 0 || i >= len(d.BARs) || d.BARs[i].Size == 0 || d.BARs[i].IO {
		return nil, fmt.Errorf("%w: %s BAR%d", ErrNoBAR, d.Addr, i)
	}
	b := d.BARs[i]
	if off >= b.Size || size > b.Size-off || size == 0 {
		return nil, fmt.Errorf("%w: %s BAR%d window %#x+%#x beyond %#x", ErrNoBAR, d.Addr, i, off, size, b.Size)
	}
	return plat.MapMMIO(b.Addr+off, size)
}

// MSIX is a function's MSI-X table.
type MSIX struct {
	d     *Device
	cap   int
	table hw.Region
	n     int
}

// MSIX maps the function's MSI-X table (entries stay masked until Set).
func (d *Device) MSIX(plat hw.Platform) (*MSIX, error) {
	c := d.Cap(CapMSIX)
	if c < 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoMSIX, d.Addr)
	}
	n := int(d.Read16(c+2)&0x7ff) + 1
	t := d.Read32(c + 4)
	table, err := d.MapBAR(plat, int(t&7), uint64(t&^7), uint64(n*16))
	if err != nil {
		return nil, fmt.Errorf("pci: %s MSI-X table: %w", d.Addr, err)
	}
	return &MSIX{d: d, cap: c, table: table, n: n}, nil
}

// Len is the number of table entries.
func (m *MSIX) Len() int { return m.n }

// Set programs entry i to send msi, unmasked.
func (m *MSIX) Set(i int, msi hw.MSI) error {
	if i < 0 || i >= m.n {
		return fmt.Errorf("pci: %s MSI-X entry %d of %d", m.d.Addr, i, m.n)
	}
	o := uint64(i * 16)
	m.table.Write32(o+12, 1) // masked while changed
	m.table.Write32(o, uint32(msi.Address()))
	m.table.Write32(o+4, uint32(msi.Address()>>32))
	m.table.Write32(o+8, msi.Data())
	m.table.Write32(o+12, 0)
	return nil
}

// Enable turns MSI-X on and sets the command register's INTx Disable bit,
// as Linux does (pci_intx_for_msi), so the function's configuration space
// reads the same on both kernels.
func (m *MSIX) Enable() {
	m.d.SetINTxDisabled(true)
	ctl := m.d.Read16(m.cap + 2)
	m.d.Write16(m.cap+2, (ctl|1<<15)&^(1<<14))
}

// Disable turns MSI-X off and INTx back on.
func (m *MSIX) Disable() {
	ctl := m.d.Read16(m.cap + 2)
	m.d.Write16(m.cap+2, ctl&^(1<<15))
	m.d.SetINTxDisabled(false)
}

// Linux's resource flags (include/linux/ioport.h).
const (
	resIO        = 0x100
	resMem       = 0x200
	resPrefetch  = 0x2000
	resReadOnly  = 0x4000
	resSizeAlign = 0x40000
	resMem64     = 0x100000
	resFixed     = 0x10 // IORESOURCE_PCI_FIXED
	resROMShadow = 0x2  // IORESOURCE_ROM_SHADOW
)

// Resources returns the lines of Linux's sysfs resource file: start, end
// and flags of the six BARs, the expansion ROM and the six SR-IOV BARs
// (zero: no function here has SR-IOV).
func (d *Device) Resources() [][3]uint64 {
	out := make([][3]uint64, 13)
	for i, b := range d.BARs {
		if b.Size == 0 {
			continue
		}
		flags := uint64(resSizeAlign) | uint64(b.Flags)
		if b.IO {
			flags |= resIO
		} else {
			flags |= resMem
			if b.Prefetch {
				flags |= resPrefetch
			}
			if b.Is64 {
				flags |= resMem64
			}
		}
		out[i] = [3]uint64{b.Addr, b.Addr + b.Size - 1, flags}
	}
	if r := d.ROM; r.Size != 0 {
		out[6] = [3]uint64{r.Addr, r.Addr + r.Size - 1, resMem | resPrefetch | resReadOnly | resSizeAlign | uint64(r.Flags)}
	}
	if d.BootVGA {
		out[6] = [3]uint64{0xc0000, 0xdffff, resMem | resFixed | resROMShadow}
	}
	// An IDE controller in compatibility mode decodes the ISA addresses
	// whatever its BARs say (drivers/pci/probe.c, pci_setup_device).
	if d.Class>>8 == 0x0101 {
		fixed := [3]uint64{0, 0, resIO | resFixed}
		if d.Class&1 == 0 {
			out[0], out[1] = fixed, fixed
			out[0][0], out[0][1], out[1][0], out[1][1] = 0x1f0, 0x1f7, 0x3f6, 0x3f6
		}
		if d.Class&4 == 0 {
			out[2], out[3] = fixed, fixed
			out[2][0], out[2][1], out[3][0], out[3][1] = 0x170, 0x177, 0x376, 0x376
		}
	}
	return out
}
