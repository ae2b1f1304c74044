package systemd

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aramid/imagebuild"
	"aramid/testing/kernelbuild"
	"aramid/testing/qemu"
)

// TestDiskRoot boots Aramid with no initramfs from the busybox recipe's
// disk image: the kernel finds the virtio disk, reads its GPT, mounts the
// ext4 partition labelled "root" read-write (root=PARTLABEL=root) and runs
// the image's /init and its shell from it. The test types into that shell: /proc/mounts must show
// / as ext4 rw, a file written there must read back, and after power-off
// e2fsck -fn must find the filesystem clean and debugfs must read the
// file from the image; a second boot of the same disk must read it too.
//
// Only Aramid: Debian's kernel builds virtio-blk and ext4 as modules, so it
// cannot mount this root without an initramfs.
func TestDiskRoot(t *testing.T) {
	testDiskRoot(t, func(disk string) []string { return []string{"-drive", "file=" + disk + ",if=virtio,format=raw"} }, "", nil)
}

// TestDiskRootNVMe is TestDiskRoot with the disk on an NVMe controller:
// the namespace is nvme0n1 (259:0) and its partitions nvme0n1p1, ...
// (259:1, ...), as Linux names and numbers them, and the root is mounted
// from nvme0n1p3, found by PARTLABEL. It runs with MSI-X and, with
// pci=nomsi, with the controller's INTx line.
func TestDiskRootNVMe(t *testing.T) {
	for _, tc := range []struct{ name, cmdline, irq string }{{"msix", "", "MSI-X"}, {"intx", " pci=nomsi", "INTx"}} {
		t.Run(tc.name, func(t *testing.T) { testDiskRootNVMe(t, tc.cmdline, tc.irq) })
	}
}

// testDiskRootNVMe boots with cmdline added; the kernel log must say the
// controller interrupts by irq.
func testDiskRootNVMe(t *testing.T, cmdline, irq string) {
	testDiskRoot(t, func(disk string) []string {
		return []string{"-drive", "file=" + disk + ",if=none,id=d0,format=raw", "-device", "nvme,serial=aramid0,drive=d0"}
	}, cmdline, [][2]string{
		{"echo irq-$(dmesg | grep -o 'nvme0n1.*, \\(MSI-X\\|INTx\\)' | sed 's/.*, //')\n", "irq-" + irq},
		{"echo nvme $(cat /sys/class/block/nvme0n1/dev) $(cat /sys/class/block/nvme0n1p1/dev) $(readlink /sys/dev/block/259:0 | sed 's,.*/,,')\n", "nvme 259:0 259:1 nvme0n1"},
		// The root (partition 3) is the device / is on: 259:3, in hex.
		{"echo root $(stat -c %t:%T /dev/nvme0n1p3) $(stat -c %D /) $(grep -c nvme0n1p /proc/partitions)\n", "root 103:3 10303 3"},
	})
}

// testDiskRoot is TestDiskRoot with the disk attached by the QEMU
// arguments drive returns and cmdline added to the kernel command line;
// extra are more commands typed after the mount check, each with the line
// it must print.
func testDiskRoot(t *testing.T, drive func(disk string) []string, cmdline string, extra [][2]string) {
	repo, _, r := bootable(t, "busybox")
	for _, tool := range []string{"e2fsck", "debugfs"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make deps installs e2fsprogs)", tool)
		}
	}
	kernel := kernelbuild.Path(t, repo)
	out := t.TempDir()
	m, err := imagebuild.Build(context.Background(), r, imagebuild.Options{
		RepoDir: repo, OutDir: out, CacheDir: filepath.Join(repo, "build", "cache"),
		Formats: []string{"disk"}, Epoch: time.Unix(1700000000, 0), EpochFrom: "test", Aramid: kernel,
	})
	if err != nil {
		t.Fatal(err)
	}
	disk := filepath.Join(out, m.Outputs["disk"].File)
	marker := fmt.Sprintf("disk-root-%d", time.Now().UnixNano()%1000000)

	boot := func(t *testing.T, commands []string, want []string) string {
		t.Helper()
		in := qemu.NewInput()
		step := 0
		judge := func(l qemu.Line) bool {
			s := Clean(l.Text)
			switch {
			case strings.Contains(s, "Kernel panic") || strings.Contains(s, "aramid: power off, status 1"):
				return true
			case step == 0 && strings.Contains(s, r.Checks.Success):
				step++
				in.Send(commands[0])
			case step > 0 && step <= len(want) && strings.Contains(s, want[step-1]) && !strings.Contains(s, "echo"):
				if step < len(commands) {
					in.Send(commands[step])
				}
				step++
			case step > len(want) && strings.Contains(s, "aramid: power off"):
				return true
			}
			return false
		}
		res, err := qemu.Run(context.Background(), qemu.Config{Kernel: kernel, Memory: "256M", Timeout: 120 * time.Second,
			Append: "console=ttyS0 root=PARTLABEL=root rw init=/init" + cmdline,
			Args:   drive(disk), Input: in}, judge)
		if err != nil {
			t.Fatalf("%v; serial log:\n%s", err, res.Log())
		}
		if step <= len(want) {
			t.Fatalf("stopped before %q (step %d); serial log:\n%s", append(want, "power-off")[max(step-1, 0)], step, res.Log())
		}
		return res.Log()
	}

	t.Run("write", func(t *testing.T) {
		commands, want := []string{"cat /proc/mounts\n"}, []string{" / ext4 rw"}
		for _, e := range extra {
			commands, want = append(commands, e[0]), append(want, e[1])
		}
		boot(t, append(commands,
			"echo "+marker+" > /persist.txt; busybox sync; echo wrote-$(cat /persist.txt)\n",
			"poweroff -f\n",
		), append(want, "wrote-"+marker))
	})
	// The root partition, checked on the host after Aramid powered off.
	part := filepath.Join(t.TempDir(), "root.img")
	if err := ExtractPartition(disk, "root", part); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("e2fsck", "-fn", part).CombinedOutput(); err != nil {
		t.Fatalf("e2fsck -fn after Aramid powered off: %v\n%s", err, out)
	}
	if out, err := exec.Command("debugfs", "-R", "cat /persist.txt", part).Output(); err != nil || strings.TrimSpace(string(out)) != marker {
		t.Fatalf("debugfs cat /persist.txt: %q, %v; want %q", out, err, marker)
	}
	t.Run("read back", func(t *testing.T) {
		boot(t, []string{"echo read-$(cat /persist.txt)\n", "poweroff -f\n"}, []string{"read-" + marker})
	})
}
