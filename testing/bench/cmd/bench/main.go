// Command bench boots the benchmark program on Aramid and reference Linux,
// interleaved, and prints the median ns/op per row, the Aramid/Linux ratio
// and the geometric mean.
//
//	go run ./testing/bench/cmd/bench -runs 3
//	go run ./testing/bench/cmd/bench -syscall
//	go run ./testing/bench/cmd/bench -systemd build/images/systemd-v245-bench/initramfs.cpio.xz
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"aramid/imagebuild/recipe"
	"aramid/testing/bench"
	"aramid/testing/systemd"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := bench.Options{Out: stderr}
	fs.StringVar(&o.Src, "src", "testing/bench/guest/bench.c", "benchmark program")
	fs.StringVar(&o.BuildDir, "build", "build/bench", "build directory")
	fs.StringVar(&o.Linux, "linux", "build/linux/vmlinuz", "reference Linux kernel")
	fs.StringVar(&o.Aramid, "aramid", "build/kernel.elf", "Aramid kernel (n/a if missing)")
	fs.IntVar(&o.Runs, "runs", 3, "boots per kernel; the median is reported")
	fs.BoolVar(&o.Syscall, "syscall", false, "only the syscall rows")
	fs.StringVar(&o.Memory, "m", "512M", "guest memory (the tmpfs row writes 64 MiB)")
	fs.DurationVar(&o.Timeout, "timeout", 3*time.Minute, "limit per boot")
	fs.StringVar(&o.CC, "cc", "musl-gcc", "C compiler")
	fs.BoolVar(&o.Disk, "disk", true, "add the virtio-blk ext4 disk rows (a fresh mke2fs image per boot)")
	fs.BoolVar(&o.DiskOnly, "disk-only", false, "run only the disk rows")
	fs.BoolVar(&o.Icount, "icount", false, "count guest instructions per operation instead of time (QEMU -icount shift=0)")
	fs.BoolVar(&o.NetOnly, "net-only", false, "run only the networking rows")
	systemdInitrd := fs.String("systemd", "", "systemd initramfs (mkimage --recipe systemd-v245) to boot for the systemd rows")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *systemdInitrd != "" {
		r, err := recipe.Load("recipes", "systemd-v245")
		if err != nil {
			return err
		}
		o.Systemd = &bench.SystemdImage{Initrd: *systemdInitrd, Cmdline: r.Cmdline,
			Expect: systemd.Expect{Welcome: r.Checks.Welcome, Target: r.Checks.Target, ConsoleShell: r.Checks.ConsoleShell}}
	}
	if o.Runs < 1 {
		return fmt.Errorf("-runs must be at least 1")
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	rows, note, err := bench.Run(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, bench.FormatTable(rows, note))
	return nil
}
