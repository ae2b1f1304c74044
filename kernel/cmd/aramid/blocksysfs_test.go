package main

import "testing"

func TestDiskPlaces(t *testing.T) {
	placeDisk("vdq", "devices/pci0000:00/0000:00:04.0/virtio1", "block")
	placeDisk("nvme7n1", "devices/pci0000:00/0000:00:05.0/nvme/nvme7", "")
	for _, tc := range []struct{ disk, parent, device string }{
		// Linux: …/virtio1/block/vda/device -> ../../../virtio1,
		// …/nvme/nvme0/nvme0n1/device -> ../../nvme0.
		{"vdq", "devices/pci0000:00/0000:00:04.0/virtio1/block", "../../../virtio1"},
		{"nvme7n1", "devices/pci0000:00/0000:00:05.0/nvme/nvme7", "../../nvme7"},
		{"unplaced", "devices/virtual/block", ""},
	} {
		if got := blockSysfsParent(tc.disk); got != tc.parent {
			t.Errorf("blockSysfsParent(%s) = %q, want %q", tc.disk, got, tc.parent)
		}
		if got := diskDeviceLink(tc.disk); got != tc.device {
			t.Errorf("diskDeviceLink(%s) = %q, want %q", tc.disk, got, tc.device)
		}
	}
}
