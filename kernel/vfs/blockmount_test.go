package vfs_test

import (
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/vfs"
)

// TestMountBlock: mount(2) of a disk filesystem resolves the source to a
// block device node and gives the factory its number; the release runs
// when the last mount goes.
func TestMountBlock(t *testing.T) {
	e := newEnv(t)
	e.mkdir("/mnt", 0o755)
	e.mkdir("/dev", 0o755)
	e.must(e.v.MknodAt(e.root, e.fsc, nil, "/dev/vda2", abi.S_IFBLK|0o600, abi.MakeDev(254, 2)))
	e.must(e.v.MknodAt(e.root, e.fsc, nil, "/dev/null", abi.S_IFCHR|0o666, abi.MakeDev(1, 3)))
	e.write("/file", "x")
	var gotDev uint64
	released := 0
	e.v.RegisterBlockFilesystem("fake", func(c *vfs.Caller, rdev uint64, source string, flags uint32, data string) (vfs.Filesystem, func(), error) {
		gotDev = rdev
		if rdev != abi.MakeDev(254, 2) {
			return nil, nil, abi.ENXIO
		}
		return tmpfs.New(tmpfs.Options{Clock: time.Now, Mode: 0o755, Name: "fake"}), func() { released++ }, nil
	})
	for _, c := range []struct {
		source, target string
		want           error
	}{
		{"/dev/vda2", "/nope", abi.ENOENT},
		{"/dev/nope", "/mnt", abi.ENOENT},
		{"/dev/null", "/mnt", abi.ENOTBLK},
		{"/file", "/mnt", abi.ENOTBLK},
		{"/dev", "/mnt", abi.ENOTBLK},
	} {
		if err := e.v.MountByType(e.root, e.fsc, c.source, c.target, "fake", 0, ""); err != c.want {
			t.Errorf("mount %s on %s: %v, want %v", c.source, c.target, err, c.want)
		}
	}
	if err := e.v.MountByType(e.user, e.fsc, "/dev/vda2", "/mnt", "fake", 0, ""); err != abi.EPERM {
		t.Errorf("mount as a user: %v", err)
	}
	if err := e.v.MountByType(e.root, e.fsc, "/dev/vda2", "/mnt", "fake", 0, ""); err != nil {
		t.Fatal(err)
	}
	if gotDev != abi.MakeDev(254, 2) {
		t.Errorf("factory got %#x", gotDev)
	}
	found := false
	for _, m := range e.v.Mounts(e.fsc) {
		if m.MountPoint == "/mnt" && m.FSType == "fake" && m.Source == "/dev/vda2" {
			found = true
		}
	}
	if !found {
		t.Errorf("mount table: %+v", e.v.Mounts(e.fsc))
	}
	e.must(e.v.Umount(e.root, e.fsc, "/mnt", 0))
	if released != 1 {
		t.Errorf("released %d times after umount", released)
	}
	// A nodev mount's device nodes cannot be mounted from.
	e.v.RegisterFilesystem("tmpfs", func(string, uint32, string) (vfs.Filesystem, error) {
		return tmpfs.New(tmpfs.Options{Clock: time.Now, Mode: 0o755}), nil
	})
	e.must(e.v.MountByType(e.root, e.fsc, "tmpfs", "/mnt", "tmpfs", abi.MS_NODEV, ""))
	e.must(e.v.MknodAt(e.root, e.fsc, nil, "/mnt/vda2", abi.S_IFBLK|0o600, abi.MakeDev(254, 2)))
	if err := e.v.MountByType(e.root, e.fsc, "/mnt/vda2", "/dev", "fake", 0, ""); err != abi.EACCES {
		t.Errorf("mount from a nodev mount: %v", err)
	}
}

// TestMountBlockFSRelease: the kernel's own mount of a disk filesystem
// (the root) releases the device at its unmount too.
func TestMountBlockFSRelease(t *testing.T) {
	e := newEnv(t)
	e.mkdir("/root", 0o755)
	released := 0
	fs := tmpfs.New(tmpfs.Options{Clock: time.Now, Mode: 0o755, Name: "fake"})
	e.must(e.v.MountBlockFS(e.root, e.fsc, "/root", fs, func() { released++ }, 0, "/dev/root", ""))
	e.must(e.v.Umount(e.root, e.fsc, "/root", 0))
	if released != 1 {
		t.Errorf("released %d times", released)
	}
}
