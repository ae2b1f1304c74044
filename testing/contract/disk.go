package contract

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/diskfs/go-diskfs/partition/gpt"
)

// The test disk every boot of the suite gets as its first virtio-blk disk
// (vda), the same bytes on both kernels: a GPT with partition 1 "esp" and
// partition 2 "data", entry 3 empty and partition 4 "gap" after it, and
// known bytes at the start of "data" (DiskMagic) and in the disk's last
// sector. QEMU runs it with snapshot=on, so every boot sees it unchanged.
const (
	DiskSize  = 32 << 20
	DiskMagic = "ARAMID-BLOCK-CONTRACT\n"
)

// WriteTestDisk writes the test disk image to path (replacing it).
func WriteTestDisk(path string) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("contract: disk: %w", err)
	}
	defer os.Remove(tmp)
	defer f.Close()
	if err := f.Truncate(DiskSize); err != nil {
		return fmt.Errorf("contract: disk: %w", err)
	}
	t := &gpt.Table{LogicalSectorSize: 512, PhysicalSectorSize: 512, ProtectiveMBR: true,
		GUID: "5A0E1D2C-3B4A-4958-8676-A5B4C3D2E1F0",
		Partitions: []*gpt.Partition{
			{Index: 1, Start: 2048, End: 10239, Type: gpt.EFISystemPartition, Name: "esp", GUID: "C0FFEE00-1111-4222-8333-444455556666"},
			{Index: 2, Start: 10240, End: 26623, Type: gpt.LinuxFilesystem, Name: "data", GUID: "DA7A0000-AAAA-4BBB-8CCC-DDDDEEEEFFFF"},
			{Index: 4, Start: 26624, End: 28671, Type: gpt.LinuxFilesystem, Name: "gap", GUID: "0A0B0C0D-0E0F-4101-8202-030405060708"},
		}}
	if err := t.Write(f, DiskSize); err != nil {
		return fmt.Errorf("contract: disk: %w", err)
	}
	if _, err := f.WriteAt([]byte(DiskMagic), 10240*512); err != nil {
		return fmt.Errorf("contract: disk: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("contract: disk: %w", err)
	}
	return os.Rename(tmp, path)
}

// virtioModules are the reference kernel's modules virtio-blk and
// virtio-net need, in load order (Debian builds them as modules).
var virtioModules = []string{
	"drivers/virtio/virtio_ring.ko", "drivers/virtio/virtio.ko",
	"drivers/virtio/virtio_pci_legacy_dev.ko", "drivers/virtio/virtio_pci_modern_dev.ko",
	"drivers/virtio/virtio_pci.ko", "drivers/block/virtio_blk.ko",
	"net/core/failover.ko", "drivers/net/net_failover.ko", "drivers/net/virtio_net.ko",
}

// ReferenceModules finds the virtio-blk and virtio-net modules of the
// reference kernel at kernelPath. It returns nil if they are not there.
func ReferenceModules(kernelPath string) []string { return FindModules(kernelPath, virtioModules) }

// FindModules returns the host paths of modules (paths relative to the
// release's kernel/ folder, in load order) of the reference kernel at
// kernelPath: build/linux/vmlinuz has its package unpacked beside it,
// under pkg/root/lib/modules/<release>/kernel. It returns nil unless one
// release has them all.
func FindModules(kernelPath string, modules []string) []string {
	dirs, _ := filepath.Glob(filepath.Join(filepath.Dir(kernelPath), "pkg", "root", "lib", "modules", "*", "kernel"))
	sort.Strings(dirs)
	for _, d := range dirs {
		var out []string
		for _, m := range modules {
			p := filepath.Join(d, m)
			if _, err := os.Stat(p); err != nil {
				out = nil
				break
			}
			out = append(out, p)
		}
		if out != nil {
			return out
		}
	}
	return nil
}
