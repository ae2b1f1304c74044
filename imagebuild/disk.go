package imagebuild

import (
	"context"
	"fmt"
	"os"
	"strings"

	"aramid/imagebuild/compress"
	"aramid/imagebuild/disk"
	"aramid/imagebuild/disk/grub"
	"aramid/imagebuild/recipe"
)

// writeDisk writes the GPT disk: the tree on ext4, and on the ESP GRUB, the
// kernels given in Options and the same initramfs the initramfs output holds.
func writeDisk(ctx context.Context, file string, r *recipe.Recipe, img *Image, o Options, m compress.Method, initrd []byte) error {
	initrdPath := "/boot/" + InitramfsBase + m.Ext()
	s := disk.Spec{Seed: r.Seed, Epoch: o.Epoch, Tree: img.Tree,
		Files: []disk.ESPFile{{Path: initrdPath, Data: initrd}}}
	def := o.BootDefault
	if o.Linux != "" {
		data, err := os.ReadFile(o.Linux)
		if err != nil {
			return fmt.Errorf("imagebuild: linux kernel: %w", err)
		}
		s.Files = append(s.Files, disk.ESPFile{Path: "/boot/vmlinuz", Data: data})
		s.Entries = append(s.Entries, grub.Entry{ID: "linux", Title: "Linux reference kernel (" + r.Name + ")",
			Kernel: "/boot/vmlinuz", Initrd: initrdPath, Cmdline: r.Cmdline})
		img.Sources["linux-kernel"] = fmt.Sprintf("%s (sha256 %s)", o.Linux, sum(data))
	}
	if o.Aramid != "" {
		data, err := os.ReadFile(o.Aramid)
		if err != nil {
			return fmt.Errorf("imagebuild: aramid kernel: %w", err)
		}
		s.Files = append(s.Files, disk.ESPFile{Path: "/boot/aramid.elf", Data: data})
		s.Entries = append(s.Entries, grub.Entry{ID: "aramid", Title: "Aramid (" + r.Name + ")", Multiboot2: true,
			Kernel: "/boot/aramid.elf", Initrd: initrdPath, Cmdline: strings.TrimSpace(r.Cmdline + " " + o.AramidAppend)})
		img.Sources["aramid-kernel"] = fmt.Sprintf("%s (sha256 %s)", o.Aramid, sum(data))
	}
	if len(s.Entries) == 0 {
		return fmt.Errorf("imagebuild: disk: no kernel to boot (give --linux or --aramid, or run make linux-ref)")
	}
	// The menu lists the reference kernel first: a disk boots Aramid only
	// when asked to (Options.BootDefault, mkimage --boot-default aramid).
	switch {
	case def == "":
		def = s.Entries[0].ID
	case def == "aramid" && o.Aramid == "":
		return fmt.Errorf("imagebuild: disk: boot default aramid, but no Aramid kernel given (--aramid FILE, or make kernel)")
	case def == "linux" && o.Linux == "":
		return fmt.Errorf("imagebuild: disk: boot default linux, but no Linux kernel given (--linux FILE, or make linux-ref)")
	case def != "aramid" && def != "linux":
		return fmt.Errorf("imagebuild: disk: unknown boot default %q (want linux or aramid)", def)
	}
	s.Default = def
	v, err := grub.Version(ctx)
	if err != nil {
		return err
	}
	img.Toolchain["grub"] = v
	if _, err := disk.Write(ctx, file, s); err != nil {
		return err
	}
	return nil
}
