package imagebuild

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"aramid/imagebuild/compress"
	"aramid/imagebuild/disk"
	"aramid/imagebuild/disk/grub"
	"aramid/imagebuild/recipe"
)

// RootInitrdName is the file on the ESP holding the Linux entry's
// root-finding initramfs (see rootInitrd), before the compression's
// extension.
const RootInitrdName = "/boot/root-initramfs.cpio"

// DiskCmdline is the kernel command line of a disk's GRUB entries before
// any per-kernel additions: the root partition by its PARTUUID (derived
// from the recipe's seed), read-write, waited for, then the recipe's own
// command line (a root=, ro or rw of its own comes later and wins), and
// init=<the recipe's init> when that command line names none (rdinit=
// has no initramfs to name on the disk).
func DiskCmdline(r *recipe.Recipe) string {
	c := "root=PARTUUID=" + disk.RootPartUUID(r.Seed) + " rw rootwait"
	if r.Cmdline != "" {
		c += " " + r.Cmdline
	}
	hasInit := false
	for _, f := range strings.Fields(r.Cmdline) {
		hasInit = hasInit || strings.HasPrefix(f, "init=")
	}
	if !hasInit && r.Init != "" {
		c += " init=" + r.Init
	}
	return c
}

// writeDisk writes the GPT disk: the tree on the ext4 root partition, and
// on the ESP GRUB and the kernels given in Options. Both entries boot from
// the ext4 root (DiskCmdline): Aramid mounts it itself, with no initramfs;
// the Linux entry gets the small initramfs rootInitrd makes from the
// modules beside its kernel, which mounts the root and switches to it.
func writeDisk(ctx context.Context, file string, r *recipe.Recipe, img *Image, o Options, m compress.Method) error {
	s := disk.Spec{Seed: r.Seed, Epoch: o.Epoch, Tree: img.Tree}
	cmdline := DiskCmdline(r)
	def := o.BootDefault
	if o.Linux != "" {
		data, err := os.ReadFile(o.Linux)
		if err != nil {
			return fmt.Errorf("imagebuild: linux kernel: %w", err)
		}
		var xo compress.XzOptions
		if o.CacheDir != "" {
			xo.CacheDir = filepath.Join(o.CacheDir, "blocks")
		}
		initrd, note, err := rootInitrd(o.Linux, m, xo, o.Epoch)
		if err != nil {
			return err
		}
		initrdPath := RootInitrdName + m.Ext()
		s.Files = append(s.Files, disk.ESPFile{Path: "/boot/vmlinuz", Data: data}, disk.ESPFile{Path: initrdPath, Data: initrd})
		s.Entries = append(s.Entries, grub.Entry{ID: "linux", Title: "Linux reference kernel (" + r.Name + ")",
			Kernel: "/boot/vmlinuz", Initrd: initrdPath, Cmdline: cmdline})
		img.Sources["linux-kernel"] = fmt.Sprintf("%s (sha256 %s)", o.Linux, sum(data))
		img.Sources["linux-root-initramfs"] = fmt.Sprintf("%s%s on the ESP: %s", RootInitrdName, m.Ext(), note)
	}
	if o.Aramid != "" {
		data, err := os.ReadFile(o.Aramid)
		if err != nil {
			return fmt.Errorf("imagebuild: aramid kernel: %w", err)
		}
		s.Files = append(s.Files, disk.ESPFile{Path: "/boot/aramid.elf", Data: data})
		s.Entries = append(s.Entries, grub.Entry{ID: "aramid", Title: "Aramid (" + r.Name + ")", Multiboot2: true,
			Kernel: "/boot/aramid.elf", Cmdline: strings.TrimSpace(cmdline + " " + o.AramidAppend)})
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
	var cached string
	if o.CacheDir != "" {
		key, err := diskKey(s, img, v)
		if err != nil {
			return err
		}
		cached = filepath.Join(o.CacheDir, "disks", key)
		if copyVerified(cached, file) == nil {
			o.log().Info("disk: reused from the cache (same tree, kernels, GRUB and mkimage)", "key", key[:16])
			return nil
		}
	}
	if _, err := disk.Write(ctx, file, s); err != nil {
		return err
	}
	if cached != "" {
		storeVerified(file, cached)
	}
	return nil
}

// diskKey is the content address of a disk image: everything disk.Write
// reads (the tree's rows, the ESP files, the GRUB entries and default, the
// seed and epoch), the GRUB version and the mkimage executable itself, so a
// change of code never reuses an old image.
func diskKey(s disk.Spec, img *Image, grubVersion string) (string, error) {
	exe, err := executableSHA256()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "disk v2\x00%s\x00%s\x00%s\x00%d\x00%s\x00%d\x00", exe, grubVersion, s.Seed, s.Epoch.Unix(), s.Default, s.RootSize)
	for _, f := range s.Files {
		fmt.Fprintf(h, "esp %s %s\x00", f.Path, sum(f.Data))
	}
	for _, e := range s.Entries {
		fmt.Fprintf(h, "entry %q\x00", fmt.Sprintf("%+v", e))
	}
	if err := json.NewEncoder(h).Encode(img.Tree.Rows()); err != nil {
		return "", fmt.Errorf("imagebuild: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

var exeSum struct {
	once sync.Once
	sum  string
	err  error
}

// executableSHA256 is the sha256 of the running program.
func executableSHA256() (string, error) {
	exeSum.once.Do(func() {
		p, err := os.Executable()
		if err == nil {
			exeSum.sum, err = fileSum(p)
		}
		exeSum.err = err
	})
	if exeSum.err != nil {
		return "", fmt.Errorf("imagebuild: %w", exeSum.err)
	}
	return exeSum.sum, nil
}

func fileSum(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// storeVerified copies file into the cache as dst, with dst.sha256 beside
// it. Best effort: a cache that cannot be written only costs speed.
func storeVerified(file, dst string) {
	sumHex, err := fileSum(file)
	if err != nil || os.MkdirAll(filepath.Dir(dst), 0o755) != nil {
		return
	}
	tmp := dst + ".tmp"
	if copyFile(file, tmp) != nil {
		os.Remove(tmp)
		return
	}
	if os.WriteFile(dst+".sha256", []byte(sumHex), 0o644) == nil {
		os.Rename(tmp, dst)
	}
}

// copyVerified copies a cached file to dst if its sha256 is the one
// recorded beside it.
func copyVerified(cached, dst string) error {
	want, err := os.ReadFile(cached + ".sha256")
	if err != nil {
		return err
	}
	if err := copyFile(cached, dst); err != nil {
		return err
	}
	if got, err := fileSum(dst); err != nil || got != string(want) {
		os.Remove(dst)
		return fmt.Errorf("imagebuild: cached %s is damaged", cached)
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
