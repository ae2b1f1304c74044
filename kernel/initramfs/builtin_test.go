package initramfs

import (
	"testing"

	"aramid/kernel/abi"
)

// TestBuiltin unpacks the built-in archive, then an image that has its own
// /dev/console and /root: the built-in entries exist alone, and the image's
// win where it has them, as on Linux.
func TestBuiltin(t *testing.T) {
	e := newEnv()
	if err := UnpackBuiltin(e.v, e.fsc, "/"); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		path string
		mode uint32
		rdev uint64
	}{
		{"/dev", abi.S_IFDIR | 0o755, 0},
		{"/dev/console", abi.S_IFCHR | 0o600, abi.MakeDev(5, 1)},
		{"/root", abi.S_IFDIR | 0o700, 0},
	}
	for _, w := range want {
		if st := e.stat(t, w.path); st.Mode != w.mode || st.Rdev != w.rdev || st.UID != 0 {
			t.Errorf("%s: mode %o rdev %#x uid %d, want %o %#x 0", w.path, st.Mode, st.Rdev, st.UID, w.mode, w.rdev)
		}
	}
	img := newc("070701",
		entry{name: "root", mode: abi.S_IFDIR | 0o750, uid: 3},
		entry{name: "dev/console", mode: abi.S_IFCHR | 0o620, rmaj: 5, rmin: 1})
	if err := Unpack(e.v, e.fsc, "/", img); err != nil {
		t.Fatal(err)
	}
	if st := e.stat(t, "/root"); st.Mode != abi.S_IFDIR|0o750 || st.UID != 3 {
		t.Errorf("/root after the image: %o uid %d", st.Mode, st.UID)
	}
	if st := e.stat(t, "/dev/console"); st.Mode != abi.S_IFCHR|0o620 {
		t.Errorf("/dev/console after the image: %o", st.Mode)
	}
}
