package ext4

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"aramid/kernel/abi"
	"aramid/kernel/fs/ext4/layout"
	"aramid/kernel/vfs"
)

// TestWriteOperations does the namespace and data operations through the
// VFS on a fresh mkfs image, unmounts, and checks with e2fsck -fn and
// debugfs that the filesystem is consistent and holds what was written.
func TestWriteOperations(t *testing.T) {
	img := mkfs(t, "64M", "")
	e := mountImg(t, img, 0)
	rng := rand.New(rand.NewSource(2))
	big := make([]byte, 5<<20+123)
	rng.Read(big)

	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/d", 0o755))
	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/d/sub", 0o700))
	e.writeFile("/d/small", []byte("hello, ext4\n"))
	e.writeFile("/big", big)
	// pwrite into the middle, append, and a write past the end leaving a
	// hole.
	f := e.open("/d/small", abi.O_RDWR)
	_, err := f.Pwrite(e.c, []byte("HELLO"), 0)
	e.must(err)
	f.DecRef()
	f = e.open("/d/small", abi.O_WRONLY|abi.O_APPEND)
	_, err = f.Write(e.c, []byte("appended\n"))
	e.must(err)
	f.DecRef()
	f = e.open("/holey", abi.O_RDWR|abi.O_CREAT)
	_, err = f.Pwrite(e.c, []byte("end"), 10<<20)
	e.must(err)
	_, err = f.Pwrite(e.c, []byte("start"), 0)
	e.must(err)
	f.DecRef()
	// Symlinks, fast and slow.
	slowTarget := strings.Repeat("0123456789", 30)
	e.must(e.v.SymlinkAt(e.c, e.fsc, "d/small", nil, "/fast"))
	e.must(e.v.SymlinkAt(e.c, e.fsc, slowTarget, nil, "/slow"))
	// Hard link, then unlink the original name.
	e.must(e.v.LinkAt(e.c, e.fsc, nil, "/d/small", nil, "/linked", 0))
	e.writeFile("/gone", bytes.Repeat([]byte("g"), 100000))
	e.must(e.v.UnlinkAt(e.c, e.fsc, nil, "/gone", 0))
	// Renames: within a directory, across directories (a directory too),
	// over an existing file, and an exchange.
	e.writeFile("/r1", []byte("one"))
	e.writeFile("/r2", []byte("two"))
	e.must(e.v.RenameAt(e.c, e.fsc, nil, "/r1", nil, "/d/r1moved", 0))
	e.must(e.v.RenameAt(e.c, e.fsc, nil, "/d/sub", nil, "/sub2", 0))
	e.writeFile("/victim", []byte("victim"))
	e.must(e.v.RenameAt(e.c, e.fsc, nil, "/r2", nil, "/victim", 0))
	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/x", 0o755))
	e.writeFile("/x/inside", []byte("in x"))
	e.must(e.v.RenameAt(e.c, e.fsc, nil, "/x", nil, "/d/small", abi.RENAME_EXCHANGE))
	// Truncate down and up.
	e.writeFile("/trunc", bytes.Repeat([]byte("t"), 50000))
	e.must(e.v.Truncate(e.c, e.fsc, "/trunc", 5000))
	e.must(e.v.Truncate(e.c, e.fsc, "/trunc", 20000))
	// rmdir, mknod, chmod, chown, utimens.
	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/empty", 0o755))
	e.must(e.v.UnlinkAt(e.c, e.fsc, nil, "/empty", abi.AT_REMOVEDIR))
	e.must(e.v.MknodAt(e.c, e.fsc, nil, "/fifo", abi.S_IFIFO|0o600, 0))
	e.must(e.v.MknodAt(e.c, e.fsc, nil, "/null", abi.S_IFCHR|0o666, abi.MakeDev(1, 3)))
	e.must(e.v.MknodAt(e.c, e.fsc, nil, "/bigdev", abi.S_IFBLK|0o600, abi.MakeDev(259, 300)))
	e.must(e.v.ChmodAt(e.c, e.fsc, nil, "/big", 0o640, 0))
	e.must(e.v.ChownAt(e.c, e.fsc, nil, "/big", 1234, 5678, 0))
	times := [2]abi.Timespec{{Sec: 1000000000, Nsec: 5}, {Sec: 3000000000, Nsec: 999999999}}
	e.must(e.v.UtimensAt(e.c, e.fsc, nil, "/big", &times, 0))
	if err := e.v.UnlinkAt(e.c, e.fsc, nil, "/d", abi.AT_REMOVEDIR); err != abi.ENOTEMPTY {
		t.Errorf("rmdir of a non-empty directory: %v", err)
	}

	// What the VFS sees now.
	if got := e.readFile("/big"); !bytes.Equal(got, big) {
		t.Error("/big reads back different")
	}
	if got := string(e.readFile("/linked")); got != "HELLO, ext4\nappended\n" {
		t.Errorf("/linked: %q", got)
	}
	if got := e.readFile("/holey"); len(got) != 10<<20+3 || string(got[:5]) != "start" || string(got[10<<20:]) != "end" || got[5<<20] != 0 {
		t.Errorf("/holey: %d bytes", len(got))
	}
	if st := e.stat("/holey"); st.Blocks > 16 {
		t.Errorf("/holey holds %d sectors: the hole was allocated", st.Blocks)
	}
	e.unmount()
	fsck(t, img)

	// What debugfs sees.
	cat := func(p string) string { return debugfs(t, img, "cat "+p) }
	if cat("/d/small/inside") != "in x" || cat("/x") != "HELLO, ext4\nappended\n" {
		t.Errorf("exchange: /d/small/inside %q, /x %q", cat("/d/small/inside"), cat("/x"))
	}
	if cat("/victim") != "two" || cat("/d/r1moved") != "one" {
		t.Errorf("renames: /victim %q /d/r1moved %q", cat("/victim"), cat("/d/r1moved"))
	}
	if got := cat("/big"); got != string(big) {
		t.Errorf("/big: debugfs reads %d bytes", len(got))
	}
	if got := cat("/trunc"); got != strings.Repeat("t", 5000)+strings.Repeat("\x00", 15000) {
		t.Errorf("/trunc: %d bytes", len(got))
	}
	if got := debugfs(t, img, "stat /slow"); !strings.Contains(got, "EXTENTS") {
		t.Errorf("/slow is not a slow symlink:\n%s", got)
	}
	if got := debugfs(t, img, "stat /fast"); !strings.Contains(got, `Fast link dest: "d/small"`) {
		t.Errorf("/fast:\n%s", got)
	}
	root := debugfsLs(t, img, "/")
	for _, n := range []string{"d", "big", "holey", "fast", "slow", "linked", "victim", "x", "trunc", "fifo", "null", "bigdev", "sub2"} {
		if !root[n] {
			t.Errorf("/%s missing in debugfs ls", n)
		}
	}
	for _, n := range []string{"gone", "r1", "r2", "empty"} {
		if root[n] {
			t.Errorf("/%s still listed", n)
		}
	}
	st := debugfs(t, img, "stat /big")
	for _, want := range []string{"User:  1234", "Group:  5678", "Mode:  0640", "Sat Jan 24 05:20:00 2065", "atime: 0x3b9aca00:00000014"} {
		if !strings.Contains(st, want) {
			t.Errorf("stat /big lacks %q:\n%s", want, st)
		}
	}
	if got := debugfs(t, img, "stat /bigdev"); !strings.Contains(got, "Device major/minor number: 259:300") {
		t.Errorf("/bigdev:\n%s", got)
	}

	// Mounted again, everything reads the same.
	e = mountImg(t, img, abi.MS_RDONLY)
	if got, _ := e.v.ReadlinkAt(e.c, e.fsc, nil, "/slow"); got != slowTarget {
		t.Errorf("slow symlink after remount: %q", got)
	}
	if st := e.stat("/bigdev"); st.Rdev != abi.MakeDev(259, 300) {
		t.Errorf("/bigdev rdev %#x", st.Rdev)
	}
	if st := e.stat("/big"); st.Mtime != times[1] || st.Atime != times[0] || st.UID != 1234 {
		t.Errorf("/big after remount: %+v", st)
	}
	if st := e.stat("/sub2"); st.Nlink != 2 {
		t.Errorf("/sub2 nlink %d", st.Nlink)
	}
}

// TestLargeDirectory creates 10,000 names in a new directory (which
// becomes an htree when its first block fills, as on Linux) and 10,000
// more in an htree mkfs -d and e2fsck -D made, removes some, and checks
// both with e2fsck (which verifies the htree) and debugfs.
func TestLargeDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	src := t.TempDir()
	img := mkfs(t, "128M", srcTreeWithBigDir(t, src))
	indexDirs(t, img)
	e := mountImg(t, img, 0)
	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/linear", 0o755))
	for i := 0; i < 10000; i++ {
		name := fmt.Sprintf("/linear/n%05d", i)
		f := e.open(name, abi.O_WRONLY|abi.O_CREAT|abi.O_EXCL)
		f.DecRef()
		f = e.open(fmt.Sprintf("/hashed/file-with-a-somewhat-longer-name-%05d", i), abi.O_WRONLY|abi.O_CREAT|abi.O_EXCL)
		f.DecRef()
	}
	for i := 0; i < 10000; i += 7 {
		e.must(e.v.UnlinkAt(e.c, e.fsc, nil, fmt.Sprintf("/linear/n%05d", i), 0))
		e.must(e.v.UnlinkAt(e.c, e.fsc, nil, fmt.Sprintf("/hashed/file-with-a-somewhat-longer-name-%05d", i), 0))
	}
	if n := len(e.readdir("/hashed")); n != 10000+300-10000/7-1+2 {
		t.Errorf("/hashed lists %d entries", n)
	}
	e.unmount()
	fsck(t, img)
	if !strings.Contains(debugfs(t, img, "htree /hashed"), "Root node dump") {
		t.Error("/hashed lost its index")
	}
	lin, hashed := debugfsLs(t, img, "/linear"), debugfsLs(t, img, "/hashed")
	for i := 0; i < 10000; i++ {
		want := i%7 != 0
		l, h := lin[fmt.Sprintf("n%05d", i)], hashed[fmt.Sprintf("file-with-a-somewhat-longer-name-%05d", i)]
		if l != want || h != want {
			t.Fatalf("name %d: linear %v hashed %v, want %v", i, l, h, want)
		}
	}
	if len(hashed) != 10000-10000/7-1+300 {
		t.Errorf("debugfs lists %d names in /hashed", len(hashed))
	}
	// Every name is found again through a fresh mount.
	e = mountImg(t, img, abi.MS_RDONLY)
	for i := 1; i < 10000; i += 97 {
		if i%7 == 0 {
			continue
		}
		e.stat("/hashed/file-with-a-somewhat-longer-name-" + fmt.Sprintf("%05d", i))
	}
}

func srcTreeWithBigDir(t testing.TB, dir string) string {
	t.Helper()
	e := dir + "/src"
	run(t, "mkdir", "-p", e+"/hashed")
	var args []string
	for i := 0; i < 300; i++ {
		args = append(args, e+"/hashed/pre-"+strconv.Itoa(i))
	}
	run(t, "touch", args...)
	return e
}

// TestLargeSparseFile writes a byte past 5 GiB and a few blocks near 0:
// the file is larger than 4 GiB, holds three blocks, and reads back.
func TestLargeSparseFile(t *testing.T) {
	img := mkfs(t, "32M", "")
	e := mountImg(t, img, 0)
	f := e.open("/huge", abi.O_RDWR|abi.O_CREAT)
	const far = 5<<30 + 12345
	_, err := f.Pwrite(e.c, []byte("far away"), far)
	e.must(err)
	_, err = f.Pwrite(e.c, []byte("near"), 4096)
	e.must(err)
	buf := make([]byte, 16)
	n, err := f.Pread(e.c, buf, far-4)
	e.must(err)
	if string(buf[:n]) != "\x00\x00\x00\x00far away" {
		t.Errorf("read back %q", buf[:n])
	}
	if off, err := f.Seek(8192, abi.SEEK_DATA); err != nil || off != far/4096*4096 {
		t.Errorf("SEEK_DATA from 8192: %d %v", off, err)
	}
	f.DecRef()
	st := e.stat("/huge")
	if st.Size != far+8 || st.Blocks != 2*8 {
		t.Errorf("size %d blocks %d", st.Size, st.Blocks)
	}
	e.unmount()
	fsck(t, img)
	if got := debugfs(t, img, "stat /huge"); !strings.Contains(got, "Size: "+strconv.Itoa(far+8)) {
		t.Errorf("debugfs stat:\n%s", got)
	}
}

// TestFullFilesystem fills the filesystem: the write that finds no room
// returns ENOSPC (or a short count), and the filesystem stays consistent.
func TestFullFilesystem(t *testing.T) {
	img := mkfs(t, "16M", "")
	e := mountImg(t, img, 0)
	f := e.open("/fill", abi.O_WRONLY|abi.O_CREAT)
	chunk := bytes.Repeat([]byte("f"), 1<<20)
	total := 0
	for i := 0; i < 64; i++ {
		n, err := f.Write(e.c, chunk)
		total += n
		if err == abi.ENOSPC {
			break
		}
		e.must(err)
	}
	f.DecRef()
	if total >= 16<<20 || total < 8<<20 {
		t.Errorf("wrote %d bytes to a 16 MiB filesystem", total)
	}
	if st := e.fs.Statfs(); st.Bfree != 0 {
		t.Errorf("statfs after filling: %d free", st.Bfree)
	}
	e.must(e.v.UnlinkAt(e.c, e.fsc, nil, "/fill", 0))
	e.unmount()
	fsck(t, img)
}

// TestUnlinkWhileOpen keeps reading a file whose last name is gone; its
// blocks return at the last close.
func TestUnlinkWhileOpen(t *testing.T) {
	img := mkfs(t, "16M", "")
	e := mountImg(t, img, 0)
	e.writeFile("/f", bytes.Repeat([]byte("z"), 1<<20))
	before := e.fs.Statfs().Bfree
	f := e.open("/f", abi.O_RDONLY)
	e.must(e.v.UnlinkAt(e.c, e.fsc, nil, "/f", 0))
	if e.fs.Statfs().Bfree != before {
		t.Error("blocks freed while the file is open")
	}
	buf := make([]byte, 10)
	if n, err := f.Pread(e.c, buf, 1000); err != nil || string(buf[:n]) != "zzzzzzzzzz" {
		t.Errorf("read of the unlinked file: %q %v", buf[:n], err)
	}
	f.DecRef()
	if got := e.fs.Statfs().Bfree; got != before+256 {
		t.Errorf("free blocks %d after the last close, want %d", got, before+256)
	}
	e.unmount()
	fsck(t, img)
}

// TestHtreeGrowsALevel fills an htree directory with long names until
// the root's entries no longer fit and the index grows a second level
// (then interior nodes split); e2fsck checks every leaf's hash range.
func TestHtreeGrowsALevel(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	img := mkfs(t, "128M", srcTreeWithBigDir(t, t.TempDir()))
	indexDirs(t, img)
	e := mountImg(t, img, 0)
	long := strings.Repeat("x", 200)
	const n = 12000
	for i := 0; i < n; i++ {
		f := e.open(fmt.Sprintf("/hashed/%s-%05d", long, i), abi.O_WRONLY|abi.O_CREAT|abi.O_EXCL)
		f.DecRef()
	}
	e.unmount()
	fsck(t, img)
	dump := debugfs(t, img, "htree /hashed")
	if !strings.Contains(dump, "Indirect levels: 1") {
		t.Fatalf("the index did not grow a level:\n%.2000s", dump)
	}
	if got := len(debugfsLs(t, img, "/hashed")); got != n+300 {
		t.Errorf("debugfs lists %d names, want %d", got, n+300)
	}
}

// TestSmallBlocksManyGroups uses 1 KiB blocks and 1 MiB groups (64
// groups, most BLOCK_UNINIT and INODE_UNINIT, superblock backups in
// sparse groups): a large file and many directories spread over groups
// that have to be initialised, and e2fsck checks every bitmap.
func TestSmallBlocksManyGroups(t *testing.T) {
	need(t, "mkfs.ext4")
	img := filepath.Join(t.TempDir(), "img")
	run(t, "mkfs.ext4", "-F", "-q", "-b", "1024", "-g", "1024", "-N", "4096", img, "64M")
	if !strings.Contains(run(t, "dumpe2fs", img), "BLOCK_UNINIT") {
		t.Fatal("no uninitialised groups to test")
	}
	e := mountImg(t, img, 0)
	big := make([]byte, 30<<20)
	rand.New(rand.NewSource(3)).Read(big)
	e.writeFile("/big", big)
	for i := 0; i < 200; i++ {
		e.must(e.v.MkdirAt(e.c, e.fsc, nil, fmt.Sprintf("/d%d", i), 0o755))
		e.writeFile(fmt.Sprintf("/d%d/f", i), []byte(strconv.Itoa(i)))
	}
	e.must(e.v.Truncate(e.c, e.fsc, "/big", 10<<20))
	e.unmount()
	fsck(t, img)
	if got := debugfs(t, img, "cat /big"); got != string(big[:10<<20]) {
		t.Errorf("/big: %d bytes back", len(got))
	}
	if got := debugfs(t, img, "cat /d199/f"); got != "199" {
		t.Errorf("/d199/f: %q", got)
	}
}

// TestRemountAndUmount drives MS_REMOUNT and umount2 through the VFS: a
// remount read-only leaves the filesystem clean for e2fsck while mounted,
// read-write again takes writes, and unmounting the last mount flushes
// and marks it clean.
func TestRemountAndUmount(t *testing.T) {
	img := mkfs(t, "16M", "")
	e := mountImg(t, img, 0)
	e.writeFile("/before", []byte("1"))
	e.must(e.v.Remount(e.c, e.fsc, "/", abi.MS_RDONLY, ""))
	fsck(t, img) // clean while still mounted read-only
	if _, err := e.v.OpenAt(e.c, e.fsc, nil, "/x", abi.O_WRONLY|abi.O_CREAT, 0o644); err != abi.EROFS {
		t.Errorf("create after remount ro: %v", err)
	}
	if err := e.v.Remount(e.c, e.fsc, "/", 0, "bogus_option"); err == nil {
		t.Error("remount with an unknown option succeeded")
	}
	e.must(e.v.Remount(e.c, e.fsc, "/", 0, ""))
	e.writeFile("/after", []byte("2"))

	// A second ext4 filesystem mounted below, then unmounted.
	img2 := mkfs(t, "16M", "")
	fs2, err := Mount(openDev(t, img2, false), 0, "", nil)
	e.must(err)
	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/mnt", 0o755))
	e.must(e.v.Mount(e.c, e.fsc, "/mnt", fs2, 0, "img2", ""))
	e.writeFile("/mnt/inner", []byte("inner"))
	e.must(e.v.Umount(e.c, e.fsc, "/mnt", 0))
	fsck(t, img2)
	if got := debugfs(t, img2, "cat /inner"); got != "inner" {
		t.Errorf("/inner after umount: %q", got)
	}
	e.unmount()
	fsck(t, img)
	if got := debugfs(t, img, "cat /after"); got != "2" {
		t.Errorf("/after: %q", got)
	}
}

// TestWriteProtectedDevice: a read-write mount of a write-protected disk
// is EACCES; read-only works.
func TestWriteProtectedDevice(t *testing.T) {
	img := mkfs(t, "16M", "")
	dev := openDev(t, img, true)
	if _, err := Mount(dev, 0, "", nil); !errors.Is(err, abi.EACCES) {
		t.Errorf("rw mount: %v", err)
	}
	if _, err := Mount(dev, abi.MS_RDONLY, "", nil); err != nil {
		t.Errorf("ro mount: %v", err)
	}
}

// TestReaddirHashOrder: a directory Linux would list in hash order (one
// block, or an htree, which a one-block directory becomes when it fills)
// lists ".", "..", then names by (hash, minor hash), across many small
// getdents calls, with removals in between neither repeating nor losing
// a name.
func TestReaddirHashOrder(t *testing.T) {
	img := mkfs(t, "32M", "")
	e := mountImg(t, img, 0)
	for _, n := range []int{5, 400} {
		dir := fmt.Sprintf("/d%d", n)
		e.must(e.v.MkdirAt(e.c, e.fsc, nil, dir, 0o755))
		for i := 0; i < n; i++ {
			f := e.open(fmt.Sprintf("%s/name-%d", dir, i), abi.O_WRONLY|abi.O_CREAT)
			f.DecRef()
		}
		in, err := e.v.InodeAt(e.c, e.fsc, nil, dir, 0)
		e.must(err)
		dp := in.Ops.(*inode)
		if n > 100 && !dp.indexed() {
			t.Fatalf("%s did not become an htree", dir)
		}
		hv, err := e.fs.hashVersion(dp)
		e.must(err)
		f := e.open(dir, abi.O_RDONLY|abi.O_DIRECTORY)
		var names []string
		removed := map[string]bool{}
		for call := 0; ; call++ {
			b, err := f.Getdents64(200)
			e.must(err)
			if len(b) == 0 {
				break
			}
			for len(b) > 0 {
				rl := int(b[16]) | int(b[17])<<8
				names = append(names, strings.TrimRight(string(b[19:rl]), "\x00"))
				b = b[rl:]
			}
			if call == 3 && n > 100 {
				// Remove one name already listed and one not yet.
				for _, victim := range []string{names[len(names)-1], "name-399"} {
					if !removed[victim] {
						e.must(e.v.UnlinkAt(e.c, e.fsc, nil, dir+"/"+victim, 0))
						removed[victim] = true
					}
				}
			}
		}
		f.DecRef()
		if names[0] != "." || names[1] != ".." {
			t.Fatalf("%s starts %q", dir, names[:2])
		}
		seen := map[string]bool{}
		var last uint64
		for _, name := range names[2:] {
			if seen[name] {
				t.Fatalf("%s: %s listed twice", dir, name)
			}
			seen[name] = true
			major, minor, _ := layout.DirHash([]byte(name), hv, e.fs.sb.HashSeed)
			pos := uint64(major>>1)<<32 | uint64(minor)
			if pos < last {
				t.Fatalf("%s: %s out of hash order", dir, name)
			}
			last = pos
		}
		want := n
		if removed["name-399"] && !seen["name-399"] {
			want-- // removed before it was listed
		}
		if len(seen) != want {
			t.Errorf("%s: %d names listed, want %d", dir, len(seen), want)
		}
	}
	e.unmount()
	fsck(t, img)
	if !strings.Contains(debugfs(t, img, "htree /d400"), "Root node dump") {
		t.Error("/d400 is not an htree on disk")
	}
}

// TestOlderFeatureSets writes to filesystems without metadata_csum (the
// crc16 group checksums of uninit_bg, 32-byte descriptors, no directory
// tails) and without any checksums or flex_bg, the way ext4 images made
// by older tools are.
func TestOlderFeatureSets(t *testing.T) {
	for _, opts := range []string{"^metadata_csum,^64bit", "^metadata_csum,^64bit,^uninit_bg,^flex_bg,^huge_file"} {
		t.Run(opts, func(t *testing.T) {
			img := mkfs(t, "64M", "", "-O", opts)
			e := mountImg(t, img, 0)
			e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/dir", 0o755))
			for i := 0; i < 3000; i++ {
				e.writeFile(fmt.Sprintf("/dir/file-%04d", i), []byte(strconv.Itoa(i)))
			}
			for i := 0; i < 3000; i += 3 {
				e.must(e.v.UnlinkAt(e.c, e.fsc, nil, fmt.Sprintf("/dir/file-%04d", i), 0))
			}
			big := bytes.Repeat([]byte("older"), 1<<20)
			e.writeFile("/big", big)
			e.must(e.v.SymlinkAt(e.c, e.fsc, strings.Repeat("s", 200), nil, "/slow"))
			e.unmount()
			fsck(t, img)
			if got := debugfs(t, img, "cat /dir/file-2999"); got != "2999" {
				t.Errorf("/dir/file-2999: %q", got)
			}
			if got := len(debugfsLs(t, img, "/dir")); got != 2000 {
				t.Errorf("/dir: %d names", got)
			}
		})
	}
}

// TestCreateInRemovedDirectory: a directory removed while something
// still refers to it takes no new names (ENOENT, as Linux's dead
// directories).
func TestCreateInRemovedDirectory(t *testing.T) {
	img := mkfs(t, "16M", "")
	e := mountImg(t, img, 0)
	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/gone", 0o755))
	d := e.open("/gone", abi.O_RDONLY|abi.O_DIRECTORY)
	defer d.DecRef()
	e.must(e.v.UnlinkAt(e.c, e.fsc, nil, "/gone", abi.AT_REMOVEDIR))
	if _, err := e.v.OpenAt(e.c, e.fsc, d, "new", abi.O_WRONLY|abi.O_CREAT, 0o644); err != abi.ENOENT {
		t.Errorf("create in a removed directory: %v", err)
	}
	if _, err := d.Getdents64(4096); err != abi.ENOENT {
		t.Errorf("getdents of a removed directory: %v, want ENOENT", err)
	}
	e.unmount()
	fsck(t, img)
}

// TestReservedBlocks: an unprivileged writer stops at the root-reserved
// blocks (ENOSPC with statfs's f_bavail at 0), root goes on.
func TestReservedBlocks(t *testing.T) {
	img := mkfs(t, "16M", "", "-m", "10")
	e := mountImg(t, img, 0)
	e.must(e.v.ChmodAt(e.c, e.fsc, nil, "/", 0o777, 0))
	user := &vfs.Caller{Creds: vfs.Creds{UID: 1000, GID: 1000}}
	f, err := e.v.OpenAt(user, e.fsc, nil, "/user", abi.O_WRONLY|abi.O_CREAT, 0o644)
	e.must(err)
	chunk := make([]byte, 1<<20)
	for {
		if _, err := f.Write(user, chunk); err != nil {
			if err != abi.ENOSPC {
				t.Fatalf("user write: %v", err)
			}
			break
		}
	}
	f.DecRef()
	st := e.fs.Statfs()
	if st.Bavail != 0 || st.Bfree < e.fs.sb.RBlocksCount {
		t.Errorf("after the user filled it: bfree %d bavail %d, reserved %d", st.Bfree, st.Bavail, e.fs.sb.RBlocksCount)
	}
	e.writeFile("/root", make([]byte, 512<<10)) // root may use the reserve
	e.unmount()
	fsck(t, img)
}

// TestFullWithExtentTree fills the filesystem with a file of many
// extents (every other block), so the last writes also need extent tree
// blocks: whatever fails, e2fsck finds no leaked or lost block.
func TestFullWithExtentTree(t *testing.T) {
	img := mkfs(t, "8M", "")
	e := mountImg(t, img, 0)
	f := e.open("/frag", abi.O_RDWR|abi.O_CREAT)
	blk := bytes.Repeat([]byte("x"), 4096)
	for i := 0; ; i++ {
		if _, err := f.Pwrite(e.c, blk, int64(i)*8192); err != nil {
			if err != abi.ENOSPC {
				t.Fatalf("write %d: %v", i, err)
			}
			break
		}
	}
	f.DecRef()
	e.unmount()
	fsck(t, img)
}
