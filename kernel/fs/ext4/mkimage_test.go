package ext4

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mkext4 "aramid/imagebuild/disk/ext4"
	"aramid/imagebuild/tree"
	"aramid/kernel/abi"
)

// TestMountMkimageRoot mounts the root filesystem mkimage's writer makes
// (what mke2fs -t ext4 makes: journal, metadata_csum, 64bit, flex_bg,
// htree directories), reads the tree back, writes to it through the
// journal, and leaves it clean for e2fsck.
func TestMountMkimageRoot(t *testing.T) {
	need(t, "e2fsck", "debugfs", "dumpe2fs")
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
	add(tree.Entry{Path: "/dev/big", Type: tree.BlockDev, Mode: 0o600, Major: 259, Minor: 300})
	add(tree.Entry{Path: "/tmp", Type: tree.Dir, Mode: 0o1777})
	for i := 0; i < 300; i++ {
		add(tree.Entry{Path: fmt.Sprintf("/many/file-%03d", i), Type: tree.Regular, Mode: 0o644, Data: []byte{byte(i)}})
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	add(tree.Entry{Path: "/big", Type: tree.Regular, Mode: 0o644, Data: big})
	im, err := mkext4.Make(tr, mkext4.Options{UUID: [16]byte{1}, HashSeed: [16]byte{2}, Time: time.Unix(1700000000, 0), Size: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if im.HashedDirs != 1 {
		t.Fatalf("%d hashed directories in the image, want /many", im.HashedDirs)
	}
	path := filepath.Join(t.TempDir(), "root.img")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(im.Size); err != nil {
		t.Fatal(err)
	}
	if err := im.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	e := mountImg(t, path, 0)
	if got := e.readFile("/bin/prog"); string(got) != "#!/bin/sh\necho hi\n" {
		t.Errorf("/bin/prog: %q", got)
	}
	if st := e.stat("/usr/bin/alias"); st.Nlink != 2 {
		t.Errorf("hard link count %d", st.Nlink)
	}
	if got, _ := e.v.ReadlinkAt(e.c, e.fsc, nil, "/long"); got != "/"+strings.Repeat("x", 100) {
		t.Errorf("/long -> %q", got)
	}
	if st := e.stat("/dev/big"); st.Rdev != abi.MakeDev(259, 300) {
		t.Errorf("/dev/big rdev %#x", st.Rdev)
	}
	if !bytes.Equal(e.readFile("/big"), big) {
		t.Error("/big differs")
	}
	if n := len(e.readdir("/many")); n != 302 {
		t.Errorf("/many: %d entries", n)
	}
	// Writes go through the journal: invisible on the disk until a sync.
	e.writeFile("/tmp/new", []byte("written by the kernel"))
	if strings.Contains(debugfs(t, path, "ls -p /tmp"), "new") {
		t.Fatal("/tmp/new on the disk before a sync: nothing is journalled")
	}
	e.must(e.v.Sync())
	if got := debugfs(t, path, "cat /tmp/new"); got != "written by the kernel" {
		t.Errorf("after sync, /tmp/new reads %q from the disk", got)
	}
	// /many is an htree: long names split its leaves.
	for i := 0; i < 400; i++ {
		e.writeFile(fmt.Sprintf("/many/%s-%03d", strings.Repeat("n", 200), i), nil)
	}
	if n := len(e.readdir("/many")); n != 702 {
		t.Errorf("/many: %d entries after adding", n)
	}
	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/tmp/d", 0o755))
	e.must(e.v.RenameAt(e.c, e.fsc, nil, "/many/file-000", nil, "/tmp/d/moved", 0))
	e.must(e.v.UnlinkAt(e.c, e.fsc, nil, "/big", 0))
	e.unmount()
	fsck(t, path)
	if got := len(debugfsLs(t, path, "/many")); got != 699 {
		t.Errorf("debugfs lists %d names in /many", got)
	}
	if got := debugfs(t, path, "cat /tmp/d/moved"); got != "\x00" {
		t.Errorf("/tmp/d/moved: %q", got)
	}
	// The journal carried the transactions: its sequence moved on from
	// the 1 the writer gave it.
	if h := run(t, "dumpe2fs", "-h", path); strings.Contains(h, "Journal sequence:         0x00000001") {
		t.Errorf("journal sequence still 1 after commits:\n%s", h)
	}
}
