package pci_test

import (
	"fmt"
	"strings"
	"testing"

	"aramid/kernel/drivers/pci"
	"aramid/kernel/drivers/pci/pcitest"
	"aramid/kernel/hw"
)

// machine builds a bus like QEMU's: a host bridge, a multi-function
// device, a virtio-blk with I/O, 32-bit and 64-bit BARs, MSI-X and vendor
// capabilities, and a PCI-to-PCI bridge with a device behind it.
func machine(t *testing.T, ecam bool) (*hw.Fake, *pcitest.Bus) {
	t.Helper()
	f := hw.NewFake()
	bus := pcitest.NewBus(f)
	if ecam {
		bus.AttachECAM(f, 0xb0000000, 4)
		f.Tables["MCFG"] = pcitest.MCFG(0xb0000000, 0, 3)
	}
	host := pcitest.NewFunction(0x8086, 0x29c0, 0x060000, 2)
	bus.Add(pci.Address{}, host)

	isa := pcitest.NewFunction(0x8086, 0x7000, 0x060100, 0)
	isa.SetHeaderType(0x80)
	bus.Add(pci.Address{Device: 1}, isa)
	ide := pcitest.NewFunction(0x8086, 0x7010, 0x010180, 0)
	ide.SetBAR(4, 0xc0c0, 16, true, false, false)
	bus.Add(pci.Address{Device: 1, Function: 1}, ide)
	// Function 3 of device 1 exists although 2 does not.
	bus.Add(pci.Address{Device: 1, Function: 3}, pcitest.NewFunction(0x8086, 0x7113, 0x068000, 3))

	blk := pcitest.NewFunction(0x1af4, 0x1001, 0x010000, 0)
	blk.Set16(0x2c, 0x1af4)
	blk.Set16(0x2e, 2)
	blk.Set8(0x3d, 1)
	blk.Set8(0x3c, 11)
	blk.SetBAR(0, 0xc000, 0x80, true, false, false)
	blk.SetBAR(1, 0xfebf1000, 0x1000, false, false, false)
	blk.SetBAR(4, 0x8_0000_0000, 0x4000, false, true, true)
	blk.SetROM(0xfeb80000, 0x40000)
	blk.AddCap(pci.CapMSIX, []byte{1, 0, 1, 0, 0, 0, 1, 8, 0, 0}) // 2 entries, table in BAR1 at 0, PBA BAR1+0x800
	blk.AddCap(pci.CapVendor, []byte{16, 1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0})
	bus.Add(pci.Address{Device: 4}, blk)

	bridge := pcitest.NewFunction(0x1b36, 0x0001, 0x060400, 0)
	bridge.SetHeaderType(1)
	bridge.Set8(0x19, 1) // secondary bus
	bus.Add(pci.Address{Device: 5}, bridge)
	bus.Add(pci.Address{Bus: 1, Device: 0}, pcitest.NewFunction(0x1af4, 0x1041, 0x020000, 1))
	// Two VGA controllers: the first decoding is the boot one.
	for dev, cmd := range map[uint8]uint16{6: 0, 7: 3, 8: 3} {
		vga := pcitest.NewFunction(0x1234, 0x1111, 0x030000, 2)
		vga.SetROM(0xfebe0000, 0x10000)
		vga.Set16(pci.RegCommand, cmd)
		bus.Add(pci.Address{Device: dev}, vga)
	}
	return f, bus
}

func TestScan(t *testing.T) {
	for _, ecam := range []bool{false, true} {
		t.Run(fmt.Sprintf("ecam=%v", ecam), func(t *testing.T) {
			f, _ := machine(t, ecam)
			var log []string
			b := pci.Scan(f, func(format string, args ...any) { log = append(log, fmt.Sprintf(format, args...)) })
			if b.ECAM != ecam {
				t.Errorf("ECAM = %v, want %v", b.ECAM, ecam)
			}
			var got []string
			for _, d := range b.Devices {
				got = append(got, fmt.Sprintf("%s %04x:%04x", d.Addr, d.Vendor, d.DeviceID))
			}
			want := []string{"0000:00:00.0 8086:29c0", "0000:00:01.0 8086:7000", "0000:00:01.1 8086:7010",
				"0000:00:01.3 8086:7113", "0000:00:04.0 1af4:1001", "0000:00:05.0 1b36:0001", "0000:01:00.0 1af4:1041",
				"0000:00:06.0 1234:1111", "0000:00:07.0 1234:1111", "0000:00:08.0 1234:1111"}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("devices:\n got %q\nwant %q", got, want)
			}
			text := strings.Join(log, "\n")
			for _, w := range []string{
				"pci 0000:00:04.0: [1af4:1001] type 00 class 0x010000",
				"pci 0000:00:04.0: BAR 0 [io  0xc000-0xc07f]",
				"pci 0000:00:04.0: BAR 1 [mem 0xfebf1000-0xfebf1fff]",
				"pci 0000:00:04.0: BAR 4 [mem 0x800000000-0x800003fff 64bit pref]",
				"pci 0000:00:04.0: ROM [mem 0xfeb80000-0xfebbffff pref]",
				"pci 0000:00:01.1: BAR 1 [io  0x03f6]: legacy IDE quirk",
				"pci 0000:00:07.0: Video device with shadowed ROM at [mem 0x000c0000-0x000dffff]",
				"pci 0000:00:05.0: [1b36:0001] type 01 class 0x060400",
			} {
				if !strings.Contains(text, w) {
					t.Errorf("log lacks %q; log:\n%s", w, text)
				}
			}
			blk := b.Devices[4]
			if blk.Parent != nil || b.Devices[6].Parent != b.Devices[5] {
				t.Error("parents wrong")
			}
			if blk.SubVendor != 0x1af4 || blk.SubDevice != 2 || blk.IRQLine != 11 || blk.IRQPin != 1 || blk.Class != 0x010000 {
				t.Errorf("identity: %+v", blk)
			}
			wantBARs := []pci.BAR{
				{Reg: 0x10, Addr: 0xc000, Size: 0x80, IO: true, Flags: 1},
				{Reg: 0x14, Addr: 0xfebf1000, Size: 0x1000},
				{Reg: 0x18}, {Reg: 0x1c},
				{Reg: 0x20, Addr: 0x8_0000_0000, Size: 0x4000, Is64: true, Prefetch: true, Flags: 0xc},
				{},
			}
			for i, w := range wantBARs {
				if blk.BARs[i] != w {
					t.Errorf("BAR%d = %+v, want %+v", i, blk.BARs[i], w)
				}
			}
			if blk.Cap(pci.CapMSIX) != 0x40 || blk.Cap(pci.CapVendor) != 0x4c || blk.Cap(pci.CapPCIe) != -1 {
				t.Errorf("capabilities %+v", blk.Caps)
			}
			// Sizing put everything back.
			if blk.Read32(0x10) != 0xc001 || blk.Read32(0x20) != 0xc || blk.Read32(0x24) != 8 || blk.Read32(0x30) != 0xfeb80000 {
				t.Errorf("BARs not restored: %#x %#x %#x %#x", blk.Read32(0x10), blk.Read32(0x20), blk.Read32(0x24), blk.Read32(0x30))
			}
			res := blk.Resources()
			if len(res) != 13 || res[0] != [3]uint64{0xc000, 0xc07f, 0x40101} || res[1] != [3]uint64{0xfebf1000, 0xfebf1fff, 0x40200} ||
				res[4] != [3]uint64{0x8_0000_0000, 0x8_0000_3fff, 0x14220c} || res[6] != [3]uint64{0xfeb80000, 0xfebbffff, 0x46200} || res[5] != [3]uint64{} {
				t.Errorf("resources %x", res)
			}
			ideRes := b.Devices[2].Resources()
			if ideRes[0] != [3]uint64{0x1f0, 0x1f7, 0x110} || ideRes[3] != [3]uint64{0x376, 0x376, 0x110} || ideRes[4] != [3]uint64{0xc0c0, 0xc0cf, 0x40101} {
				t.Errorf("IDE in compatibility mode: resources %x", ideRes[:5])
			}
			for i, want := range [][3]uint64{{0xfebe0000, 0xfebeffff, 0x46200}, {0xc0000, 0xdffff, 0x212}, {0xfebe0000, 0xfebeffff, 0x46200}} {
				if got := b.Devices[7+i].Resources()[6]; got != want {
					t.Errorf("VGA %d ROM resource %x, want %x", i, got, want)
				}
			}
			cfg := blk.ConfigBytes()
			if len(cfg) != 256 || cfg[0] != 0xf4 || cfg[1] != 0x1a || cfg[0x3c] != 11 {
				t.Errorf("config bytes % x", cfg[:64])
			}
		})
	}
}

func TestEnableAndMSIX(t *testing.T) {
	f, bus := machine(t, false)
	var table msixTable
	f.HandleMMIO(0xfebf1000, 0x1000, &table)
	b := pci.Scan(f, func(string, ...any) {})
	d := b.Devices[4]
	d.Enable()
	if cmd := d.Read16(pci.RegCommand); cmd&7 != 7 {
		t.Errorf("command %#x: I/O, memory and bus mastering not all on", cmd)
	}
	m, err := d.MSIX(f)
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 2 {
		t.Errorf("MSI-X table of %d entries, want 2", m.Len())
	}
	msi, err := f.AllocMSI()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Set(1, msi); err != nil {
		t.Fatal(err)
	}
	if err := m.Set(2, msi); err == nil {
		t.Error("entry 2 of 2 accepted")
	}
	m.Enable()
	if table.words[4] != 0xfee00000 || table.words[5] != 0 || table.words[6] != uint32(msi.Vector()) || table.words[7] != 0 {
		t.Errorf("entry 1 = %#x", table.words[4:8])
	}
	if ctl := bus.FunctionAt(pci.Address{Device: 4}).Get16(0x42); ctl&0x8000 == 0 {
		t.Errorf("MSI-X control %#x: not enabled", ctl)
	}
	if _, err := b.Devices[0].MSIX(f); err == nil {
		t.Error("MSIX on a function without the capability succeeded")
	}
	if _, err := d.MapBAR(f, 2, 0, 16); err == nil {
		t.Error("mapping an absent BAR succeeded")
	}
	if _, err := d.MapBAR(f, 1, 0xff0, 0x20); err == nil {
		t.Error("mapping past a BAR's end succeeded")
	}
}

// msixTable records 32-bit writes to an MSI-X table.
type msixTable struct{ words [1024]uint32 }

func (m *msixTable) MMIORead(off uint64, size int) uint64 { return uint64(m.words[off/4]) }
func (m *msixTable) MMIOWrite(off uint64, size int, v uint64) {
	m.words[off/4] = uint32(v)
}

func TestMCFG(t *testing.T) {
	base, s, e, ok := pci.MCFG(pcitest.MCFG(0xe0000000, 0, 0x7f))
	if !ok || base != 0xe0000000 || s != 0 || e != 0x7f {
		t.Errorf("MCFG = %#x %d %d %v", base, s, e, ok)
	}
	if _, _, _, ok := pci.MCFG(nil); ok {
		t.Error("MCFG of nothing succeeded")
	}
	if _, _, _, ok := pci.MCFG(make([]byte, 50)); ok {
		t.Error("MCFG of a truncated table succeeded")
	}
}

func TestAddressString(t *testing.T) {
	if s := (pci.Address{Segment: 0, Bus: 0x1a, Device: 0x1f, Function: 7}).String(); s != "0000:1a:1f.7" {
		t.Errorf("got %q", s)
	}
}
