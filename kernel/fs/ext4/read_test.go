package ext4

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// srcTree writes a tree exercising what reading must handle and returns
// its path.
func srcTree(t testing.TB) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewSource(1))
	must(os.MkdirAll(filepath.Join(src, "a/b/c"), 0o755))
	must(os.MkdirAll(filepath.Join(src, "big"), 0o750))
	for i := 0; i < 600; i++ {
		must(os.WriteFile(filepath.Join(src, "big", fmt.Sprintf("entry-%04d-with-a-longer-name", i)), []byte(strconv.Itoa(i)), 0o600))
	}
	for _, n := range []int{0, 1, 4095, 4096, 4097, 100000, 3 << 20} {
		b := make([]byte, n)
		rng.Read(b)
		must(os.WriteFile(filepath.Join(src, "a", fmt.Sprintf("file%d", n)), b, 0o644))
	}
	f, err := os.Create(filepath.Join(src, "a/b/sparse"))
	must(err)
	for i := 0; i < 12; i++ {
		_, err := f.WriteAt(bytes.Repeat([]byte{byte('A' + i)}, 5000), int64(i)*1<<20)
		must(err)
	}
	must(f.Close())
	must(os.Symlink("a/b/c", filepath.Join(src, "fast")))
	must(os.Symlink(strings.Repeat("long/", 40)+"target", filepath.Join(src, "slow")))
	must(os.WriteFile(filepath.Join(src, "a/b/c/deep"), []byte("deep\n"), 0o444))
	return src
}

// indexDirs runs e2fsck -fyD so directories of more than a block become
// htrees (e2fsck exits 1 when it changed something).
func indexDirs(t testing.TB, img string) {
	t.Helper()
	out, err := exec.Command("e2fsck", "-fyD", img).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() > 1) {
		t.Fatalf("e2fsck -fyD: %v\n%s", err, out)
	}
}

// TestReadMkfsImage mounts what mkfs.ext4 -d wrote (with the big
// directory made an htree) read-only and compares every file, directory
// listing, symlink and size with the source tree.
func TestReadMkfsImage(t *testing.T) {
	src := srcTree(t)
	img := mkfs(t, "64M", src)
	indexDirs(t, img)
	if !strings.Contains(debugfs(t, img, "htree /big"), "Root node dump") {
		t.Fatal("/big is not an htree")
	}
	e := mountImg(t, img, abi.MS_RDONLY)
	n := 0
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel := "/" + strings.TrimPrefix(strings.TrimPrefix(p, src), "/")
		st := e.stat(rel)
		if st.Mode&0o7777 != uint32(fi.Mode().Perm()) {
			t.Errorf("%s: mode %o, want %o", rel, st.Mode&0o7777, fi.Mode().Perm())
		}
		switch {
		case fi.Mode().IsRegular():
			want, _ := os.ReadFile(p)
			if got := e.readFile(rel); !bytes.Equal(got, want) {
				t.Errorf("%s: %d bytes differ from the source's %d", rel, len(got), len(want))
			}
			if st.Size != fi.Size() {
				t.Errorf("%s: size %d, want %d", rel, st.Size, fi.Size())
			}
		case fi.IsDir():
			ents, _ := os.ReadDir(p)
			got := e.readdir(rel)
			if rel == "/" {
				if got["lost+found"] != abi.DT_DIR {
					t.Errorf("/: no lost+found")
				}
				delete(got, "lost+found")
			}
			if len(got) != len(ents)+2 || got["."] != abi.DT_DIR || got[".."] != abi.DT_DIR {
				t.Errorf("%s: %d entries, want %d and . ..", rel, len(got), len(ents)+2)
			}
			for _, de := range ents {
				if _, ok := got[de.Name()]; !ok {
					t.Errorf("%s: %s missing", rel, de.Name())
				}
			}
		case fi.Mode()&os.ModeSymlink != 0:
			want, _ := os.Readlink(p)
			got, err := e.v.ReadlinkAt(e.c, e.fsc, nil, rel)
			if err != nil || got != want {
				t.Errorf("%s: readlink %q %v, want %q", rel, got, err, want)
			}
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 610 {
		t.Fatalf("compared %d paths", n)
	}
	// Lookups through the htree, and a name that is not there.
	if got := e.readFile("/big/entry-0599-with-a-longer-name"); string(got) != "599" {
		t.Errorf("big/entry-0599: %q", got)
	}
	if _, err := e.v.OpenAt(e.c, e.fsc, nil, "/big/entry-0600-with-a-longer-name", abi.O_RDONLY, 0); err != abi.ENOENT {
		t.Errorf("missing name: %v, want ENOENT", err)
	}
	// Writes are refused on a read-only mount.
	if _, err := e.v.OpenAt(e.c, e.fsc, nil, "/new", abi.O_WRONLY|abi.O_CREAT, 0o644); err == nil {
		t.Error("create on a read-only mount succeeded")
	}
}

// TestStatfsMatchesDumpe2fs compares statfs with the superblock fields
// dumpe2fs prints, the way Linux's ext4_statfs derives them.
func TestStatfsMatchesDumpe2fs(t *testing.T) {
	img := mkfs(t, "64M", srcTree(t))
	out := run(t, "dumpe2fs", "-h", img)
	field := func(name string) uint64 {
		m := regexp.MustCompile(`(?m)^` + name + `:\s+(\d+)`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("dumpe2fs: no %s", name)
		}
		v, _ := strconv.ParseUint(m[1], 10, 64)
		return v
	}
	e := mountImg(t, img, abi.MS_RDONLY)
	st := e.fs.Statfs()
	want := abi.Statfs{Type: abi.EXT4_SUPER_MAGIC, Bsize: 4096, Frsize: 4096, Namelen: 255,
		Blocks: field("Block count") - field("Overhead clusters"), Bfree: field("Free blocks"),
		// ext4_statfs also withholds s_resv_clusters (2% of the
		// blocks, at most 4096) from f_bavail.
		Bavail: field("Free blocks") - field("Reserved block count") - min(field("Block count")/50, 4096),
		Files:  field("Inode count"), Ffree: field("Free inodes")}
	st.Fsid = [2]int32{}
	if st != want {
		t.Errorf("statfs %+v\nwant   %+v", st, want)
	}
}

// TestXattrsRead reads attributes debugfs stored in the inode and in a
// block.
func TestXattrsRead(t *testing.T) {
	img := mkfs(t, "16M", srcTree(t))
	val := filepath.Join(t.TempDir(), "val")
	if err := os.WriteFile(val, bytes.Repeat([]byte("x"), 2000), 0o644); err != nil {
		t.Fatal(err)
	}
	debugfsW(t, img, "ea_set /a/file1 user.small hello")
	debugfsW(t, img, "ea_set -f "+val+" /a/file1 trusted.big")
	e := mountImg(t, img, abi.MS_RDONLY)
	in, err := e.v.InodeAt(e.c, e.fsc, nil, "/a/file1", 0)
	e.must(err)
	xs, err := e.fs.Xattrs(in)
	e.must(err)
	got := map[string]string{}
	for _, x := range xs {
		got[x.Name] = string(x.Value)
	}
	if got["user.small"] != "hello" || got["trusted.big"] != strings.Repeat("x", 2000) {
		t.Errorf("xattrs: %d of them, user.small=%q, trusted.big of %d bytes", len(got), got["user.small"], len(got["trusted.big"]))
	}
}

func debugfsW(t testing.TB, img, req string) {
	t.Helper()
	run(t, "debugfs", "-w", "-R", req, img)
}

// TestUnknownFeatureRefused sets an incompatible feature bit the package
// does not know, and a read-only-compatible one: the first refuses any
// mount naming the feature, the second allows only a read-only mount.
func TestUnknownFeatureRefused(t *testing.T) {
	img := mkfs(t, "16M", "")
	setFeature := func(off int, bit uint32) {
		b, err := os.ReadFile(img)
		if err != nil {
			t.Fatal(err)
		}
		sb := b[1024:2048]
		v := le32(sb[off:]) | bit
		putLe32(sb[off:], v)
		// Recompute the checksum as e2fsprogs would.
		s, err := decodeSB(sb)
		if err != nil {
			t.Fatal(err)
		}
		s.SetChecksum()
		copy(sb, s.Raw[:])
		if err := os.WriteFile(img, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	setFeature(0x64, 1<<20) // ro_compat bit 20
	dev := openDev(t, img, false)
	if _, err := Mount(dev, 0, "", nil); !errors.Is(err, abi.EINVAL) || !strings.Contains(err.Error(), "FEATURE_R20") {
		t.Errorf("rw mount with an unknown ro_compat feature: %v", err)
	}
	if _, err := Mount(dev, abi.MS_RDONLY, "", nil); err != nil {
		t.Errorf("ro mount with an unknown ro_compat feature: %v", err)
	}
	setFeature(0x60, 0x8000) // inline_data
	if _, err := Mount(dev, abi.MS_RDONLY, "", nil); !errors.Is(err, abi.EINVAL) || !strings.Contains(err.Error(), "inline_data") {
		t.Errorf("mount with inline_data: %v", err)
	}
}

// TestXattrsWrite sets, replaces and removes attributes through the VFS
// (small ones stay in the inode, a large one goes to a block), and checks
// them with e2fsck and debugfs and after a remount.
func TestXattrsWrite(t *testing.T) {
	img := mkfs(t, "16M", "")
	e := mountImg(t, img, 0)
	e.writeFile("/f", []byte("data"))
	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/d", 0o755))
	e.must(e.v.SymlinkAt(e.c, e.fsc, "f", nil, "/l"))
	in, err := e.v.InodeAt(e.c, e.fsc, nil, "/f", 0)
	e.must(err)
	big := bytes.Repeat([]byte("B"), 3000)
	e.must(in.SetXattr(e.c, "user.small", []byte("hello"), 0))
	e.must(in.SetXattr(e.c, "trusted.t", []byte("trusted value"), 0))
	e.must(in.SetXattr(e.c, "user.big", big, 0))
	e.must(in.SetXattr(e.c, "security.s", nil, 0))
	e.must(in.SetXattr(e.c, "user.small", []byte("replaced"), vfs.XATTR_REPLACE))
	if err := in.SetXattr(e.c, "user.small", nil, vfs.XATTR_CREATE); err != abi.EEXIST {
		t.Errorf("XATTR_CREATE over an existing name: %v", err)
	}
	if err := in.SetXattr(e.c, "user.none", nil, vfs.XATTR_REPLACE); err != abi.ENODATA {
		t.Errorf("XATTR_REPLACE of a missing name: %v", err)
	}
	e.must(in.SetXattr(e.c, "user.gone", []byte("x"), 0))
	e.must(in.RemoveXattr(e.c, "user.gone"))
	din, err := e.v.InodeAt(e.c, e.fsc, nil, "/d", 0)
	e.must(err)
	e.must(din.SetXattr(e.c, "user.dir", []byte("on a directory"), 0))
	lin, err := e.v.InodeAt(e.c, e.fsc, nil, "/l", abi.AT_SYMLINK_NOFOLLOW)
	e.must(err)
	if err := lin.SetXattr(e.c, "user.x", nil, 0); err != abi.EPERM {
		t.Errorf("user.* on a symlink: %v, want EPERM", err)
	}
	list, err := in.ListXattrs(e.c)
	e.must(err)
	if string(list) != "security.s\x00trusted.t\x00user.big\x00user.small\x00" {
		t.Errorf("list %q", list)
	}
	e.unmount()
	fsck(t, img)
	out := debugfs(t, img, "ea_list /f")
	for _, want := range []string{"user.small (8) = \"replaced\"", "trusted.t (13)", "user.big (3000)", "security.s (0)"} {
		if !strings.Contains(out, want) {
			t.Errorf("debugfs ea_list /f lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "user.gone") {
		t.Error("removed attribute still listed")
	}
	e = mountImg(t, img, abi.MS_RDONLY)
	in, err = e.v.InodeAt(e.c, e.fsc, nil, "/f", 0)
	e.must(err)
	if v, err := in.GetXattr(e.c, "user.big"); err != nil || !bytes.Equal(v, big) {
		t.Errorf("user.big after remount: %d bytes, %v", len(v), err)
	}
	if _, err := in.GetXattr(e.c, "user.gone"); err != abi.ENODATA {
		t.Errorf("removed attribute: %v", err)
	}
}
