// Package grub makes GRUB 2 boot images with Debian's grub-mkimage (from
// grub-efi-amd64-bin and grub-pc-bin) and installs the BIOS stage the way
// grub-bios-setup does for a GPT disk: boot.img's code in the MBR pointing at
// core.img, which sits whole in the BIOS boot partition. grub-mkimage's
// output depends only on its inputs (checked by a test), so images stay
// reproducible.
package grub

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Modules built into both core images: no module is loaded from disk.
var Modules = []string{"part_gpt", "fat", "ext2", "normal", "linux", "multiboot2", "search",
	"search_fs_uuid", "serial", "terminal", "echo", "test", "configfile", "boot", "gzio"}

// Platform directories of Debian's GRUB packages.
const (
	PCDir  = "/usr/lib/grub/i386-pc"
	EFIDir = "/usr/lib/grub/x86_64-efi"
)

// Offsets in boot.img and in core.img's first sector (diskboot.img), as
// grub-bios-setup patches them.
const (
	kernelSectorOff = 0x5c  // boot.img: LBA of core.img's first sector (8 bytes)
	driveCheckOff   = 0x66  // boot.img: jump skipped on hard disks (2 bytes)
	mbrCodeLen      = 440   // boot code ends where the disk signature starts
	blocklistOff    = 0x1f4 // diskboot.img: start (8), len (2), segment (2)
	kernelSeg       = 0x820
)

// Version returns grub-mkimage's version line.
func Version(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "grub-mkimage", "--version").Output()
	if err != nil {
		return "", fmt.Errorf("grub: grub-mkimage: %w (make deps installs grub-common, grub-pc-bin and grub-efi-amd64-bin)", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// MkImage runs grub-mkimage for format (x86_64-efi or i386-pc) with an
// embedded early config and returns the image.
func MkImage(ctx context.Context, format, earlyConfig string) ([]byte, error) {
	dir := map[string]string{"x86_64-efi": EFIDir, "i386-pc": PCDir}[format]
	if dir == "" {
		return nil, fmt.Errorf("grub: unknown format %q", format)
	}
	if _, err := os.Stat(filepath.Join(dir, "moddep.lst")); err != nil {
		return nil, fmt.Errorf("grub: %s modules missing (make deps installs grub-pc-bin and grub-efi-amd64-bin): %w", format, err)
	}
	tmp, err := os.MkdirTemp("", "mkimage-grub-")
	if err != nil {
		return nil, fmt.Errorf("grub: %w", err)
	}
	defer os.RemoveAll(tmp)
	cfg := filepath.Join(tmp, "early.cfg")
	if err := os.WriteFile(cfg, []byte(earlyConfig), 0o644); err != nil {
		return nil, fmt.Errorf("grub: %w", err)
	}
	out := filepath.Join(tmp, "img")
	mods := append([]string{}, Modules...)
	if format == "i386-pc" {
		mods = append([]string{"biosdisk"}, mods...)
	} else {
		mods = append(mods, "efi_gop", "all_video")
	}
	args := append([]string{"-O", format, "-d", dir, "-o", out, "-p", "/boot/grub", "-c", cfg}, mods...)
	if b, err := exec.CommandContext(ctx, "grub-mkimage", args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("grub: grub-mkimage -O %s: %w: %s", format, err, strings.TrimSpace(string(b)))
	}
	return os.ReadFile(out)
}

// ErrCoreTooBig is returned when core.img does not fit its partition.
var ErrCoreTooBig = errors.New("grub: core.img larger than the BIOS boot partition")

// InstallBIOS patches disk (the whole image in memory or a window of it
// starting at LBA 0) for legacy BIOS boot: boot.img's code goes into the
// first 440 bytes of the MBR (the partition table is kept), told to load
// core.img from coreLBA; core.img's block list is set to its remaining
// sectors. It returns the bytes to write at coreLBA.
func InstallBIOS(mbr []byte, core []byte, coreLBA uint64, partSectors uint64) ([]byte, error) {
	boot, err := os.ReadFile(filepath.Join(PCDir, "boot.img"))
	if err != nil {
		return nil, fmt.Errorf("grub: %w (make deps installs grub-pc-bin)", err)
	}
	if len(boot) != 512 || len(mbr) < 512 {
		return nil, fmt.Errorf("grub: boot.img is %d bytes, MBR %d", len(boot), len(mbr))
	}
	if len(core) < 512 {
		return nil, fmt.Errorf("grub: core.img is only %d bytes", len(core))
	}
	sectors := (uint64(len(core)) + 511) / 512
	if sectors > partSectors {
		return nil, fmt.Errorf("%w: %d sectors, partition %d", ErrCoreTooBig, sectors, partSectors)
	}
	copy(mbr[:mbrCodeLen], boot[:mbrCodeLen])
	binary.LittleEndian.PutUint64(mbr[kernelSectorOff:], coreLBA)
	mbr[driveCheckOff], mbr[driveCheckOff+1] = 0x90, 0x90
	c := make([]byte, sectors*512)
	copy(c, core)
	binary.LittleEndian.PutUint64(c[blocklistOff:], coreLBA+1)
	binary.LittleEndian.PutUint16(c[blocklistOff+8:], uint16(sectors-1))
	binary.LittleEndian.PutUint16(c[blocklistOff+10:], kernelSeg)
	return c, nil
}

// Entry is one menu entry.
type Entry struct {
	ID, Title  string
	Multiboot2 bool   // Aramid: multiboot2 + module2
	Kernel     string // path on the ESP
	Initrd     string // path on the ESP; empty boots the kernel without one
	Cmdline    string
}

// Config renders grub.cfg: serial console, a short timeout, the entries.
func Config(entries []Entry, def string) string {
	var b strings.Builder
	b.WriteString("serial --unit=0 --speed=115200\nterminal_input serial console\nterminal_output serial console\n")
	fmt.Fprintf(&b, "set default=%s\nset timeout=1\n\n", def)
	for _, e := range entries {
		fmt.Fprintf(&b, "menuentry '%s' --id %s {\n", e.Title, e.ID)
		switch {
		case e.Multiboot2:
			fmt.Fprintf(&b, "\tmultiboot2 %s %s\n", e.Kernel, e.Cmdline)
			if e.Initrd != "" {
				fmt.Fprintf(&b, "\tmodule2 %s initramfs\n", e.Initrd)
			}
		default:
			fmt.Fprintf(&b, "\tlinux %s %s\n", e.Kernel, e.Cmdline)
			if e.Initrd != "" {
				fmt.Fprintf(&b, "\tinitrd %s\n", e.Initrd)
			}
		}
		b.WriteString("}\n")
	}
	return b.String()
}
