package ext4

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aramid/imagebuild/tree"
)

func sample(t testing.TB, big int) *tree.Tree {
	tr := tree.New()
	add := func(e tree.Entry) {
		if err := tr.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	add(tree.Entry{Path: "/usr/bin/prog", Type: tree.Regular, Mode: 0o755, Data: []byte("#!/bin/sh\necho hi\n")})
	add(tree.Entry{Path: "/usr/bin/alias", Type: tree.Hardlink, Target: "/usr/bin/prog"})
	add(tree.Entry{Path: "/bin", Type: tree.Symlink, Mode: 0o777, Target: "usr/bin"})
	add(tree.Entry{Path: "/long", Type: tree.Symlink, Mode: 0o777, Target: "/" + strings.Repeat("x", 100)})
	add(tree.Entry{Path: "/dev/console", Type: tree.CharDev, Mode: 0o600, Major: 5, Minor: 1})
	add(tree.Entry{Path: "/dev/big", Type: tree.BlockDev, Mode: 0o600, Major: 259, Minor: 300})
	add(tree.Entry{Path: "/run/fifo", Type: tree.Fifo, Mode: 0o644})
	add(tree.Entry{Path: "/tmp", Type: tree.Dir, Mode: 0o1777})
	add(tree.Entry{Path: "/etc/empty", Type: tree.Regular, Mode: 0o600, UID: 1000, GID: 70000})
	for i := 0; i < 300; i++ { // several directory blocks
		add(tree.Entry{Path: fmt.Sprintf("/many/file-with-a-longish-name-%03d", i), Type: tree.Regular, Mode: 0o644, Data: []byte{byte(i)}})
	}
	data := make([]byte, big)
	for i := range data {
		data[i] = byte(i * 7)
	}
	add(tree.Entry{Path: "/big", Type: tree.Regular, Mode: 0o644, Data: data})
	return tr
}

func opts() Options {
	return Options{UUID: [16]byte{1, 2, 3}, HashSeed: [16]byte{4, 5, 6}, Time: time.Unix(1700000000, 0), Label: "aramid-root"}
}

func fsck(t *testing.T, img []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "fs.img")
	if err := os.WriteFile(f, img, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("e2fsck", "-fn", f).CombinedOutput()
	if err != nil {
		t.Fatalf("e2fsck -fn: %v\n%s", err, out)
	}
	return f
}

func debugfs(t *testing.T, f, req string) string {
	t.Helper()
	out, err := exec.Command("debugfs", "-R", req, f).CombinedOutput()
	if err != nil {
		t.Fatalf("debugfs %s: %v\n%s", req, err, out)
	}
	return string(out)
}

func TestE2fsck(t *testing.T) {
	if _, err := exec.LookPath("e2fsck"); err != nil {
		t.Skip("e2fsck not installed (make deps installs e2fsprogs)")
	}
	tests := []struct {
		name      string
		big       int
		size      int64
	}{
		{"one group", 1 << 20, 0},
		{"file across groups", 130 << 20, 0},
		
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := opts()
			o.Size = tt.size
			tr := sample(t, tt.big)
			img, err := Build(tr, o)
			if err != nil {
				t.Fatal(err)
			}
			f := fsck(t, img)
			big, _ := tr.Get("/big")
			if got := debugfs(t, f, "cat /big"); !strings.Contains(got, string(big.Data)) {
				t.Error("/big content differs")
			}
			checks := []struct{ req, want string }{
				{"stat /dev/console", "Device major/minor number: 05:01"},
				{"stat /dev/big", "Device major/minor number: 259:300"},
				{"stat /usr/bin/prog", "Links: 2"},
				{"stat /etc/empty", "User:  1000   Group: 70000"},
				{"stat /tmp", "Mode:  01777"},
				{"stat /run/fifo", "Type: FIFO"},
				{"cat /usr/bin/alias", "echo hi"},
				{"stat /bin", `Fast link dest: "usr/bin"`},
				{"stat /long", "Size: 101"},
				{"cat /many/file-with-a-longish-name-299", "\x2b"},
			}
			for _, c := range checks {
				if got := debugfs(t, f, c.req); !strings.Contains(got, c.want) {
					t.Errorf("debugfs %s: want %q in\n%s", c.req, c.want, got)
				}
			}
		})
	}
}

func TestReproducible(t *testing.T) {
	a, err := Build(sample(t, 5000), opts())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Build(sample(t, 5000), opts())
	if !bytes.Equal(a, b) {
		t.Fatal("same inputs, different images")
	}
	o := opts()
	o.Time = time.Unix(1, 0)
	c, _ := Build(sample(t, 5000), o)
	if bytes.Equal(a, c) {
		t.Fatal("control: a different epoch gives the same image, so time is not written")
	}
}

// TestReadBack lists images made by Build with Read and compares the listing
// with the tree's manifest rows: every type, owners above 65535, a slow
// symlink, a multi-block directory, files of zero to many blocks.
func TestReadBack(t *testing.T) {
	for _, big := range []int{0, 5 * blockSize, 40 << 20} {
		tr := sample(t, big)
		img, err := Build(tr, opts())
		if err != nil {
			t.Fatal(err)
		}
		l, err := Read(bytes.NewReader(img), int64(len(img)))
		if err != nil {
			t.Fatal(err)
		}
		if l.Label != "aramid-root" {
			t.Errorf("label %q", l.Label)
		}
		want := tree.CanonicalHardlinks(tr.Rows())
		for i := range want {
			want[i].Origin = ""
		}
		if len(l.Files) != len(want) {
			t.Fatalf("big=%d: %d rows, want %d", big, len(l.Files), len(want))
		}
		for i := range want {
			if l.Files[i] != want[i] {
				t.Errorf("big=%d: row %d:\n got %+v\nwant %+v", big, i, l.Files[i], want[i])
			}
		}
	}
}

func TestReadRejects(t *testing.T) {
	img, err := Build(sample(t, 0), opts())
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), img...)
	bad[1024+0x38] = 0 // magic
	if _, err := Read(bytes.NewReader(bad), int64(len(bad))); err == nil {
		t.Error("no magic: no error")
	}
	if _, err := Read(bytes.NewReader(img[:8192]), 8192); err == nil {
		t.Error("truncated: no error")
	}
}

func FuzzRead(f *testing.F) {
	img, err := Build(sample(f, 0), opts())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(img[:64<<10])
	f.Fuzz(func(t *testing.T, b []byte) {
		Read(bytes.NewReader(b), int64(len(b)))
	})
}

// TestDeviceLimits: the largest device numbers the inode encoding holds are
// written and read back; one past either is refused, never truncated (the
// old encoding of major 1, minor 99999999 read back as 1:385279).
func TestDeviceLimits(t *testing.T) {
	tests := []struct {
		major, minor uint32
		ok           bool
	}{
		{MaxDevMajor, MaxDevMinor, true},
		{MaxDevMajor + 1, 0, false},
		{0, MaxDevMinor + 1, false},
		{1, 99999999, false},
	}
	for _, tt := range tests {
		tr := tree.New()
		if err := tr.Add(tree.Entry{Path: "/dev/x", Type: tree.CharDev, Mode: 0o600, Major: tt.major, Minor: tt.minor}); err != nil {
			t.Fatal(err)
		}
		img, err := Build(tr, opts())
		if !tt.ok {
			if !errors.Is(err, ErrTooBig) {
				t.Errorf("%d:%d: err = %v, want ErrTooBig", tt.major, tt.minor, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		l, err := Read(bytes.NewReader(img), int64(len(img)))
		if err != nil {
			t.Fatal(err)
		}
		want, got := fmt.Sprintf("%d:%d", tt.major, tt.minor), ""
		for _, f := range l.Files {
			if f.Path == "/dev/x" {
				got = f.Device
			}
		}
		if got != want {
			t.Errorf("read back %q, wrote %s", got, want)
		}
	}
}
