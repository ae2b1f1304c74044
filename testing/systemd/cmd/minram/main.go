// Command minram finds the least RAM each kernel boots a recipe's disk
// image in, and prints both minimums and their ratio (the issue's "Aramid
// boots the disk in at most half the RAM Linux needs"). It is what
// `make bench-minram` runs.
//
//	minram -recipe systemd-v245 -images DIR [-kernels linux,aramid] [-lo 16 -hi 512 -step 4]
//
// GRUB needs more memory than either kernel (it loads the kernel and the
// initramfs through its own heap), so the boots skip it: QEMU starts the
// kernel directly with the disk's command line (root=PARTUUID=… rw
// rootwait and the recipe's), Aramid with no initramfs, Linux with the
// disk's own module initramfs (/boot/root-initramfs on the ESP), both on
// a copy-on-write overlay of the disk (virtio-blk). A boot succeeds when
// the judge passes it: "Startup finished", no failed units, and the
// console shell answering commands. The minimum is bisected in -step MiB
// between -lo (taken as failing) and -hi (which must boot).
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
		fmt.Fprintln(os.Stderr, "minram:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, w io.Writer) error {
	fs := flag.NewFlagSet("minram", flag.ContinueOnError)
	var (
		repo    = fs.String("repo", ".", "repository root")
		name    = fs.String("recipe", "systemd-v245", "recipe whose disk to boot")
		images  = fs.String("images", "", "directory holding the recipe's disk.img (mkimage -o, with both kernels)")
		kernels = fs.String("kernels", "linux,aramid", "kernels to measure")
		lo      = fs.Int("lo", 16, "MiB taken as too little")
		hi      = fs.Int("hi", 512, "MiB that must boot")
		step    = fs.Int("step", 4, "resolution in MiB")
		timeout = fs.Duration("timeout", 150*time.Second, "per-boot limit")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *images == "" {
		return errors.New("-images is required")
	}
	r, err := recipe.Load(filepath.Join(*repo, "recipes"), *name)
	if err != nil {
		return err
	}
	if r.Checks == nil {
		return fmt.Errorf("recipe %s has no checks", r.Name)
	}
	exp := systemd.Expect{Welcome: r.Checks.Welcome, Target: r.Checks.Target, ConsoleShell: r.Checks.ConsoleShell}
	disk := filepath.Join(*images, imagebuild.DiskName)
	logs := filepath.Join(*images, "minram")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return err
	}
	mins := map[string]int{}
	for _, k := range strings.Split(*kernels, ",") {
		b := systemd.Boot{Disk: disk, Cmdline: imagebuild.DiskCmdline(r), Timeout: *timeout}
		switch k {
		case "aramid":
			b.Kernel = filepath.Join(*repo, "build/kernel.elf")
		case "linux":
			b.Kernel = filepath.Join(*repo, "build/linux/vmlinuz")
			b.Initrd = filepath.Join(logs, "root-initramfs")
			if err := rootInitrd(disk, logs, b.Initrd); err != nil {
				return err
			}
		default:
			return fmt.Errorf("-kernels: unknown kernel %q (want linux or aramid)", k)
		}
		boots := func(ctx context.Context, mib int) (bool, error) {
			b := b
			b.Memory = fmt.Sprintf("%dM", mib)
			b.LogFile = filepath.Join(logs, fmt.Sprintf("serial-%s-%dM.log", k, mib))
			j, res, err := systemd.Run(ctx, b, exp)
			if err != nil && !errors.Is(err, context.DeadlineExceeded) && j == nil {
				return false, err
			}
			ok := j != nil && j.Pass()
			verdict := "boots"
			if !ok {
				verdict = "fails"
				if res != nil {
					verdict += fmt.Sprintf(" (QEMU exit %d, %s)", res.ExitCode, why(j))
				}
			}
			fmt.Fprintf(w, "minram: %s %4d MiB: %s (serial log %s)\n", k, mib, verdict, b.LogFile)
			return ok, nil
		}
		min, trials, err := systemd.MinRAM(ctx, *lo, *hi, *step, boots)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		mins[k] = min
		below := fmt.Sprintf("-lo %d MiB taken as too little", *lo)
		for _, t := range trials {
			if t.MiB == min-*step {
				below = fmt.Sprintf("not in %d", t.MiB)
			}
		}
		fmt.Fprintf(w, "minram: %s boots %s in %d MiB (%s)\n", k, r.Name, min, below)
	}
	if a, l := mins["aramid"], mins["linux"]; a > 0 && l > 0 {
		fmt.Fprintf(w, "minram: Aramid %d MiB, Linux %d MiB: ratio %.2f (goal <= 0.50)\n", a, l, float64(a)/float64(l))
	}
	return nil
}

// why names the first check a failed boot missed.
func why(j *systemd.Judge) string {
	if j == nil {
		return "no verdict"
	}
	for _, r := range j.Results() {
		if !r.Pass {
			return "first failed check: " + r.Name
		}
	}
	return "failed"
}

// rootInitrd copies the Linux entry's module initramfs off the disk's ESP.
func rootInitrd(disk, dir, to string) error {
	var errs []error
	for _, ext := range []string{".xz", ".gz", ""} {
		err := systemd.ExtractESPFile(disk, imagebuild.RootInitrdName+ext, dir, to)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("the Linux root initramfs: %w", errors.Join(errs...))
}
