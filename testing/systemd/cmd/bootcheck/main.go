// Command bootcheck boots images built by mkimage and prints, per boot, one
// PASS/FAIL line per systemd check and the startup split. It is what
// `make test-systemd` runs after building the recipe's images.
//
//	bootcheck -recipe systemd-v245 -images DIR -kernel linux|aramid -modes initramfs,uefi,bios -virtio modern,legacy
//
// The initramfs mode boots -kernel/-initrd. The uefi (OVMF) and bios
// (SeaBIOS) modes boot disk.img through GRUB, which starts the kernel with
// the root on the disk's ext4 partition; for each virtio-blk kind in
// -virtio the disk is copied, booted twice and checked after each
// power-off: the shell finds / ext4 read-write in /proc/mounts and a
// persistent journal in /var/log/journal, `journalctl --list-boots`
// lists 1 boot and then 2, `poweroff` powers the machine off (QEMU exits
// by itself) and `e2fsck -fn` finds the root partition clean.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"aramid/imagebuild"
	"aramid/imagebuild/recipe"
	"aramid/testing/systemd"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bootcheck:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, w io.Writer) error {
	fs := flag.NewFlagSet("bootcheck", flag.ContinueOnError)
	var (
		repo    = fs.String("repo", ".", "repository root")
		name    = fs.String("recipe", "systemd-v245", "recipe whose images to boot")
		images  = fs.String("images", "", "directory holding the recipe's images (mkimage -o)")
		kernel  = fs.String("kernel", "linux", "linux (build/linux/vmlinuz) or aramid (build/kernel.elf)")
		modes   = fs.String("modes", "initramfs,uefi,bios", "boots to run: initramfs (-kernel/-initrd), uefi and bios (disk.img through GRUB)")
		timeout = fs.Duration("timeout", 300*time.Second, "per-boot limit")
		virtio  = fs.String("virtio", "modern,legacy", "virtio-blk devices the disk modes boot on: modern (disable-legacy=on), legacy (disable-modern=on), or nvme (an NVMe controller instead)")
		logs    = fs.String("logs", "", "directory for serial logs (default: the images directory)")
		memory  = fs.String("memory", "", "guest RAM for every boot, as QEMU's -m (default 512M)")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	r, err := recipe.Load(filepath.Join(*repo, "recipes"), *name)
	if err != nil {
		return err
	}
	if r.Checks == nil {
		return fmt.Errorf("recipe %s has no checks", r.Name)
	}
	exp := systemd.Expect{Welcome: r.Checks.Welcome, Target: r.Checks.Target, ConsoleShell: r.Checks.ConsoleShell}
	var kfile string
	switch *kernel {
	case "linux":
		kfile = filepath.Join(*repo, "build/linux/vmlinuz")
	case "aramid":
		kfile = filepath.Join(*repo, "build/kernel.elf")
	default:
		return fmt.Errorf("-kernel %q: want linux or aramid", *kernel)
	}
	if *logs == "" {
		*logs = *images
	}
	failed := 0
	boot := func(label string, b systemd.Boot, exp systemd.Expect) bool {
		b.Memory = *memory
		fmt.Fprintf(w, "== boot %s (%s)\n", label, r.Name)
		j, res, err := systemd.Run(ctx, b, exp)
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			fmt.Fprintf(w, "FAIL %s: %v\n", label, err)
		}
		if j == nil {
			return false
		}
		j.Report(w, label)
		if res != nil {
			fmt.Fprintf(w, "wall %s: %.1fs to the verdict (serial log %s)\n", label, res.Elapsed.Seconds(), b.LogFile)
		}
		return j.Pass()
	}
	for _, mode := range strings.Split(*modes, ",") {
		switch mode {
		case "initramfs":
			if _, err := os.Stat(kfile); err != nil {
				return fmt.Errorf("kernel %s: %w", kfile, err)
			}
			b := systemd.Boot{Timeout: *timeout, LogFile: filepath.Join(*logs, fmt.Sprintf("serial-%s-%s.log", *kernel, mode)),
				Kernel: kfile, Initrd: filepath.Join(*images, "initramfs.cpio.xz"), Cmdline: r.Cmdline}
			if !boot(*kernel+"/"+mode, b, exp) {
				failed++
			}
		case "uefi", "bios":
			for _, v := range strings.Split(*virtio, ",") {
				if v != string(systemd.VirtioModern) && v != string(systemd.VirtioLegacy) && v != string(systemd.VirtioNVMe) {
					return fmt.Errorf("-virtio %q: want modern, legacy or nvme", v)
				}
				failed += diskBoots(w, *images, *logs, *kernel, mode, systemd.Virtio(v), *timeout, exp, boot)
			}
		default:
			return fmt.Errorf("unknown mode %q", mode)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d boot(s) failed", failed)
	}
	fmt.Fprintln(w, "all boots passed")
	return nil
}

// diskBoots boots a copy of the images' disk.img twice under firmware
// mode on a virtio-blk device of kind v, from the ext4 root, and checks
// the root after each power-off. It returns the number of failures.
func diskBoots(w io.Writer, images, logs, kernel, mode string, v systemd.Virtio, timeout time.Duration,
	exp systemd.Expect, boot func(string, systemd.Boot, systemd.Expect) bool) int {
	name := fmt.Sprintf("%s-%s-%s", kernel, mode, v)
	disk := filepath.Join(logs, "disk-"+name+".img")
	if err := copyFile(filepath.Join(images, imagebuild.DiskName), disk); err != nil {
		fmt.Fprintf(w, "FAIL %s: %v\n", name, err)
		return 1
	}
	failed := 0
	for n := 1; n <= 2; n++ {
		label := fmt.Sprintf("%s/%s-%s/boot%d", kernel, mode, v, n)
		e := exp
		e.Probes = []systemd.Probe{systemd.RootProbe("ext4"), systemd.JournalProbe(), systemd.ListBootsProbe(n),
			systemd.SysfsBlockProbe(), systemd.SysfsMountProbe()}
		e.PowerOff = true
		b := systemd.Boot{Disk: disk, Firmware: systemd.Firmware(mode), Virtio: v, Writable: true, Timeout: timeout,
			LogFile: filepath.Join(logs, fmt.Sprintf("serial-%s-boot%d.log", name, n))}
		ok := boot(label, b, e)
		out, err := systemd.FsckRoot(disk, logs)
		if err != nil {
			ok = false
			fmt.Fprintf(w, "FAIL %s: e2fsck -fn on the root after power-off: %v\n%s", label, err, out)
		} else {
			fmt.Fprintf(w, "PASS %s: e2fsck -fn on the root after power-off: clean (%s)\n", label, lastLine(out))
		}
		if !ok {
			failed++
			fmt.Fprintf(w, "disk kept for a look: %s\n", disk)
			return failed // the second boot needs a good first one
		}
	}
	os.Remove(disk)
	return failed
}

func lastLine(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return l[len(l)-1]
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
