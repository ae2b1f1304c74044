package systemd

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"

	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/partition/gpt"
)

// RootProbe checks /proc/mounts: the mount on / that processes see (the
// last line for /) must be fstype with options starting "rw".
func RootProbe(fstype string) Probe {
	return Probe{
		Name:    "/ is " + fstype + " rw in /proc/mounts",
		Command: "cat /proc/mounts",
		Check: func(out []string) (bool, string) {
			var root []string
			for _, l := range out {
				if f := strings.Fields(l); len(f) >= 4 && f[1] == "/" {
					root = f
				}
			}
			if root == nil {
				return false, "no line for /"
			}
			line := strings.Join(root, " ")
			opts := strings.Split(root[3], ",")
			return root[2] == fstype && opts[0] == "rw", line
		},
	}
}

// JournalProbe checks that journald keeps a persistent journal: a
// system.journal under /var/log/journal/<machine-id>.
func JournalProbe() Probe {
	return Probe{
		Name:    "persistent journal in /var/log/journal",
		Command: "ls /var/log/journal/*",
		Check: func(out []string) (bool, string) {
			for _, l := range out {
				for _, f := range strings.Fields(l) {
					if f == "system.journal" {
						return true, "system.journal"
					}
				}
			}
			return false, fmt.Sprintf("listed %q", out)
		},
	}
}

// bootLine is one boot of `journalctl --list-boots`: index, 32-hex boot id.
var bootLine = regexp.MustCompile(`^\s*-?\d+\s+[0-9a-f]{32}\s`)

// ListBootsProbe checks that `journalctl --list-boots` lists n boots.
func ListBootsProbe(n int) Probe {
	return Probe{
		Name:    fmt.Sprintf("journalctl --list-boots: %d boot(s)", n),
		Command: "journalctl --list-boots --no-pager",
		Check: func(out []string) (bool, string) {
			got := 0
			for _, l := range out {
				if bootLine.MatchString(l) {
					got++
				}
			}
			return got == n, fmt.Sprintf("%d listed", got)
		},
	}
}

// ExtractPartition copies the GPT partition named name out of the disk
// image disk into the file to.
func ExtractPartition(disk, name, to string) error {
	f, err := os.Open(disk)
	if err != nil {
		return err
	}
	defer f.Close()
	t, err := gpt.Read(file.New(f, true), 512, 512)
	if err != nil {
		return fmt.Errorf("%s: %w", disk, err)
	}
	for _, p := range t.Partitions {
		if p.Name != name {
			continue
		}
		if p.End < p.Start {
			return fmt.Errorf("%s: partition %s ends before it starts", disk, name)
		}
		out, err := os.Create(to)
		if err != nil {
			return err
		}
		size := int64(p.End-p.Start+1) * 512
		n, err := io.Copy(out, io.NewSectionReader(f, int64(p.Start)*512, size))
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err == nil && n != size {
			err = fmt.Errorf("%s: partition %s: %d of %d bytes", disk, name, n, size)
		}
		return err
	}
	return fmt.Errorf("no partition named %q in %s", name, disk)
}

// FsckRoot runs `e2fsck -fn` on the partition named "root" of disk (copied
// to a temporary file in dir) and returns its output; err is non-nil when
// e2fsck found anything to fix.
func FsckRoot(disk, dir string) (string, error) {
	part, err := os.CreateTemp(dir, "root-*.img")
	if err != nil {
		return "", err
	}
	part.Close()
	defer os.Remove(part.Name())
	if err := ExtractPartition(disk, "root", part.Name()); err != nil {
		return "", err
	}
	out, err := exec.Command("e2fsck", "-fn", part.Name()).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("e2fsck -fn: %w", err)
	}
	return string(out), nil
}

// blockUnderPCI is where Linux puts a disk or partition driven over PCI:
// under its virtio device (…/virtioN/block/vda[/vda1]) or its NVMe
// controller (…/nvme/nvmeN/nvmeNn1[/nvmeNn1p1]).
var blockUnderPCI = regexp.MustCompile(`^/sys/devices/pci[0-9a-f]{4}:[0-9a-f]{2}/(\S+/)?[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]/(virtio\d+/block|nvme/nvme\d+)/\S+$`)

// SysfsBlockProbe checks that every block device in /sys/class/block
// resolves to a directory under its PCI device, as Linux lays sysfs out
// (udev's ID_PATH and the /dev/disk/by-path links walk that tree).
func SysfsBlockProbe() Probe {
	return Probe{
		Name:    "/sys/class/block/* under their PCI devices",
		Command: "for d in /sys/class/block/*; do readlink -f $d; done",
		Check: func(out []string) (bool, string) {
			n := 0
			for _, l := range out {
				l = strings.TrimSpace(l)
				if !strings.HasPrefix(l, "/sys/") {
					continue
				}
				if !blockUnderPCI.MatchString(l) {
					return false, l
				}
				n++
			}
			return n > 0, fmt.Sprintf("%d devices", n)
		},
	}
}

// SysfsMountProbe checks /proc/mounts holds one sysfs on /sys: systemd
// (libselinux's setup) mounts sysfs on /sys once more and relies on the
// kernel refusing it (EBUSY) there.
func SysfsMountProbe() Probe {
	return Probe{
		Name:    "one sysfs on /sys in /proc/mounts",
		Command: "cat /proc/mounts",
		Check: func(out []string) (bool, string) {
			n := 0
			for _, l := range out {
				if f := strings.Fields(l); len(f) >= 3 && f[1] == "/sys" {
					n++
				}
			}
			return n == 1, fmt.Sprintf("%d mount(s) on /sys", n)
		},
	}
}
