package ext4

import (
	"fmt"
	"testing"
	"time"

	"aramid/kernel/abi"
)

// TestThroughputSmoke times the benchmark shapes on a host file
// (not a benchmark of the disk: a check that nothing is pathologically
// slow). 64 MiB sequential write + fsync, its read, and 1,000 files
// created, fsync'd and removed.
func TestThroughputSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	img := mkfs(t, "256M", "")
	e := mountImg(t, img, 0)
	chunk := make([]byte, 64<<10)
	start := time.Now()
	f := e.open("/seq", abi.O_WRONLY|abi.O_CREAT)
	for i := 0; i < 1024; i++ {
		if _, err := f.Write(e.c, chunk); err != nil {
			t.Fatal(err)
		}
	}
	e.must(f.Fsync())
	f.DecRef()
	w := time.Since(start)
	start = time.Now()
	f = e.open("/seq", abi.O_RDONLY)
	for {
		n, err := f.Read(e.c, chunk)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	f.DecRef()
	r := time.Since(start)
	start = time.Now()
	for i := 0; i < 1000; i++ {
		p := fmt.Sprintf("/f%d", i)
		f := e.open(p, abi.O_WRONLY|abi.O_CREAT)
		f.Write(e.c, chunk[:100])
		e.must(f.Fsync())
		f.DecRef()
		e.must(e.v.UnlinkAt(e.c, e.fsc, nil, p, 0))
	}
	c := time.Since(start)
	t.Logf("64 MiB write+fsync %v, read %v, 1000 create+fsync+unlink %v, device writes %d", w, r, c, e.dev.writes)
	if w > 20*time.Second || r > 20*time.Second || c > 30*time.Second {
		t.Errorf("too slow")
	}
	e.unmount()
	fsck(t, img)
}
