package sysfs

import "testing"

func TestPCIEntries(t *testing.T) {
	fns := []PCIFunction{
		{Name: "0000:00:04.0", Vendor: 0x1af4, Device: 0x1001, SubVendor: 0x1af4, SubDevice: 2, Class: 0x010000,
			IRQ: 11, Resources: [][3]uint64{{0xc000, 0xc07f, 0x40101}, {}}, Config: []byte{0xf4, 0x1a, 0, 0x10}, Driver: "virtio-pci"},
		{Name: "0000:00:05.0", Vendor: 0x1b36, Device: 1, Class: 0x060400, Revision: 1},
		{Name: "0000:01:00.0", Parent: "0000:00:05.0", Vendor: 0x8086, Device: 0x100e, Class: 0x020000, Revision: 3},
	}
	registered.mu.Lock()
	saved := registered.entries
	registered.entries = nil
	registered.mu.Unlock()
	defer func() {
		registered.mu.Lock()
		registered.entries = saved
		registered.mu.Unlock()
	}()
	Register(PCIEntries(fns)...)
	v, fsc, c, _ := setup(t) // New adds what was registered
	for _, tc := range []struct{ path, want string }{
		{"/sys/bus/pci/devices/0000:00:04.0/vendor", "0x1af4\n"},
		{"/sys/bus/pci/devices/0000:00:04.0/device", "0x1001\n"},
		{"/sys/bus/pci/devices/0000:00:04.0/class", "0x010000\n"},
		{"/sys/bus/pci/devices/0000:00:04.0/subsystem_device", "0x0002\n"},
		{"/sys/bus/pci/devices/0000:00:04.0/revision", "0x00\n"},
		{"/sys/bus/pci/devices/0000:00:04.0/irq", "11\n"},
		{"/sys/bus/pci/devices/0000:00:04.0/resource",
			"0x000000000000c000 0x000000000000c07f 0x0000000000040101\n0x0000000000000000 0x0000000000000000 0x0000000000000000\n"},
		{"/sys/bus/pci/devices/0000:00:04.0/config", "\xf4\x1a\x00\x10"},
		{"/sys/bus/pci/devices/0000:00:04.0/uevent", "DRIVER=virtio-pci\nPCI_CLASS=10000\nPCI_ID=1AF4:1001\nPCI_SUBSYS_ID=1AF4:0002\n" +
			"PCI_SLOT_NAME=0000:00:04.0\nMODALIAS=pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00\n"},
		{"/sys/devices/pci0000:00/0000:00:05.0/0000:01:00.0/revision", "0x03\n"},
		{"/sys/bus/pci/devices/0000:01:00.0/subsystem/devices/0000:00:04.0/vendor", "0x1af4\n"},
	} {
		got, err := read(t, v, fsc, c, tc.path)
		if err != nil || got != tc.want {
			t.Errorf("%s = %q, %v; want %q", tc.path, got, err, tc.want)
		}
	}
	for path, want := range map[string]string{
		"/sys/bus/pci/devices/0000:00:04.0":              "../../../devices/pci0000:00/0000:00:04.0",
		"/sys/bus/pci/devices/0000:01:00.0":              "../../../devices/pci0000:00/0000:00:05.0/0000:01:00.0",
		"/sys/devices/pci0000:00/0000:00:04.0/subsystem": "../../../bus/pci",
	} {
		got, err := v.ReadlinkAt(c, fsc, nil, path)
		if err != nil || got != want {
			t.Errorf("readlink %s = %q, %v; want %q", path, got, err, want)
		}
	}
}
