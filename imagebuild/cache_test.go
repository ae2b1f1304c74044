package imagebuild

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"aramid/imagebuild/recipe"
)

// TestWarmCacheReuse builds the busybox recipe three times with one cache:
// the second build reuses the disk image and the xz blocks and writes the
// same bytes; a damaged cached disk is not used (the third build makes it
// again, still the same bytes).
func TestWarmCacheReuse(t *testing.T) {
	if _, err := exec.LookPath("grub-mkimage"); err != nil {
		t.Skip("grub-mkimage not installed (make deps installs it)")
	}
	r, err := recipe.Load(filepath.Join(repoDir(t), "recipes"), "busybox")
	if err != nil {
		t.Fatal(err)
	}
	base := options(t, "", 1700000000)
	read := func(dir string) (initrd, disk []byte) {
		m, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range m {
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			switch e.Name() {
			case DiskName:
				disk = b
			case ManifestName:
			default:
				initrd = b
			}
		}
		return initrd, disk
	}
	var logs bytes.Buffer
	build := func() (initrd, disk []byte) {
		logs.Reset()
		o := base
		o.Log = slog.New(slog.NewTextHandler(&logs, nil))
		o.OutDir = filepath.Join(t.TempDir(), "out")
		o.Formats = []string{"initramfs", "disk"}
		if _, err := Build(context.Background(), r, o); err != nil {
			t.Fatal(err)
		}
		return read(o.OutDir)
	}
	i1, d1 := build()
	cached, _ := filepath.Glob(filepath.Join(base.CacheDir, "disks", "????????????????????????????????????????????????????????????????"))
	if len(cached) != 1 || len(d1) == 0 || len(i1) == 0 {
		t.Fatalf("after a cold build: cached disks %v, outputs %d/%d bytes", cached, len(i1), len(d1))
	}
	i2, d2 := build()
	if !bytes.Equal(i1, i2) || !bytes.Equal(d1, d2) {
		t.Error("warm build differs from the cold one")
	}
	if !strings.Contains(logs.String(), "disk: reused from the cache") || !strings.Contains(logs.String(), "xz_blocks_compressed=0") {
		t.Errorf("warm build did not reuse the disk and every xz block:\n%s", logs.String())
	}
	f, err := os.OpenFile(cached[0], os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("damage"), 4096)
	f.Close()
	if i3, d3 := build(); !bytes.Equal(i1, i3) || !bytes.Equal(d1, d3) {
		t.Error("build with a damaged cached disk differs from the cold one")
	}
	if strings.Contains(logs.String(), "disk: reused from the cache") {
		t.Error("a damaged cached disk was used")
	}
}
