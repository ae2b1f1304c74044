package ext4

import (
	"os"
	"path/filepath"
	"testing"

	"aramid/kernel/abi"
)

// TestPathOfLoadedDirectory mounts an image made by mkfs.ext4 (every
// directory is on the disk, none was created by this mount) and checks
// the paths the VFS builds from directories it looked up: a file's path
// (what /proc/PID/exe shows for an executable) and getcwd.
func TestPathOfLoadedDirectory(t *testing.T) {
	src := t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "usr", "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "usr", "bin", "busybox"), []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("usr/bin", filepath.Join(src, "bin")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("busybox", filepath.Join(src, "usr", "bin", "sh")); err != nil {
		t.Fatal(err)
	}
	img := mkfs(t, "16M", src)
	e := mountImg(t, img, abi.MS_RDONLY)
	tests := []struct{ open, want string }{
		{"/usr/bin/busybox", "/usr/bin/busybox"},
		{"/bin/sh", "/usr/bin/busybox"},
		{"/bin/busybox", "/usr/bin/busybox"},
	}
	for _, tt := range tests {
		f := e.open(tt.open, abi.O_RDONLY)
		if got := e.v.FilePath(e.fsc, f); got != tt.want {
			t.Errorf("path of %s: %q, want %q", tt.open, got, tt.want)
		}
		f.DecRef()
	}
	d := e.open("/bin", abi.O_RDONLY|abi.O_DIRECTORY)
	defer d.DecRef()
	if got := e.v.FilePath(e.fsc, d); got != "/usr/bin" {
		t.Errorf("path of /bin/: %q, want /usr/bin", got)
	}
}
