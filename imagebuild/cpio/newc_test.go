package cpio

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cg "github.com/cavaliergopher/cpio"

	"aramid/imagebuild/tree"
)

func sampleTree(t testing.TB, withDevices bool) *tree.Tree {
	t.Helper()
	tr := tree.New()
	add := func(e tree.Entry) {
		if err := tr.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	add(tree.Entry{Path: "/usr/bin/prog", Type: tree.Regular, Mode: 0o755, Data: []byte("program bytes\n")})
	add(tree.Entry{Path: "/usr/bin/prog-alias", Type: tree.Hardlink, Target: "/usr/bin/prog"})
	add(tree.Entry{Path: "/bin", Type: tree.Symlink, Mode: 0o777, Target: "usr/bin"})
	add(tree.Entry{Path: "/etc/empty", Type: tree.Regular, Mode: 0o600, UID: 1000, GID: 100})
	add(tree.Entry{Path: "/run", Type: tree.Dir, Mode: 0o755})
	if withDevices {
		add(tree.Entry{Path: "/dev/console", Type: tree.CharDev, Mode: 0o600, Major: 5, Minor: 1})
		add(tree.Entry{Path: "/dev/sda", Type: tree.BlockDev, Mode: 0o660, Major: 8, Minor: 0})
		add(tree.Entry{Path: "/dev/big", Type: tree.CharDev, Mode: 0o600, Major: 300, Minor: 70000})
	}
	return tr
}

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	epoch := time.Unix(1700000000, 0)
	if err := WriteTree(&buf, sampleTree(t, true), epoch); err != nil {
		t.Fatal(err)
	}
	r := NewReader(bytes.NewReader(buf.Bytes()))
	got := map[string]*Header{}
	bodies := map[string]string{}
	for {
		h, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		got[h.Name], bodies[h.Name] = h, string(b)
		if h.Mtime != epoch.Unix() {
			t.Errorf("%s: mtime %d", h.Name, h.Mtime)
		}
	}
	tests := []struct {
		name       string
		mode       uint64
		body       string
		rmaj, rmin uint64
		nlink      uint64
	}{
		{"dev/console", TypeChar | 0o600, "", 5, 1, 1},
		{"dev/sda", TypeBlock | 0o660, "", 8, 0, 1},
		{"dev/big", TypeChar | 0o600, "", 300, 70000, 1},
		{"bin", TypeSymlink | 0o777, "usr/bin", 0, 0, 1},
		{"usr/bin/prog", TypeReg | 0o755, "", 0, 0, 2},
		{"usr/bin/prog-alias", TypeReg | 0o755, "program bytes\n", 0, 0, 2},
		{"etc/empty", TypeReg | 0o600, "", 0, 0, 1},
	}
	for _, tt := range tests {
		h, ok := got[tt.name]
		if !ok {
			t.Errorf("%s missing", tt.name)
			continue
		}
		if h.Mode != tt.mode || bodies[tt.name] != tt.body || h.RdevMajor != tt.rmaj || h.RdevMinor != tt.rmin || h.Nlink != tt.nlink {
			t.Errorf("%s: mode %o body %q rdev %d:%d nlink %d; want %o %q %d:%d %d", tt.name, h.Mode,
				bodies[tt.name], h.RdevMajor, h.RdevMinor, h.Nlink, tt.mode, tt.body, tt.rmaj, tt.rmin, tt.nlink)
		}
	}
	if got["usr/bin/prog"].Ino != got["usr/bin/prog-alias"].Ino {
		t.Error("hard links do not share an inode number")
	}
	if got["etc/empty"].UID != 1000 || got["etc/empty"].GID != 100 {
		t.Errorf("owner not kept: %d:%d", got["etc/empty"].UID, got["etc/empty"].GID)
	}
}

// TestCavaliergopherReads reads our archive with the project's chosen cpio
// dependency: names, types, sizes and link targets must agree.
func TestCavaliergopherReads(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTree(&buf, sampleTree(t, true), time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	r := cg.NewReader(&buf)
	n := 0
	for {
		h, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if h.Name == "bin" {
			// cavaliergopher's reader moves a symlink's body into Linkname.
			if h.Mode&cg.ModeType != cg.TypeSymlink || h.Linkname != "usr/bin" {
				t.Errorf("bin: mode %o link %q", h.Mode, h.Linkname)
			}
		}
		if h.Name == "dev/console" && h.Mode&cg.ModeType != cg.TypeChar {
			t.Errorf("dev/console mode %o", h.Mode)
		}
	}
	if n != 12 {
		t.Errorf("cavaliergopher read %d records, want 12", n)
	}
}

// TestGNUCpioList checks `cpio -itvn` (GNU cpio) lists device numbers,
// symlink targets and link counts as written.
func TestGNUCpioList(t *testing.T) {
	if _, err := exec.LookPath("cpio"); err != nil {
		t.Skip("GNU cpio not installed (make deps installs it)")
	}
	var buf bytes.Buffer
	if err := WriteTree(&buf, sampleTree(t, true), time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("cpio", "-itvn", "--quiet")
	cmd.Stdin = &buf
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cpio -itvn: %v\n%s", err, out)
	}
	lines := map[string][]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l)
		name := f[len(f)-1]
		if len(f) > 2 && f[len(f)-2] == "->" {
			name = f[len(f)-3]
		}
		lines[name] = f
	}
	tests := []struct {
		name  string
		check func(f []string) bool
	}{
		{"dev/console", func(f []string) bool { return f[0] == "crw-------" && f[4] == "5," && f[5] == "1" }},
		{"dev/sda", func(f []string) bool { return f[0] == "brw-rw----" && f[4] == "8," && f[5] == "0" }},
		{"dev/big", func(f []string) bool { return f[4] == "300," && f[5] == "70000" }},
		{"bin", func(f []string) bool { return f[0] == "lrwxrwxrwx" && f[len(f)-1] == "usr/bin" }},
		{"usr/bin/prog", func(f []string) bool { return f[0] == "-rwxr-xr-x" && f[1] == "2" }},
		{"usr/bin/prog-alias", func(f []string) bool { return f[1] == "2" && f[4] == "14" }},
		{"etc/empty", func(f []string) bool { return f[2] == "1000" && f[3] == "100" }},
	}
	for _, tt := range tests {
		f, ok := lines[tt.name]
		if !ok || !tt.check(f) {
			t.Errorf("%s: cpio lists %q", tt.name, f)
		}
	}
}

// TestGNUCpioExtract extracts with GNU cpio and checks the hard link really
// is one inode with the data.
func TestGNUCpioExtract(t *testing.T) {
	if _, err := exec.LookPath("cpio"); err != nil {
		t.Skip("GNU cpio not installed (make deps installs it)")
	}
	var buf bytes.Buffer
	if err := WriteTree(&buf, sampleTree(t, false), time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command("cpio", "-idm", "--quiet", "--no-absolute-filenames")
	cmd.Dir, cmd.Stdin = dir, &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cpio -idm: %v\n%s", err, out)
	}
	a, err := os.Stat(filepath.Join(dir, "usr/bin/prog"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.Stat(filepath.Join(dir, "usr/bin/prog-alias"))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(a, b) {
		t.Error("extracted hard link is not the same file")
	}
	data, _ := os.ReadFile(filepath.Join(dir, "usr/bin/prog"))
	if string(data) != "program bytes\n" {
		t.Errorf("data = %q", data)
	}
	if l, err := os.Readlink(filepath.Join(dir, "bin")); err != nil || l != "usr/bin" {
		t.Errorf("symlink = %q, %v", l, err)
	}
}

func TestWriterErrors(t *testing.T) {
	tests := []struct {
		name string
		run  func(w *Writer) error
		want error
	}{
		{"field overflow", func(w *Writer) error {
			return w.WriteHeader(&Header{Name: "x", UID: 1 << 32})
		}, ErrFieldRange},
		{"body too long", func(w *Writer) error {
			w.WriteHeader(&Header{Name: "x", Size: 1})
			_, err := w.Write([]byte("ab"))
			return err
		}, ErrWriteSize},
		{"body too short at close", func(w *Writer) error {
			w.WriteHeader(&Header{Name: "x", Size: 3})
			w.Write([]byte("a"))
			return w.Close()
		}, ErrWriteSize},
		{"write after close", func(w *Writer) error {
			w.Close()
			return w.WriteHeader(&Header{Name: "x"})
		}, ErrClosed},
	}
	for _, tt := range tests {
		if err := tt.run(NewWriter(io.Discard)); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestReproducible: without a fixed mtime the bytes differ (control); with
// the same mtime they match.
func TestReproducible(t *testing.T) {
	build := func(mt time.Time) []byte {
		var b bytes.Buffer
		if err := WriteTree(&b, sampleTree(t, true), mt); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	if bytes.Equal(build(time.Unix(1, 0)), build(time.Unix(2, 0))) {
		t.Fatal("control: archives with different mtimes are identical, mtime is not written")
	}
	if !bytes.Equal(build(time.Unix(5, 0)), build(time.Unix(5, 0))) {
		t.Fatal("same input gives different archives")
	}
}

func FuzzReader(f *testing.F) {
	var buf bytes.Buffer
	WriteTree(&buf, sampleTree(f, true), time.Unix(0, 0))
	f.Add(buf.Bytes())
	f.Add([]byte("070701"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data))
		for i := 0; i < 1000; i++ {
			h, err := r.Next()
			if err != nil {
				return
			}
			n, err := io.Copy(io.Discard, r)
			if err == nil && n != h.Size {
				t.Fatalf("read %d bytes of a %d-byte body without error", n, h.Size)
			}
		}
	})
}
