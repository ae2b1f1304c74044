package ext4

import (
	"bytes"
	"testing"

	"aramid/kernel/abi"
)

// fakeFrames is a PageSource and PageInvalidator in memory.
type fakeFrames struct {
	next        uint64
	live        map[uint64]*[pageSize]byte
	invalidated []int64
}

func (f *fakeFrames) AllocPage() (uint64, *[pageSize]byte, error) {
	f.next++
	if f.live == nil {
		f.live = map[uint64]*[pageSize]byte{}
	}
	p := new([pageSize]byte)
	f.live[f.next] = p
	return f.next, p, nil
}
func (f *fakeFrames) PutPage(fr uint64) { delete(f.live, fr) }
func (f *fakeFrames) InvalidateFrom(owner any, first int64) {
	f.invalidated = append(f.invalidated, first)
}

// TestSharedMapping: a page mapped shared holds the file's bytes; stores
// into it are seen by read(2) and reach the disk on fsync; write(2) is
// seen through the mapping; truncation drops the pages past the end and
// invalidates their mappings.
func TestSharedMapping(t *testing.T) {
	img := mkfs(t, "16M", "")
	e := mountImg(t, img, 0)
	frames := &fakeFrames{}
	e.fs.SetPageSource(frames)
	content := bytes.Repeat([]byte("m"), 3*pageSize+100)
	e.writeFile("/m", content)
	f := e.open("/m", abi.O_RDWR)
	defer f.DecRef()
	ip := f.Inode.Ops.(*inode)
	if !ip.CanMapShared() {
		t.Fatal("CanMapShared false with a page source")
	}
	fr, err := ip.MapPage(f.Inode, 1)
	e.must(err)
	data := frames.live[fr]
	if !bytes.Equal(data[:], content[pageSize:2*pageSize]) {
		t.Fatal("mapped page does not hold the file's bytes")
	}
	if _, err := ip.MapPage(f.Inode, 4); err != abi.EFAULT {
		t.Errorf("page past the end: %v, want EFAULT", err)
	}
	copy(data[10:], "STORED")
	buf := make([]byte, 6)
	if _, err := f.Pread(e.c, buf, pageSize+10); err != nil || string(buf) != "STORED" {
		t.Errorf("read after a store: %q %v", buf, err)
	}
	_, err = f.Pwrite(e.c, []byte("WRITTEN"), pageSize+100)
	e.must(err)
	if string(data[100:107]) != "WRITTEN" {
		t.Error("write(2) not seen through the mapping")
	}
	e.must(f.Fsync())
	got := debugfs(t, img, "cat /m")
	if got[pageSize+10:pageSize+16] != "STORED" || got[pageSize+100:pageSize+107] != "WRITTEN" {
		t.Errorf("disk after fsync: %q", got[pageSize:pageSize+110])
	}
	// Truncate into page 1: page 1 keeps its head, later pages go.
	_, err = ip.MapPage(f.Inode, 2)
	e.must(err)
	e.must(f.Truncate(pageSize + 50))
	// Every frame still live is a cached page before the new end.
	for idx := range ip.pages {
		if idx >= 2 {
			t.Errorf("page %d still cached past the end", idx)
		}
	}
	if len(frames.live) != len(ip.pages) || len(frames.invalidated) != 1 || frames.invalidated[0] != 2 {
		t.Errorf("after truncate: %d frames live for %d pages, invalidated %v", len(frames.live), len(ip.pages), frames.invalidated)
	}
	if data[60] != 0 {
		t.Error("mapped page not cleared past the new end")
	}
	e.unmount()
	fsck(t, img)
}
