package systemd

import "testing"

func TestSysfsProbes(t *testing.T) {
	blk := SysfsBlockProbe()
	for _, tc := range []struct {
		out  []string
		want bool
	}{
		// What Linux 6.1 prints for a virtio disk and an NVMe disk.
		{[]string{"/sys/devices/pci0000:00/0000:00:04.0/virtio0/block/vda", "/sys/devices/pci0000:00/0000:00:04.0/virtio0/block/vda/vda1"}, true},
		{[]string{"/sys/devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1", "/sys/devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/nvme0n1p3"}, true},
		{[]string{"/sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/virtio3/block/vdb"}, true},
		{[]string{"/sys/devices/virtual/block/vda"}, false},
		{[]string{"/sys/devices/pci0000:00/0000:00:04.0/virtio0/block/vda", "/sys/devices/virtual/block/loop0"}, false},
		{nil, false},
	} {
		if ok, note := blk.Check(tc.out); ok != tc.want {
			t.Errorf("block probe on %q = %v (%s), want %v", tc.out, ok, note, tc.want)
		}
	}
	mnt := SysfsMountProbe()
	one := []string{"proc /proc proc rw 0 0", "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0", "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0"}
	two := append(one, "sysfs /sys sysfs rw,relatime 0 0")
	if ok, note := mnt.Check(one); !ok {
		t.Errorf("mount probe on one sysfs: %s", note)
	}
	if ok, _ := mnt.Check(two); ok {
		t.Errorf("mount probe passes two sysfs mounts on /sys")
	}
}
