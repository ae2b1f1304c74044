package initramfs

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"aramid/kernel/abi"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/vfs"
)

// entry is one record for newc, a test-only writer.
type entry struct {
	name       string
	mode       uint32
	uid, gid   uint32
	nlink, ino uint32
	mtime      uint32
	rmaj, rmin uint32
	data       string
}

func newc(magic string, entries ...entry) []byte {
	var b bytes.Buffer
	pad := func() {
		for b.Len()%4 != 0 {
			b.WriteByte(0)
		}
	}
	all := append(append([]entry(nil), entries...), entry{name: "TRAILER!!!", nlink: 1})
	for i, e := range all {
		ino := e.ino
		if ino == 0 {
			ino = uint32(i + 100)
		}
		nlink := e.nlink
		if nlink == 0 {
			nlink = 1
		}
		var sum uint32
		for _, c := range []byte(e.data) {
			sum += uint32(c)
		}
		if magic == "070701" {
			sum = 0
		}
		fmt.Fprintf(&b, "%s%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%s\x00", magic, ino, e.mode, e.uid,
			e.gid, nlink, e.mtime, len(e.data), 0, 1, e.rmaj, e.rmin, len(e.name)+1, sum, e.name)
		pad()
		b.WriteString(e.data)
		pad()
	}
	return b.Bytes()
}

type env struct {
	v   *vfs.VFS
	fsc *vfs.FSContext
	c   *vfs.Caller
}

func newEnv() *env {
	clock := func() time.Time { return time.Unix(1, 0) }
	v := vfs.New(tmpfs.New(tmpfs.Options{Clock: clock, Mode: 0o755}), vfs.Options{Clock: clock})
	return &env{v: v, fsc: vfs.NewFSContext(v.Root()), c: &vfs.Caller{}}
}

func (e *env) stat(t *testing.T, p string) abi.Stat {
	t.Helper()
	st, err := e.v.StatAt(e.c, e.fsc, nil, p, abi.AT_SYMLINK_NOFOLLOW)
	if err != nil {
		t.Fatalf("stat %s: %v", p, err)
	}
	return st
}

func (e *env) read(t *testing.T, p string) string {
	t.Helper()
	f, err := e.v.OpenAt(e.c, e.fsc, nil, p, abi.O_RDONLY, 0)
	if err != nil {
		t.Fatalf("open %s: %v", p, err)
	}
	defer f.DecRef()
	b := make([]byte, 1<<16)
	n, _ := f.Read(e.c, b)
	return string(b[:n])
}

var sample = []entry{
	{name: ".", mode: abi.S_IFDIR | 0o755, mtime: 10},
	{name: "bin", mode: abi.S_IFDIR | 0o700, uid: 1, gid: 2, mtime: 20},
	{name: "bin/sh", mode: abi.S_IFREG | 0o4755, data: "#!shell", mtime: 30, uid: 5},
	{name: "bin/sh2", mode: abi.S_IFLNK | 0o777, data: "sh", mtime: 40},
	{name: "dev", mode: abi.S_IFDIR | 0o755},
	{name: "dev/console", mode: abi.S_IFCHR | 0o600, rmaj: 5, rmin: 1},
	{name: "dev/sda", mode: abi.S_IFBLK | 0o660, rmaj: 8, rmin: 0},
	{name: "dev/fifo", mode: abi.S_IFIFO | 0o644},
	{name: "hl1", mode: abi.S_IFREG | 0o644, nlink: 2, ino: 7},
	{name: "hl2", mode: abi.S_IFREG | 0o644, nlink: 2, ino: 7, data: "linked"},
}

func checkSample(t *testing.T, e *env) {
	t.Helper()
	if s := e.read(t, "/bin/sh"); s != "#!shell" {
		t.Errorf("/bin/sh = %q", s)
	}
	if st := e.stat(t, "/bin/sh"); st.Mode != abi.S_IFREG|0o4755 || st.UID != 5 || st.Mtime.Sec != 30 {
		t.Errorf("/bin/sh stat %o uid %d mtime %d", st.Mode, st.UID, st.Mtime.Sec)
	}
	if st := e.stat(t, "/bin"); st.Mode != abi.S_IFDIR|0o700 || st.UID != 1 || st.GID != 2 || st.Mtime.Sec != 20 {
		t.Errorf("/bin stat %o %d:%d mtime %d", st.Mode, st.UID, st.GID, st.Mtime.Sec)
	}
	if l, err := e.v.ReadlinkAt(e.c, e.fsc, nil, "/bin/sh2"); l != "sh" || err != nil {
		t.Errorf("symlink %q %v", l, err)
	}
	if st := e.stat(t, "/dev/console"); st.Mode != abi.S_IFCHR|0o600 || st.Rdev != abi.MakeDev(5, 1) {
		t.Errorf("console %o %#x", st.Mode, st.Rdev)
	}
	if st := e.stat(t, "/dev/sda"); st.Mode != abi.S_IFBLK|0o660 || st.Rdev != abi.MakeDev(8, 0) {
		t.Errorf("sda %o %#x", st.Mode, st.Rdev)
	}
	if st := e.stat(t, "/dev/fifo"); st.Mode != abi.S_IFIFO|0o644 {
		t.Errorf("fifo %o", st.Mode)
	}
	a, b := e.stat(t, "/hl1"), e.stat(t, "/hl2")
	if a.Ino != b.Ino || a.Nlink != 2 {
		t.Errorf("hard link: ino %d/%d nlink %d", a.Ino, b.Ino, a.Nlink)
	}
	if s := e.read(t, "/hl1"); s != "linked" {
		t.Errorf("hard link data %q", s)
	}
	if st := e.stat(t, "/"); st.Mtime.Sec != 10 {
		t.Errorf("root mtime %d", st.Mtime.Sec)
	}
}

// pad4 appends zeros up to a multiple of 4 and then the rest: Linux only
// recognises a cpio header at a 4-byte aligned offset of the image.
func pad4(b []byte, rest ...[]byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	for _, r := range rest {
		b = append(b, r...)
	}
	return b
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func xzc(b []byte, check byte) []byte {
	var out bytes.Buffer
	w, err := xz.WriterConfig{CheckSum: check}.NewWriter(&out)
	if err != nil {
		panic(err)
	}
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func zst(b []byte) []byte {
	enc, _ := zstd.NewWriter(nil)
	return enc.EncodeAll(b, nil)
}

func TestUnpackFormats(t *testing.T) {
	plain := newc("070701", sample...)
	early := newc("070701", entry{name: "early", mode: abi.S_IFREG | 0o644, data: "microcode"})
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"plain", plain},
		{"crc newc", newc("070702", sample...)},
		{"gzip", gz(plain)},
		{"xz crc32", xzc(plain, xz.CRC32)},
		{"xz crc64", xzc(plain, xz.CRC64)},
		{"plain then gzip", cat(early, make([]byte, 512), gz(plain))},
		{"plain then xz", cat(early, xzc(plain, xz.CRC32))},
		{"xz then plain", cat(xzc(early, xz.CRC64), make([]byte, 4), plain)},
		{"gzip then xz then plain", pad4(cat(pad4(cat(gz(early))), xzc(newc("070701", sample[:4]...), xz.CRC32)), plain)},
		{"two archives in one member", gz(cat(early, make([]byte, 8), plain))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			if err := Unpack(e.v, e.fsc, "/", tc.data); err != nil {
				t.Fatal(err)
			}
			checkSample(t, e)
		})
	}
}

func TestUnpackGNUCpio(t *testing.T) {
	// testdata/gnu.cpio was made by GNU cpio 2.13 from a tree with a hard
	// link pair, a symlink and a 0750 directory:
	//   mkdir -p dir/sub && echo hello > dir/a && ln dir/a dir/b && ln -s a dir/link
	//   printf 'x%.0s' $(seq 1 5000) > dir/sub/big && chmod 0750 dir/sub
	//   touch -d @1600000000 dir/a dir/sub/big && touch -h -d @1600000000 dir/link
	//   touch -d @1500000000 dir/sub dir
	//   find dir | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --reproducible > gnu.cpio
	data, err := os.ReadFile("testdata/gnu.cpio")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv()
	e.v.MkdirAt(e.c, e.fsc, nil, "/root", 0o755)
	if err := Unpack(e.v, e.fsc, "/root", data); err != nil {
		t.Fatal(err)
	}
	a, b := e.stat(t, "/root/dir/a"), e.stat(t, "/root/dir/b")
	if a.Ino != b.Ino || a.Nlink != 2 || e.read(t, "/root/dir/a") != "hello\n" {
		t.Errorf("hard links: ino %d %d nlink %d data %q", a.Ino, b.Ino, a.Nlink, e.read(t, "/root/dir/a"))
	}
	if st := e.stat(t, "/root/dir/sub/big"); st.Size != 5000 || st.Mtime.Sec != 1600000000 {
		t.Errorf("big: size %d mtime %d", st.Size, st.Mtime.Sec)
	}
	if st := e.stat(t, "/root/dir/sub"); st.Mode != abi.S_IFDIR|0o750 || st.Mtime.Sec != 1500000000 {
		t.Errorf("sub: %o mtime %d", st.Mode, st.Mtime.Sec)
	}
	if st := e.stat(t, "/root/dir"); st.Mtime.Sec != 1500000000 {
		t.Errorf("dir mtime %d", st.Mtime.Sec)
	}
	if l, _ := e.v.ReadlinkAt(e.c, e.fsc, nil, "/root/dir/link"); l != "a" {
		t.Errorf("link %q", l)
	}
}

func TestUnpackErrors(t *testing.T) {
	good := newc("070701", sample...)
	badsum := newc("070702", entry{name: "f", mode: abi.S_IFREG | 0o644, data: "abc"})
	badsum[112] ^= 1 // the first data byte: header and "f\0" end at 112
	corruptXz := xzc(good, xz.CRC64)
	corruptXz[len(corruptXz)/2] ^= 0xff
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"truncated header", good[:50], ErrFormat},
		{"truncated data", good[:len(good)-200], ErrFormat},
		{"bad hex", append([]byte("070701zz"), good[8:]...), ErrFormat},
		{"odc format", append([]byte("070707"), good[6:]...), ErrFormat},
		{"garbage", []byte("hello world"), ErrFormat},
		{"bzip2", []byte("BZh91AY&SY"), ErrCompression},
		{"zstd (left out of the kernel)", zst(good), ErrCompression},
		{"bad checksum", badsum, ErrChecksum},
		{"corrupt xz", corruptXz, ErrFormat},
		{"truncated gzip", gz(good)[:40], ErrFormat},
		{"dotdot", newc("070701", entry{name: "../x", mode: abi.S_IFREG}), nil},
		{"unaligned padding in member", gz(append(append(newc("070701"), 0, 0), good...)), ErrFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			err := Unpack(e.v, e.fsc, "/", tc.data)
			if err == nil {
				t.Fatalf("no error")
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("error %v is not a *FormatError", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}

func FuzzUnpack(f *testing.F) {
	f.Add(newc("070701", sample...))
	f.Add(newc("070702", sample[:3]...))
	f.Add(gz(newc("070701", sample[:2]...)))
	f.Add(xzc(newc("070701", sample[:2]...), xz.CRC32))
	f.Fuzz(func(t *testing.T, data []byte) {
		e := newEnv()
		Unpack(e.v, e.fsc, "/", data) // must not panic
	})
}
