package grub

import (
	"strings"
	"testing"
)

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		entries []Entry
		def     string
		want    []string
		not     []string
	}{
		{
			name: "initrd",
			entries: []Entry{
				{ID: "linux", Title: "Linux", Kernel: "/boot/vmlinuz", Initrd: "/boot/i.cpio.xz", Cmdline: "console=ttyS0"},
				{ID: "aramid", Title: "Aramid", Multiboot2: true, Kernel: "/boot/aramid.elf", Initrd: "/boot/i.cpio.xz",
					Cmdline: "console=ttyS0 aramid.selftest=1"},
			},
			def: "aramid",
			want: []string{
				"set default=aramid\n",
				"menuentry 'Aramid' --id aramid {\n\tmultiboot2 /boot/aramid.elf console=ttyS0 aramid.selftest=1\n\tmodule2 /boot/i.cpio.xz initramfs\n}\n",
				"menuentry 'Linux' --id linux {\n\tlinux /boot/vmlinuz console=ttyS0\n\tinitrd /boot/i.cpio.xz\n}\n",
				"terminal_output serial console\n",
			},
		},
		{
			name: "no initrd",
			entries: []Entry{
				{ID: "aramid", Title: "Aramid", Multiboot2: true, Kernel: "/boot/aramid.elf", Cmdline: "root=PARTUUID=x rw"},
				{ID: "linux", Title: "Linux", Kernel: "/boot/vmlinuz", Cmdline: "root=/dev/vda3"},
			},
			def: "linux",
			want: []string{
				"set default=linux\n",
				"menuentry 'Aramid' --id aramid {\n\tmultiboot2 /boot/aramid.elf root=PARTUUID=x rw\n}\n",
				"menuentry 'Linux' --id linux {\n\tlinux /boot/vmlinuz root=/dev/vda3\n}\n",
			},
			not: []string{"module2", "initrd"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config(tt.entries, tt.def)
			for _, want := range tt.want {
				if !strings.Contains(cfg, want) {
					t.Errorf("grub.cfg lacks %q:\n%s", want, cfg)
				}
			}
			for _, not := range tt.not {
				if strings.Contains(cfg, not) {
					t.Errorf("grub.cfg has %q:\n%s", not, cfg)
				}
			}
		})
	}
}
