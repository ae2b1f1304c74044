package ext4

import (
	"fmt"
	"testing"
	"time"

	"aramid/kernel/abi"
)

// TestBigDirUnlinkAfterRemount creates 10,000 names in one directory,
// remounts, and unlinks every tenth: each unlink must be quick and the
// rest must list.
func TestBigDirUnlinkAfterRemount(t *testing.T) {
	img := mkfs(t, "256M", "", "-N", "32768")
	e := mountImg(t, img, 0)
	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/d", 0o755))
	for i := 0; i < 10000; i++ {
		f := e.open(fmt.Sprintf("/d/entry-%d-with-a-longer-name", i), abi.O_WRONLY|abi.O_CREAT)
		f.DecRef()
	}
	e.unmount()
	e = mountImg(t, img, 0)
	start := time.Now()
	for i := 1; i < 10000; i += 10 {
		e.must(e.v.UnlinkAt(e.c, e.fsc, nil, fmt.Sprintf("/d/entry-%d-with-a-longer-name", i), 0))
	}
	t.Logf("1000 unlinks: %v", time.Since(start))
	if n := len(e.readdir("/d")); n != 9002 {
		t.Errorf("%d entries, want 9002", n)
	}
	e.unmount()
	fsck(t, img)
}
