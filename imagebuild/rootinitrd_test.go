package imagebuild

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aramid/imagebuild/compress"
	"aramid/imagebuild/cpio"
	"aramid/imagebuild/disk"
	"aramid/imagebuild/recipe"
)

// fakeKernel lays out a kernel file with a Debian-style unpacked package
// beside it holding the named modules (paths under lib/modules/<rel>/kernel).
func fakeKernel(t *testing.T, release string, modules []string) string {
	t.Helper()
	dir := t.TempDir()
	k := filepath.Join(dir, "vmlinuz")
	if err := os.WriteFile(k, []byte("kernel"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, m := range modules {
		p := filepath.Join(dir, "pkg", "root", "lib", "modules", release, "kernel", m)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("module "+m), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

func TestKernelModules(t *testing.T) {
	tests := []struct {
		name    string
		modules []string
		want    int // modules found
	}{
		{"all", rootInitrdModules, len(rootInitrdModules)},
		{"one missing", rootInitrdModules[1:], 0},
		{"none", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := fakeKernel(t, "6.1.0-test", tt.modules)
			rel, files := kernelModules(k)
			if len(files) != tt.want {
				t.Fatalf("found %d modules (%v), want %d", len(files), files, tt.want)
			}
			if tt.want == 0 {
				return
			}
			if rel != "6.1.0-test" {
				t.Errorf("release %q", rel)
			}
			for i, f := range files {
				if !strings.HasSuffix(filepath.ToSlash(f), "/6.1.0-test/kernel/"+rootInitrdModules[i]) {
					t.Errorf("module %d: %s, want %s (load order)", i, f, rootInitrdModules[i])
				}
			}
		})
	}
}

// TestRootInitrd builds the root-finding initramfs twice for a fake kernel
// with modules: byte-identical; another epoch differs (control). The
// archive holds busybox, the modules under lib/modules/<release> and an
// /init that loads them in order.
func TestRootInitrd(t *testing.T) {
	if _, err := os.Stat(rootInitrdBusybox); err != nil {
		t.Skip("no /bin/busybox (make deps installs busybox-static)")
	}
	k := fakeKernel(t, "6.1.0-test", rootInitrdModules)
	a, note, err := rootInitrd(k, compress.Xz, compress.XzOptions{}, time.Unix(1000, 0))
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := rootInitrd(k, compress.Xz, compress.XzOptions{}, time.Unix(1000, 0))
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := rootInitrd(k, compress.Xz, compress.XzOptions{}, time.Unix(2000, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("two builds differ")
	}
	if bytes.Equal(a, c) {
		t.Error("control: another epoch gives the same archive")
	}
	if !strings.Contains(note, "virtio_blk.ko") {
		t.Errorf("note %q does not name the modules", note)
	}
	zr, err := compress.NewReader(bytes.NewReader(a), compress.Xz)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	cr := cpio.NewReader(zr)
	for {
		h, err := cr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(cr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = data
	}
	for _, want := range []string{"init", "bin/busybox", "dev/console", "root", "proc", "sys",
		"lib/modules/6.1.0-test/kernel/drivers/block/virtio_blk.ko"} {
		if _, ok := files[want]; !ok {
			t.Errorf("archive lacks %s", want)
		}
	}
	var order []string
	for _, m := range rootInitrdModules {
		order = append(order, "/lib/modules/6.1.0-test/kernel/"+m)
	}
	if init := string(files["init"]); !strings.Contains(init, "for m in "+strings.Join(order, " ")+"; do") ||
		strings.Contains(init, "%!") {
		t.Errorf("/init does not load the modules in order:\n%s", init)
	}
}

func TestDiskCmdline(t *testing.T) {
	tests := []struct {
		name, cmdline, init, want string
	}{
		{"init= given", "console=ttyS0 init=/usr/lib/systemd/systemd", "/usr/lib/systemd/systemd",
			"root=PARTUUID=@ rw rootwait console=ttyS0 init=/usr/lib/systemd/systemd"},
		{"rdinit only", "console=ttyS0 rdinit=/init", "/init", "root=PARTUUID=@ rw rootwait console=ttyS0 rdinit=/init init=/init"},
		{"no init", "console=ttyS0", "", "root=PARTUUID=@ rw rootwait console=ttyS0"},
		{"empty", "", "/sbin/x", "root=PARTUUID=@ rw rootwait init=/sbin/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recipe.Recipe{Seed: "s", Cmdline: tt.cmdline, Init: tt.init}
			got := DiskCmdline(r)
			want := strings.Replace(tt.want, "@", disk.RootPartUUID("s"), 1)
			if got != want {
				t.Errorf("got  %q\nwant %q", got, want)
			}
		})
	}
}
