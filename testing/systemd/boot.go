package systemd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"aramid/testing/qemu"
)

// Firmware selects how a disk image boots.
type Firmware string

// Firmware kinds.
const (
	UEFI Firmware = "uefi" // OVMF
	BIOS Firmware = "bios" // SeaBIOS, QEMU's default
)

// OVMF code image shipped by Debian's ovmf package.
var ovmfPaths = []string{"/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/ovmf/OVMF.fd"}

// OVMF returns the path of the OVMF firmware, or an error naming the package.
func OVMF() (string, error) {
	for _, p := range ovmfPaths {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("OVMF firmware not found (make deps installs the ovmf package)")
}

// Virtio selects the virtio-blk PCI device a disk is attached by.
type Virtio string

// Virtio-blk kinds: QEMU's default transitional device (both interfaces),
// a modern-only (virtio 1.x, disable-legacy=on) and a legacy-only (virtio
// 0.9.5, disable-modern=on) one.
const (
	VirtioDefault Virtio = ""
	VirtioModern  Virtio = "modern"
	VirtioLegacy  Virtio = "legacy"
	// VirtioNVMe is no virtio device: the disk is QEMU's NVMe controller's
	// namespace 1 (nvme0n1).
	VirtioNVMe Virtio = "nvme"
)

// Boot describes one systemd boot.
type Boot struct {
	Kernel   string // -kernel; empty for a disk boot through firmware
	Initrd   string
	Cmdline  string
	Disk     string // raw disk image: booted through firmware when Kernel is empty, else attached beside -kernel
	Firmware Firmware
	Virtio   Virtio
	// Writable lets the boot write to Disk itself; otherwise it runs on a
	// private copy-on-write overlay (snapshot=on) and Disk is never
	// modified.
	Writable bool
	Memory   string
	Timeout  time.Duration
	LogFile  string
}

// Config renders the QEMU configuration for b.
func (b Boot) Config() (qemu.Config, error) {
	c := qemu.Config{Kernel: b.Kernel, Initrd: b.Initrd, Append: b.Cmdline, Memory: b.Memory,
		Timeout: b.Timeout, LogFile: b.LogFile, NoDebugExit: true}
	if c.Memory == "" {
		c.Memory = "512M"
	}
	if c.Timeout == 0 {
		c.Timeout = 150 * time.Second
	}
	if b.Kernel == "" && b.Disk == "" {
		return c, errors.New("systemd: boot needs a kernel or a disk")
	}
	if b.Disk != "" {
		snap := ",snapshot=on"
		if b.Writable {
			snap = ""
		}
		switch b.Virtio {
		case VirtioDefault:
			c.Args = append(c.Args, "-drive", "file="+b.Disk+",format=raw,if=virtio"+snap)
		case VirtioModern, VirtioLegacy:
			dev := "virtio-blk-pci,drive=root,disable-legacy=on"
			if b.Virtio == VirtioLegacy {
				dev = "virtio-blk-pci,drive=root,disable-modern=on"
			}
			c.Args = append(c.Args, "-drive", "file="+b.Disk+",format=raw,if=none,id=root"+snap, "-device", dev)
		case VirtioNVMe:
			c.Args = append(c.Args, "-drive", "file="+b.Disk+",format=raw,if=none,id=root"+snap, "-device", "nvme,serial=aramid0,drive=root")
		default:
			return c, fmt.Errorf("systemd: unknown virtio-blk kind %q", b.Virtio)
		}
	}
	if b.Kernel == "" {
		c.Initrd, c.Append = "", ""
		switch b.Firmware {
		case UEFI:
			fw, err := OVMF()
			if err != nil {
				return c, err
			}
			c.Args = append(c.Args, "-drive", "if=pflash,format=raw,readonly=on,file="+fw)
		case BIOS, "":
		default:
			return c, fmt.Errorf("systemd: unknown firmware %q", b.Firmware)
		}
	}
	return c, nil
}

// Run boots b and judges it with exp, typing the shell checks into the
// serial console (see Judge).
func Run(ctx context.Context, b Boot, exp Expect) (*Judge, *qemu.Result, error) {
	c, err := b.Config()
	if err != nil {
		return nil, nil, err
	}
	c.Input = qemu.NewInput()
	j := NewJudge(exp, c.Input)
	res, err := qemu.Run(ctx, c, j.Observe)
	if res != nil {
		j.PoweredOff(!res.Stopped && !res.TimedOut && res.ExitCode == 0)
	}
	return j, res, err
}
