package grub

import (
	"strings"
	"testing"
)

func TestConfig(t *testing.T) {
	cfg := Config([]Entry{
		{ID: "linux", Title: "Linux", Kernel: "/boot/vmlinuz", Initrd: "/boot/i.cpio.xz", Cmdline: "console=ttyS0"},
		{ID: "aramid", Title: "Aramid", Multiboot2: true, Kernel: "/boot/aramid.elf", Initrd: "/boot/i.cpio.xz",
			Cmdline: "console=ttyS0 aramid.selftest=1"},
	}, "aramid")
	for _, want := range []string{
		"set default=aramid\n",
		"menuentry 'Aramid' --id aramid {\n\tmultiboot2 /boot/aramid.elf console=ttyS0 aramid.selftest=1\n\tmodule2 /boot/i.cpio.xz initramfs\n}\n",
		"menuentry 'Linux' --id linux {\n\tlinux /boot/vmlinuz console=ttyS0\n\tinitrd /boot/i.cpio.xz\n}\n",
		"terminal_output serial console\n",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("grub.cfg lacks %q:\n%s", want, cfg)
		}
	}
}
