package ext4

import (
	"fmt"
	"testing"

	"aramid/kernel/abi"
)

// flushDev counts the device's flushes.
type flushDev struct {
	*fileDev
	flushes int
}

func (d *flushDev) Flush() error { d.flushes++; return nil }

// TestCommitFlushes: an fsync that commits flushes three times (the
// pending transaction's home blocks, the log, the commit block), the
// first one two; sync empties the journal (its superblock's s_start is 0),
// so e2fsck finds the image clean without unmounting.
func TestCommitFlushes(t *testing.T) {
	img := mkfs(t, "32M", "")
	e := mountImg(t, img, 0)
	d := &flushDev{fileDev: e.dev}
	e.fs.dev = d
	js := func() uint32 { return e.fs.jnl.j.js.Start }
	e.must(e.fs.Sync()) // start from an empty journal
	if js() != 0 {
		t.Fatalf("journal start %d after sync", js())
	}
	for i, want := range []int{2, 3, 3, 3} {
		f := e.open(fmt.Sprintf("/f%d", i), abi.O_WRONLY|abi.O_CREAT)
		d.flushes = 0
		e.must(f.Fsync())
		f.DecRef()
		if d.flushes != want {
			t.Errorf("fsync %d: %d flushes, want %d", i, d.flushes, want)
		}
		if js() == 0 {
			t.Errorf("fsync %d: the journal is empty: the committed transaction should stay until the next commit", i)
		}
	}
	e.must(e.fs.Sync())
	if js() != 0 {
		t.Errorf("journal start %d after sync, want 0 (empty)", js())
	}
	// Abandon the mount without unmounting: the disk as a power-off
	// after sync leaves it.
	e.fs.abandon()
	fsck(t, img)
}
