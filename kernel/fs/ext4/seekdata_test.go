package ext4

import (
	"testing"

	"aramid/kernel/abi"
)

// TestSeekDataSparse: SEEK_DATA and SEEK_HOLE over a file whose pages
// were stored through a shared mapping into holes (eight extents, more
// than the inode holds), before and after a remount.
func TestSeekDataSparse(t *testing.T) {
	img := mkfs(t, "16M", "")
	e := mountImg(t, img, 0)
	frames := &fakeFrames{}
	e.fs.SetPageSource(frames)
	f := e.open("/s", abi.O_RDWR|abi.O_CREAT)
	e.must(f.Truncate(64 * pageSize))
	ip := f.Inode.Ops.(*inode)
	for pg := int64(0); pg < 64; pg += 8 {
		fr, err := ip.MapPage(f.Inode, pg)
		e.must(err)
		frames.live[fr][7] = 'a'
	}
	e.must(f.Fsync())
	check := func(when string, f interface {
		Seek(int64, int) (int64, error)
	}) {
		for _, tt := range []struct {
			off    int64
			whence int
			want   int64
		}{
			{0, abi.SEEK_DATA, 0},
			{pageSize, abi.SEEK_DATA, 8 * pageSize},
			{pageSize, abi.SEEK_HOLE, pageSize},
			{8 * pageSize, abi.SEEK_HOLE, 9 * pageSize},
			{57 * pageSize, abi.SEEK_DATA, -1},
		} {
			got, err := f.Seek(tt.off, tt.whence)
			if err != nil {
				got = -1
			}
			if got != tt.want {
				t.Errorf("%s: seek(%d, %d) = %d (%v), want %d", when, tt.off, tt.whence, got, err, tt.want)
			}
		}
	}
	check("mounted", f)
	f.DecRef()
	e.unmount()
	fsck(t, img)
	e = mountImg(t, img, 0)
	f = e.open("/s", abi.O_RDONLY)
	check("remounted", f)
	f.DecRef()
	e.unmount()
}
