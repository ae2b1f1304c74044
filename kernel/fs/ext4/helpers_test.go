package ext4

import (
	"aramid/kernel/fs/ext4/layout"
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// fileDev is a block.Device over an image file (512-byte sectors).
type fileDev struct {
	f      *os.File
	size   int64
	ro     bool
	writes int
}

func (d *fileDev) SectorSize() int { return 512 }
func (d *fileDev) Sectors() uint64 { return uint64(d.size / 512) }
func (d *fileDev) ReadSectors(p []byte, s uint64) error {
	_, err := d.f.ReadAt(p, int64(s)*512)
	return err
}
func (d *fileDev) WriteSectors(p []byte, s uint64) error {
	if d.ro {
		return abi.EROFS
	}
	d.writes++
	_, err := d.f.WriteAt(p, int64(s)*512)
	return err
}
func (d *fileDev) Flush() error   { return nil }
func (d *fileDev) ReadOnly() bool { return d.ro }

func openDev(t testing.TB, path string, ro bool) *fileDev {
	t.Helper()
	flag := os.O_RDWR
	if ro {
		flag = os.O_RDONLY
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	t.Cleanup(func() { f.Close() })
	return &fileDev{f: f, size: st.Size(), ro: ro}
}

func need(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (e2fsprogs)", tool)
		}
	}
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// debugfs runs one debugfs request and returns its output without the
// version banner.
func debugfs(t testing.TB, img, req string) string {
	t.Helper()
	cmd := exec.Command("debugfs", "-R", req, img)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("debugfs %q: %v\n%s", req, err, errb.String())
	}
	return out.String()
}

// mkfs makes an image of size with bookworm's mkfs.ext4 defaults (4 KiB
// blocks), populated from src if not "", plus extra arguments.
func mkfs(t testing.TB, size string, src string, extra ...string) string {
	t.Helper()
	need(t, "mkfs.ext4", "e2fsck", "debugfs")
	img := filepath.Join(t.TempDir(), "img")
	args := append([]string{"-F", "-q", "-b", "4096"}, extra...)
	if src != "" {
		args = append(args, "-d", src)
	}
	args = append(args, img, size)
	run(t, "mkfs.ext4", args...)
	return img
}

// fsck runs e2fsck -fn and fails the test unless the filesystem is clean.
func fsck(t testing.TB, img string) {
	t.Helper()
	out, err := exec.Command("e2fsck", "-fn", img).CombinedOutput()
	if err != nil {
		t.Fatalf("e2fsck -fn: %v\n%s", err, out)
	}
}

// env is an ext4 filesystem mounted as the root of a VFS.
type env struct {
	t   testing.TB
	img string
	dev *fileDev
	fs  *FS
	v   *vfs.VFS
	fsc *vfs.FSContext
	c   *vfs.Caller
	now time.Time
}

func mountImg(t testing.TB, img string, flags uint32) *env {
	t.Helper()
	e := &env{t: t, img: img, now: time.Unix(1800000000, 123456789), c: &vfs.Caller{}}
	e.dev = openDev(t, img, false)
	fs, err := mount(e.dev, flags, "", func() time.Time { return e.now })
	if err != nil {
		t.Fatalf("mount: %v", err)
	}
	e.fs = fs
	e.v = vfs.New(fs, vfs.Options{Clock: func() time.Time { return e.now }})
	e.fsc = vfs.NewFSContext(e.v.Root())
	return e
}

func (e *env) unmount() {
	e.t.Helper()
	if err := e.fs.Unmount(); err != nil {
		e.t.Fatalf("unmount: %v", err)
	}
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) open(p string, flags uint32) *vfs.File {
	e.t.Helper()
	f, err := e.v.OpenAt(e.c, e.fsc, nil, p, flags, 0o644)
	if err != nil {
		e.t.Fatalf("open %s: %v", p, err)
	}
	return f
}

func (e *env) writeFile(p string, data []byte) {
	e.t.Helper()
	f := e.open(p, abi.O_WRONLY|abi.O_CREAT|abi.O_TRUNC)
	defer f.DecRef()
	for len(data) > 0 {
		n, err := f.Write(e.c, data)
		if err != nil {
			e.t.Fatalf("write %s: %v", p, err)
		}
		data = data[n:]
	}
}

func (e *env) readFile(p string) []byte {
	e.t.Helper()
	f := e.open(p, abi.O_RDONLY)
	defer f.DecRef()
	var out []byte
	buf := make([]byte, 1<<16)
	for {
		n, err := f.Read(e.c, buf)
		if err != nil {
			e.t.Fatalf("read %s: %v", p, err)
		}
		if n == 0 {
			return out
		}
		out = append(out, buf[:n]...)
	}
}

// readdir lists a directory through getdents64: name -> d_type.
func (e *env) readdir(p string) map[string]uint8 {
	e.t.Helper()
	f := e.open(p, abi.O_RDONLY|abi.O_DIRECTORY)
	defer f.DecRef()
	out := map[string]uint8{}
	for {
		b, err := f.Getdents64(4096)
		if err != nil {
			e.t.Fatalf("getdents %s: %v", p, err)
		}
		if len(b) == 0 {
			return out
		}
		for len(b) > 0 {
			reclen := binary.LittleEndian.Uint16(b[16:])
			typ := b[18]
			name := string(bytes.TrimRight(b[19:reclen], "\x00"))
			if _, dup := out[name]; dup {
				e.t.Fatalf("getdents %s: %q twice", p, name)
			}
			out[name] = typ
			b = b[reclen:]
		}
	}
}

func (e *env) stat(p string) abi.Stat {
	e.t.Helper()
	st, err := e.v.StatAt(e.c, e.fsc, nil, p, abi.AT_SYMLINK_NOFOLLOW)
	if err != nil {
		e.t.Fatalf("stat %s: %v", p, err)
	}
	return st
}

// debugfsLs returns the names debugfs lists in a directory (no . and ..).
func debugfsLs(t testing.TB, img, dir string) map[string]bool {
	t.Helper()
	out := debugfs(t, img, "ls -p "+dir)
	names := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		// /ino/mode/uid/gid/name/size/
		f := strings.Split(line, "/")
		// Entries with inode 0 are unused records (a removed name
		// that began its block) debugfs lists too.
		if len(f) < 7 || f[1] == "0" || f[5] == "." || f[5] == ".." {
			continue
		}
		names[f[5]] = true
	}
	return names
}

func decodeSB(b []byte) (*layoutSuperblock, error) { return layoutDecodeSuperblock(b) }

type layoutSuperblock = layout.Superblock

var layoutDecodeSuperblock = layout.DecodeSuperblock

type layoutDirent = layout.Dirent
