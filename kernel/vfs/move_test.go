package vfs_test

import (
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/vfs"
)

func TestMoveMount(t *testing.T) {
	e := newEnv(t)
	e.v.RegisterFilesystem("tmpfs", func(string, uint32, string) (vfs.Filesystem, error) {
		return tmpfs.New(tmpfs.Options{Clock: time.Now, Mode: 0o755}), nil
	})
	for _, d := range []string{"/a", "/b", "/plain"} {
		e.mkdir(d, 0o755)
	}
	e.write("/file", "f")
	e.must(e.v.MountByType(e.root, e.fsc, "tmpfs", "/a", "tmpfs", 0, ""))
	e.write("/a/inside", "x")
	e.mkdir("/a/sub", 0o755)
	e.must(e.v.MountByType(e.root, e.fsc, "tmpfs", "/a/sub", "tmpfs", 0, ""))
	e.write("/a/sub/deep", "y")
	for _, c := range []struct {
		src, dst string
		want     error
	}{
		{"/plain", "/b", abi.EINVAL}, // not a mount
		{"/", "/b", abi.EINVAL},      // the namespace root
		{"/a", "/file", abi.EINVAL},  // directory onto a file
		{"/a", "/a/sub", abi.ELOOP},  // into itself
		{"/nope", "/b", abi.ENOENT},
		{"/a", "/nope", abi.ENOENT},
	} {
		if err := e.v.MountByType(e.root, e.fsc, c.src, c.dst, "", abi.MS_MOVE, ""); err != c.want {
			t.Errorf("move %s to %s: %v, want %v", c.src, c.dst, err, c.want)
		}
	}
	if err := e.v.MountByType(e.user, e.fsc, "/a", "/b", "", abi.MS_MOVE, ""); err != abi.EPERM {
		t.Errorf("move as a user: %v", err)
	}
	e.must(e.v.MountByType(e.root, e.fsc, "/a", "/b", "", abi.MS_MOVE, ""))
	if s, err := e.read(e.root, "/b/inside"); s != "x" || err != nil {
		t.Errorf("/b/inside: %q %v", s, err)
	}
	if s, err := e.read(e.root, "/b/sub/deep"); s != "y" || err != nil {
		t.Errorf("the submount did not move along: %q %v", s, err)
	}
	if _, err := e.read(e.root, "/a/inside"); err != abi.ENOENT {
		t.Errorf("/a/inside after the move: %v", err)
	}
	var points []string
	for _, m := range e.v.Mounts(e.fsc) {
		points = append(points, m.MountPoint)
	}
	if len(points) != 3 || points[1] != "/b" || points[2] != "/b/sub" {
		t.Errorf("mount points %v", points)
	}
	// switch_root: chdir to the new root, move it onto /, chroot ".".
	e.must(e.v.Chdir(e.root, e.fsc, nil, "/b"))
	e.must(e.v.MountByType(e.root, e.fsc, ".", "/", "", abi.MS_MOVE, ""))
	e.must(e.v.Chroot(e.root, e.fsc, "."))
	if s, err := e.read(e.root, "/inside"); s != "x" || err != nil {
		t.Errorf("/inside after switch_root: %q %v", s, err)
	}
	if _, err := e.read(e.root, "/file"); err != abi.ENOENT {
		t.Errorf("the old root's /file is visible: %v", err)
	}
	points = nil
	for _, m := range e.v.Mounts(e.fsc) {
		points = append(points, m.MountPoint)
	}
	if len(points) != 2 || points[0] != "/" || points[1] != "/sub" {
		t.Errorf("mount points after switch_root %v", points)
	}
}
