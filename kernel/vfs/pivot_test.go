package vfs_test

import (
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/vfs"
)

func TestPivotRoot(t *testing.T) {
	e := newEnv(t)
	e.v.RegisterFilesystem("tmpfs", func(string, uint32, string) (vfs.Filesystem, error) {
		return tmpfs.New(tmpfs.Options{Clock: time.Now, Mode: 0o755}), nil
	})
	e.mkdir("/t", 0o755)
	e.must(e.v.MountByType(e.root, e.fsc, "tmpfs", "/t", "tmpfs", 0, ""))
	if _, _, err := e.v.PivotRoot(e.root, e.fsc, "/t", "/t"); err != abi.EINVAL {
		t.Errorf("pivot from the namespace's first mount: %v, want EINVAL", err)
	}
	if _, _, err := e.v.PivotRoot(e.user, e.fsc, "/t", "/t"); err != abi.EPERM {
		t.Errorf("pivot as a user: %v, want EPERM", err)
	}
	for _, d := range []string{"/t/new", "/t/third", "/t/plain"} {
		e.mkdir(d, 0o755)
	}
	e.write("/t/marker", "old")
	fsc := e.fsc.Fork()
	e.must(e.v.Chroot(e.root, fsc, "/t"))
	e.must(e.v.Chdir(e.root, fsc, nil, "/"))
	e.must(e.v.MountByType(e.root, fsc, "tmpfs", "/new", "tmpfs", 0, ""))
	e.must(e.v.MountByType(e.root, fsc, "tmpfs", "/third", "tmpfs", 0, ""))
	e.mkdir("/t/new/old", 0o755)
	e.mkdir("/t/new/sub", 0o755)
	for _, c := range []struct {
		newRoot, putOld string
		want            error
	}{
		{"/plain", "/plain", abi.EBUSY},      // new_root on the root mount
		{"/new", "/plain", abi.EBUSY},        // put_old on the root mount
		{"/new/sub", "/new/old", abi.EINVAL}, // not a mount's root
		{"/new", "/third", abi.EINVAL},       // put_old not under new_root
		{"/marker", "/new", abi.ENOTDIR},
		{"/nope", "/new", abi.ENOENT},
	} {
		if _, _, err := e.v.PivotRoot(e.root, fsc, c.newRoot, c.putOld); err != c.want {
			t.Errorf("pivot_root(%s, %s): %v, want %v", c.newRoot, c.putOld, err, c.want)
		}
	}
	from, to, err := e.v.PivotRoot(e.root, fsc, "/new", "/new/old")
	if err != nil {
		t.Fatalf("pivot_root: %v", err)
	}
	if from != fsc.Root() || to == from {
		t.Fatalf("pivot_root returned %v → %v; root %v", from, to, fsc.Root())
	}
	fsc.Repoint(from, to)
	if fsc.Root() != to || fsc.Cwd() != to {
		t.Errorf("Repoint: root %v cwd %v, want %v", fsc.Root(), fsc.Cwd(), to)
	}
	var points []string
	for _, m := range e.v.Mounts(fsc) {
		points = append(points, m.MountPoint)
	}
	// In mount order, as Linux lists its namespace: the old root was
	// mounted first.
	want := []string{"/old", "/", "/old/third"}
	if len(points) != len(want) {
		t.Fatalf("mounts seen from the new root: %v, want %v", points, want)
	}
	for i := range want {
		if points[i] != want[i] {
			t.Errorf("mounts seen from the new root: %v, want %v", points, want)
		}
	}
}
