package imagebuild

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aramid/imagebuild/recipe"
	"aramid/imagebuild/tree"
)

func repoDir(t *testing.T) string {
	d, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func options(t *testing.T, out string, epoch int64) Options {
	repo := repoDir(t)
	kernel := filepath.Join(t.TempDir(), "vmlinuz")
	os.WriteFile(kernel, []byte("not really a kernel"), 0o644)
	return Options{RepoDir: repo, OutDir: out, CacheDir: filepath.Join(t.TempDir(), "cache"),
		Epoch: time.Unix(epoch, 0), EpochFrom: "test", Linux: kernel}
}

// TestReproducible builds systemd-v245 twice, in two directories at two
// different wall-clock seconds: the images must be byte-identical. A build
// with another SOURCE_DATE_EPOCH must differ (control).
func TestReproducible(t *testing.T) {
	for _, tool := range []string{"grub-mkimage", "ldd"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make deps installs it)", tool)
		}
	}
	if testing.Short() {
		t.Skip("slow: three full builds")
	}
	r, err := recipe.Load(filepath.Join(repoDir(t), "recipes"), "systemd-v245")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	build := func(dir string, epoch int64) *tree.Manifest {
		m, err := Build(ctx, r, options(t, dir, epoch))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	tmp := t.TempDir()
	a := build(filepath.Join(tmp, "a"), 1700000000)
	for start := time.Now().Unix(); time.Now().Unix() == start; {
		time.Sleep(20 * time.Millisecond) // let the wall clock move on: the build must not see it
	}
	b := build(filepath.Join(tmp, "elsewhere", "b"), 1700000000)
	for _, k := range []string{"initramfs", "disk"} {
		if a.Outputs[k].SHA256 != b.Outputs[k].SHA256 || a.Outputs[k].SHA256 == "" {
			t.Errorf("%s: %s vs %s", k, a.Outputs[k].SHA256, b.Outputs[k].SHA256)
		}
		t.Logf("%s sha256 %s", k, a.Outputs[k].SHA256)
	}
	c := build(filepath.Join(tmp, "c"), 1700000001)
	if a.Outputs["initramfs"].SHA256 == c.Outputs["initramfs"].SHA256 || a.Outputs["disk"].SHA256 == c.Outputs["disk"].SHA256 {
		t.Error("control: another SOURCE_DATE_EPOCH gives the same images")
	}
	// mkimage inspect lists what the manifest says, from the initramfs and
	// from the disk's ext4 root (a filesystem has no primary name for hard
	// links: both sides name the first one in path order).
	want := tree.CanonicalHardlinks(a.Files)
	for i := range want {
		want[i].Origin = ""
	}
	for _, img := range []string{"initramfs.cpio.xz", DiskName} {
		rows, err := Inspect(filepath.Join(tmp, "a", img))
		if err != nil {
			t.Fatal(err)
		}
		rows = tree.CanonicalHardlinks(rows)
		if len(rows) != len(want) {
			t.Errorf("inspect %s: %d rows, manifest %d", img, len(rows), len(want))
		}
		for i := 0; i < min(len(rows), len(want)); i++ {
			if rows[i] != want[i] {
				t.Errorf("inspect %s: row %d:\n got %+v\nwant %+v", img, i, rows[i], want[i])
				break
			}
		}
	}
	dc, ok, err := InspectDisk(filepath.Join(tmp, "a", DiskName))
	if err != nil || !ok {
		t.Fatalf("InspectDisk: ok=%v err=%v", ok, err)
	}
	var types []string
	for _, p := range dc.Partitions {
		types = append(types, p.Name+"="+p.TypeName)
	}
	if got := strings.Join(types, " "); got != "bios-boot=BIOS boot esp=EFI system root=Linux root (x86-64)" {
		t.Errorf("partitions: %s", got)
	}
	esp := map[string]tree.File{}
	for _, f := range dc.ESP {
		esp[f.Path] = f
	}
	// The disk boots from its ext4 root: the recipe's initramfs is not on
	// the ESP, the Linux entry's root-finding one is.
	if _, ok := esp["/boot/initramfs.cpio.xz"]; ok {
		t.Error("ESP holds the recipe's initramfs: the disk's entries boot from the ext4 root")
	}
	for _, p := range []string{"/EFI/BOOT/BOOTX64.EFI", "/boot/grub/grub.cfg", "/boot/vmlinuz", RootInitrdName + ".xz"} {
		if esp[p].Size == 0 {
			t.Errorf("ESP: %s missing or empty", p)
		}
	}
}

func TestBadInput(t *testing.T) {
	base := `name: bad
seed: s
outputs: [initramfs]
`
	tests := []struct {
		name, extra, want string
	}{
		{"missing host file", "harvest:\n  binaries: [/usr/bin/no-such-program]\n", "no such file"},
		{"non-ELF binary", "harvest:\n  binaries: [/etc/passwd]\n", "not an ELF file"},
		{"compile error", "compile:\n  - {source: go.mod, output: /x, toolchain: gcc}\n", "compile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := recipe.LoadFile("recipes/bad.yaml", []byte(base+tt.extra))
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "out")
			_, err = Build(context.Background(), r, options(t, out, 0))
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line with %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), "bad.yaml:") {
				t.Errorf("error does not name the recipe file and line: %v", err)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("output directory left behind: %v", err)
			}
		})
	}
	t.Run("output is a file", func(t *testing.T) {
		r, _ := recipe.LoadFile("recipes/bad.yaml", []byte(base))
		f := filepath.Join(t.TempDir(), "file")
		os.WriteFile(f, []byte("x"), 0o644)
		if _, err := Build(context.Background(), r, options(t, f, 0)); err == nil || !strings.Contains(err.Error(), "is a file") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("boot default without its kernel", func(t *testing.T) {
		r, _ := recipe.LoadFile("recipes/bad.yaml", []byte(base))
		out := filepath.Join(t.TempDir(), "out")
		o := options(t, out, 0)
		o.Formats, o.BootDefault = []string{"disk"}, "aramid"
		if _, err := Build(context.Background(), r, o); err == nil || !strings.Contains(err.Error(), "no Aramid kernel") {
			t.Errorf("err = %v", err)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("output directory left behind: %v", err)
		}
	})
	t.Run("existing directory keeps no partial output", func(t *testing.T) {
		r, _ := recipe.LoadFile("recipes/bad.yaml", []byte(base+"harvest:\n  binaries: [/etc/passwd]\n"))
		out := t.TempDir()
		Build(context.Background(), r, options(t, out, 0))
		if ents, _ := os.ReadDir(out); len(ents) != 0 {
			t.Errorf("left behind: %v", ents)
		}
	})
}

// TestBuildValidates: Build validates the recipe against the outputs it is
// asked to write before it creates anything, even for a recipe that was
// decoded but never validated; the same recipe builds once the output that
// cannot hold it is not asked for (control).
func TestBuildValidates(t *testing.T) {
	src := `name: lim
seed: s
cmdline: console=ttyS0 $x
outputs: [initramfs]
files:
  - {path: /dev/x, device: {kind: char, major: 1, minor: 99999999}}
`
	tests := []struct {
		name    string
		src     string
		formats []string
		want    string
	}{
		{"device out of range", src, nil, "lim.yaml:6: files[0].device.minor: 99999999 does not fit"},
		{"disk asked for, GRUB cannot carry the cmdline", strings.Replace(src, "99999999", "3", 1), []string{"disk"}, "lim.yaml:3: cmdline:"},
		{"control: initramfs only", strings.Replace(src, "99999999", "3", 1), []string{"initramfs"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := recipe.Decode("recipes/lim.yaml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "out")
			o := options(t, out, 0)
			o.Formats = tt.formats
			_, err = Build(context.Background(), r, o)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := os.Stat(filepath.Join(out, "initramfs.cpio.xz")); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line with %q", err, tt.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a recipe that fails validation left %s: %v", out, err)
			}
		})
	}
}
