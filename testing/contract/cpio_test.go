package contract

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

func TestCPIOHeaderLayout(t *testing.T) {
	var buf bytes.Buffer
	w := NewCPIOWriter(&buf)
	if err := w.WriteHeader(CPIOHeader{Name: "a", Mode: ModeRegular | 0o644, Size: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("xyz")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	tests := []struct {
		name string
		off  int
		want string
	}{
		{"magic", 0, "070701"},
		{"ino", 6, "00000001"},
		{"mode", 14, "000081a4"},
		{"nlink", 38, "00000001"},
		{"filesize", 54, "00000003"},
		{"namesize", 94, "00000002"},
		{"name", 110, "a\x00"},
		{"data", 112, "xyz\x00"}, // 110+2 = 112 is aligned; data padded to 116
		{"trailer", 116, "070701"},
	}
	for _, tt := range tests {
		if got := string(b[tt.off : tt.off+len(tt.want)]); got != tt.want {
			t.Errorf("%s at %d = %q, want %q", tt.name, tt.off, got, tt.want)
		}
	}
	if !strings.Contains(string(b), "TRAILER!!!\x00") {
		t.Error("no trailer")
	}
	if len(b)%4 != 0 {
		t.Errorf("archive length %d not 4-aligned", len(b))
	}
}

func TestCPIOWriterErrors(t *testing.T) {
	tests := []struct {
		name string
		run  func(w *CPIOWriter) error
	}{
		{"short record", func(w *CPIOWriter) error {
			w.WriteHeader(CPIOHeader{Name: "a", Mode: ModeRegular, Size: 4})
			w.Write([]byte("ab"))
			return w.WriteHeader(CPIOHeader{Name: "b", Mode: ModeRegular})
		}},
		{"long write", func(w *CPIOWriter) error {
			w.WriteHeader(CPIOHeader{Name: "a", Mode: ModeRegular, Size: 1})
			_, err := w.Write([]byte("ab"))
			return err
		}},
		{"absolute name", func(w *CPIOWriter) error {
			return w.WriteHeader(CPIOHeader{Name: "/a", Mode: ModeRegular})
		}},
		{"oversize", func(w *CPIOWriter) error {
			return w.WriteHeader(CPIOHeader{Name: "a", Mode: ModeRegular, Size: 1 << 33})
		}},
		{"after close", func(w *CPIOWriter) error {
			w.Close()
			return w.WriteHeader(CPIOHeader{Name: "a", Mode: ModeRegular})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewCPIOWriter(&bytes.Buffer{})
			if err := tt.run(w); err == nil {
				t.Fatal("no error")
			}
			if tt.name != "after close" && w.Close() == nil {
				t.Error("error not sticky through Close")
			}
		})
	}
}

func TestTreeConflictsAndParents(t *testing.T) {
	var tr Tree
	if err := tr.AddFile("a/b/c", 0o644, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := tr.AddFile("a/b/c", 0o644, nil); !errors.Is(err, ErrExist) {
		t.Errorf("duplicate: %v, want ErrExist", err)
	}
	if err := tr.AddFile("a/b/c/d", 0o644, nil); err == nil {
		t.Error("file under a file accepted")
	}
	for _, d := range []string{"a", "a/b"} {
		if e, ok := tr.entries[d]; !ok || e.hdr.Mode&0o170000 != ModeDir {
			t.Errorf("parent %s not added as directory", d)
		}
	}
}

// TestTreeGNUCpio lists the archive with GNU cpio (cpio -itv), the format's
// reference reader, when it is installed.
func TestTreeGNUCpio(t *testing.T) {
	if _, err := exec.LookPath("cpio"); err != nil {
		t.Skip("GNU cpio not installed")
	}
	var tr Tree
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(tr.AddFile("init", 0o755, []byte("#!/bin/sh\n")))
	must(tr.AddSymlink("bin/sh", "busybox"))
	must(tr.AddCharDev("dev/console", 0o600, 5, 1))
	must(tr.AddDir("tmp", 0o1777))
	var buf bytes.Buffer
	must(tr.WriteCPIO(&buf))
	cmd := exec.Command("cpio", "-itv", "--quiet")
	cmd.Stdin = &buf
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cpio: %v\n%s", err, out)
	}
	for _, want := range []string{"-rwxr-xr-x", "init", "bin/sh -> busybox", "crw-------", "5,", "dev/console", "drwxrwxrwt", "tmp"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("cpio listing lacks %q:\n%s", want, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 6 { // bin, bin/sh, dev, dev/console, init, tmp
		t.Errorf("%d entries, want 6:\n%s", len(lines), out)
	}
}

func TestTreeReproducible(t *testing.T) {
	build := func(order []string) []byte {
		var tr Tree
		for _, n := range order {
			if err := tr.AddFile(n, 0o644, []byte(n)); err != nil {
				t.Fatal(err)
			}
		}
		var b bytes.Buffer
		if err := tr.WriteCPIO(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	a := build([]string{"x/1", "y", "x/2"})
	b := build([]string{"x/2", "x/1", "y"})
	if !bytes.Equal(a, b) {
		t.Error("archive depends on insertion order")
	}
	if bytes.Equal(a, build([]string{"x/1", "y"})) {
		t.Error("control: different trees gave equal archives")
	}
}
