// Command mkkernel builds the Aramid kernel: it links kernel/cmd/aramid with
// the stock Go toolchain at the higher-half address and runs the post-link
// step (platform/x64/boot) that makes the ELF bootable by QEMU -kernel (PVH)
// and GRUB (multiboot2).
//
// Usage:
//
//	go run ./platform/x64/boot/cmd/mkkernel [-o build/kernel.elf] [-pkg ./kernel/cmd/aramid]
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"aramid/platform/x64/boot"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mkkernel:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("mkkernel", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "build/kernel.elf", "output file")
	pkg := fs.String("pkg", "./kernel/cmd/aramid", "kernel main package")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	log.Info("building kernel", "package", *pkg, "output", *out)
	if err := boot.Build(*pkg, *out, stderr); err != nil {
		return err
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	log.Info("kernel ready", "file", *out, "bytes", st.Size())
	return nil
}
