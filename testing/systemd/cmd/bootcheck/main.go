// Command bootcheck boots images built by mkimage and prints, per boot, one
// PASS/FAIL line per systemd check and the startup split. It is what
// `make test-systemd` runs after building the recipe's images.
//
//	bootcheck -recipe systemd-v245 -images DIR -kernel linux|aramid -modes initramfs,uefi,bios
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
		timeout = fs.Duration("timeout", 150*time.Second, "per-boot limit")
		logs    = fs.String("logs", "", "directory for serial logs (default: the images directory)")
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
	for _, mode := range strings.Split(*modes, ",") {
		b := systemd.Boot{Timeout: *timeout, LogFile: filepath.Join(*logs, fmt.Sprintf("serial-%s-%s.log", *kernel, mode))}
		switch mode {
		case "initramfs":
			if _, err := os.Stat(kfile); err != nil {
				return fmt.Errorf("kernel %s: %w", kfile, err)
			}
			b.Kernel, b.Initrd, b.Cmdline = kfile, filepath.Join(*images, "initramfs.cpio.xz"), r.Cmdline
		case "uefi", "bios":
			b.Disk, b.Firmware = filepath.Join(*images, imagebuild.DiskName), systemd.Firmware(mode)
		default:
			return fmt.Errorf("unknown mode %q", mode)
		}
		label := *kernel + "/" + mode
		fmt.Fprintf(w, "== boot %s (%s)\n", label, r.Name)
		j, res, err := systemd.Run(ctx, b, exp)
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			fmt.Fprintf(w, "FAIL %s: %v\n", label, err)
		}
		if j == nil {
			failed++
			continue
		}
		j.Report(w, label)
		if res != nil {
			fmt.Fprintf(w, "wall %s: %.1fs to the verdict (serial log %s)\n", label, res.Elapsed.Seconds(), b.LogFile)
		}
		if !j.Pass() {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d boot(s) failed", failed)
	}
	fmt.Fprintln(w, "all boots passed")
	return nil
}
