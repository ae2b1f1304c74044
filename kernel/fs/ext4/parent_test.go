package ext4

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"aramid/kernel/abi"
)

// TestDotDotOfDiskDirectories checks ".." of directories read from the
// disk (not made by this mount): it names the containing directory, and
// renaming a directory into its own subdirectory is EINVAL, which needs
// the same links.
func TestDotDotOfDiskDirectories(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "d/e/f"), 0o755)
	img := mkfs(t, "8M", src)
	e := mountImg(t, img, 0)
	ino := func(p string) uint64 {
		t.Helper()
		st, err := e.v.StatAt(e.c, e.fsc, nil, p, 0)
		if err != nil {
			t.Fatalf("stat %s: %v", p, err)
		}
		return st.Ino
	}
	for _, tc := range []struct{ path, same string }{
		{"/d/e/..", "/d"},
		{"/d/e/f/../..", "/d"},
		{"/d/e/../..", "/"},
		{"/d/e/f/../../../d/e", "/d/e"},
	} {
		if got, want := ino(tc.path), ino(tc.same); got != want {
			t.Errorf("%s is inode %d, want %d (%s)", tc.path, got, want, tc.same)
		}
	}
	if err := e.v.RenameAt(e.c, e.fsc, nil, "/d", nil, "/d/e/f/x", 0); !errors.Is(err, abi.EINVAL) {
		t.Errorf("rename /d into its own subdirectory: %v, want EINVAL", err)
	}
	e.unmount()
	fsck(t, img)
}

// TestDirectoryLoopOnDisk mounts an image whose directories name the
// root, themselves and an ancestor: the lookups fail (ELOOP for an
// ancestor, as Linux's d_splice_alias; EUCLEAN for the directory itself,
// as ext4_lookup), and ".." still leads up.
func TestDirectoryLoopOnDisk(t *testing.T) {
	need(t, "mkfs.ext4", "debugfs")
	img := mkfs(t, "8M", "")
	for _, req := range []string{"mkdir /d", "mkdir /d/e", "ln <2> /d/loop", "ln /d /d/self", "ln /d /d/e/up"} {
		if out, err := exec.Command("debugfs", "-w", "-R", req, img).CombinedOutput(); err != nil {
			t.Fatalf("debugfs %s: %v\n%s", req, err, out)
		}
	}
	e := mountImg(t, img, abi.MS_RDONLY)
	for _, tc := range []struct {
		path string
		want error
	}{
		{"/d/loop", abi.ELOOP},
		{"/d/self", abi.EUCLEAN},
		{"/d/e/up", abi.ELOOP},
		{"/d/e/..", nil},
	} {
		_, err := e.v.StatAt(e.c, e.fsc, nil, tc.path, 0)
		if !errors.Is(err, tc.want) && err != tc.want {
			t.Errorf("stat %s: %v, want %v", tc.path, err, tc.want)
		}
	}
	st, _ := e.v.StatAt(e.c, e.fsc, nil, "/d/e/../..", 0)
	if st.Ino != 2 {
		t.Errorf("/d/e/../.. is inode %d, want the root", st.Ino)
	}
	e.unmount()
}
