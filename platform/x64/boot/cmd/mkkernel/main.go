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
	"os/exec"
	"path/filepath"
	"strconv"

	"aramid/platform/x64/boot"
	bp "aramid/platform/x64/bootparams"
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
	log := slog.New(slog.NewTextHandler(stderr, nil))

	tmp, err := os.CreateTemp(filepath.Dir(*out), ".kernel-link-*")
	if err != nil {
		return err
	}
	linked := tmp.Name()
	tmp.Close()
	defer os.Remove(linked)

	// -T is the address of .text, one page above the first segment (which
	// starts with the ELF header); the linker takes it as a signed number.
	var linkAddr uint64 = bp.LinkAddress + 0x1000
	textAddr := int64(linkAddr)
	cmd := exec.Command("go", "build", "-trimpath", "-o", linked,
		"-ldflags", "-T "+strconv.FormatInt(textAddr, 10), *pkg)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "GOAMD64=v1", "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = stderr, stderr
	log.Info("linking kernel", "package", *pkg, "text", fmt.Sprintf("%#x", uint64(textAddr)))
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", *pkg, err)
	}
	in, err := os.ReadFile(linked)
	if err != nil {
		return err
	}
	img, err := boot.MakeBootable(in)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out+".tmp", img, 0o755); err != nil {
		return err
	}
	if err := os.Rename(*out+".tmp", *out); err != nil {
		return err
	}
	log.Info("kernel ready", "file", *out, "bytes", len(img))
	return nil
}
