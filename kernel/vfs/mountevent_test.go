package vfs_test

import (
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/vfs"
)

// TestMountEvent checks that every change of the mount table (and nothing
// else) moves the event counter and wakes the queue's waiters, as Linux's
// namespace event does for poll on mountinfo.
func TestMountEvent(t *testing.T) {
	e := newEnv(t)
	e.mkdir("/mnt", 0o755)
	w := vfs.NewWaiter()
	e.v.MountQueue().Register(w, abi.POLLPRI)
	defer e.v.MountQueue().Unregister(w)
	clock := func() time.Time { return time.Unix(1, 0) }
	steps := []struct {
		name   string
		do     func() error
		change bool
	}{
		{"mkdir", func() error { return e.v.MkdirAt(e.root, e.fsc, nil, "/mnt/d", 0o755) }, false},
		{"mount", func() error {
			return e.v.Mount(e.root, e.fsc, "/mnt", tmpfs.New(tmpfs.Options{Clock: clock}), 0, "none", "")
		}, true},
		{"remount", func() error { return e.v.Remount(e.root, e.fsc, "/mnt", abi.MS_NOSUID, "") }, true},
		{"failed umount", func() error {
			if err := e.v.Umount(e.root, e.fsc, "/", 0); err != abi.EINVAL {
				t.Errorf("umount / = %v", err)
			}
			return nil
		}, false},
		{"bind", func() error { return e.v.BindMount(e.root, e.fsc, "/mnt", "/mnt", 0) }, true},
		{"umount", func() error { return e.v.Umount(e.root, e.fsc, "/mnt", abi.MNT_DETACH) }, true},
	}
	for _, s := range steps {
		before := e.v.MountEvent()
		e.must(s.do())
		if changed := e.v.MountEvent() != before; changed != s.change {
			t.Errorf("%s: event changed = %v, want %v", s.name, changed, s.change)
		}
		woke := false
		select {
		case <-w.C():
			woke = true
		default:
		}
		if s.change && !woke {
			t.Errorf("%s: the queue was not notified", s.name)
		}
	}
}
