package systemdsrc

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// libDir is where Debian's 252 installs libsystemd-shared.
const libDir = "/usr/lib/x86_64-linux-gnu/systemd"

func TestSetRunpath(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "m.c")
	os.WriteFile(src, []byte("int main(void){return 0;}\n"), 0o644)
	bin := filepath.Join(dir, "m")
	// Like meson's build RUNPATH: the build directory, padded.
	if out, err := exec.Command("gcc", "-o", bin, src, "-Wl,--enable-new-dtags,-rpath,$ORIGIN/src/shared:XXXXXXXXXXXXXXXXXXXXXXXXX").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	data, _ := os.ReadFile(bin)
	got, err := SetRunpath(data, libDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(data) {
		t.Fatalf("size changed: %d -> %d", len(data), len(got))
	}
	f, err := elf.NewFile(bytes.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	rp, _ := f.DynString(elf.DT_RUNPATH)
	if len(rp) != 1 || rp[0] != libDir {
		t.Errorf("RUNPATH = %q, want %q", rp, libDir)
	}
	if _, err := SetRunpath(data, strings.Repeat("/x", 100)); !errors.Is(err, ErrNoRoom) {
		t.Errorf("long RUNPATH: err = %v, want ErrNoRoom", err)
	}
	if _, err := SetRunpath([]byte("not elf"), libDir); err == nil {
		t.Error("non-ELF: no error")
	}
}

func tarball(t *testing.T, names ...string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, n := range names {
		tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: 1, Typeflag: tar.TypeReg})
		tw.Write([]byte("x"))
	}
	tw.Close()
	zw.Close()
	p := filepath.Join(t.TempDir(), "src.tar.gz")
	os.WriteFile(p, b.Bytes(), 0o644)
	return p
}

func TestExtract(t *testing.T) {
	dir := t.TempDir()
	if err := extract(tarball(t, "systemd-252/meson.build", "systemd-252/src/a.c"), dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "src/a.c")); err != nil {
		t.Errorf("top directory not stripped: %v", err)
	}
	if err := extract(tarball(t, "systemd-252/../../evil"), t.TempDir()); err == nil || !strings.Contains(err.Error(), "escapes") {
		t.Errorf("escaping entry: err = %v", err)
	}
}
