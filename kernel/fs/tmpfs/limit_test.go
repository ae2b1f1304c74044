package tmpfs

import (
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

func newFile(t *testing.T, o Options) (*vfs.Inode, *file) {
	t.Helper()
	o.Clock = func() time.Time { return time.Unix(1700000000, 0) }
	fs := New(o)
	in := fs.newInode(vfs.CreateArgs{Mode: abi.S_IFREG | 0o644})
	return in, in.Ops.(*file)
}

// TestSizeLimit: with Limit, TotalBlocks bounds the pages a write or
// fallocate may add (size= on a mount), whatever length the caller asks
// for: a huge fallocate is refused before it allocates, a write stores
// what fits and then reports ENOSPC.
func TestSizeLimit(t *testing.T) {
	tests := []struct {
		name    string
		op      func(in *vfs.Inode, f *file) (int, error)
		wantN   int
		wantErr error
		pages   int64
	}{
		{"fallocate within", func(in *vfs.Inode, f *file) (int, error) { return 0, f.Allocate(in, 0, 3*PageSize, false) }, 0, nil, 3},
		{"fallocate 1 TiB", func(in *vfs.Inode, f *file) (int, error) { return 0, f.Allocate(in, 0, 1<<40, false) }, 0, abi.ENOSPC, 0},
		{"fallocate past the limit", func(in *vfs.Inode, f *file) (int, error) { return 0, f.Allocate(in, 0, 5*PageSize, false) }, 0, abi.ENOSPC, 0},
		{"write past the limit", func(in *vfs.Inode, f *file) (int, error) {
			return f.writeAt(in, make([]byte, 6*PageSize), 0)
		}, 4 * PageSize, nil, 4},
		{"write when full", func(in *vfs.Inode, f *file) (int, error) {
			if _, err := f.writeAt(in, make([]byte, 4*PageSize), 0); err != nil {
				return 0, err
			}
			return f.writeAt(in, []byte("x"), 10*PageSize)
		}, 0, abi.ENOSPC, 4},
		{"rewrite when full", func(in *vfs.Inode, f *file) (int, error) {
			if _, err := f.writeAt(in, make([]byte, 4*PageSize), 0); err != nil {
				return 0, err
			}
			return f.writeAt(in, []byte("xyz"), PageSize)
		}, 3, nil, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, f := newFile(t, Options{TotalBlocks: 4, Limit: true})
			n, err := tc.op(in, f)
			if n != tc.wantN || err != tc.wantErr {
				t.Fatalf("got %d, %v; want %d, %v", n, err, tc.wantN, tc.wantErr)
			}
			if got := f.fs.pages.Load(); got != tc.pages {
				t.Fatalf("%d pages in use, want %d", got, tc.pages)
			}
		})
	}
}

// TestUnlimitedFallocateBoundedByFree: without Limit (memfd's instance),
// fallocate of more than the free memory is ENOSPC at once; the reported
// total alone limits nothing.
func TestUnlimitedFallocateBoundedByFree(t *testing.T) {
	in, f := newFile(t, Options{TotalBlocks: 4, Free: func() uint64 { return 16 * PageSize }})
	if err := f.Allocate(in, 0, 1<<40, false); err != abi.ENOSPC {
		t.Fatalf("fallocate 1 TiB with 64 KiB free: %v, want ENOSPC", err)
	}
	if err := f.Allocate(in, 0, 8*PageSize, false); err != nil {
		t.Fatalf("fallocate 32 KiB with 64 KiB free: %v", err)
	}
	if n, err := f.writeAt(in, make([]byte, 8*PageSize), 8*PageSize); n != 8*PageSize || err != nil {
		t.Fatalf("write beyond the reported total without Limit: %d, %v", n, err)
	}
}

// TestUnlimitedWithoutFreeBoundedByTotal: an instance with neither Limit
// nor Free (devtmpfs) still refuses a fallocate larger than its reported
// size instead of allocating it.
func TestUnlimitedWithoutFreeBoundedByTotal(t *testing.T) {
	in, f := newFile(t, Options{TotalBlocks: 4})
	if err := f.Allocate(in, 0, 0xffffffff, false); err != abi.ENOSPC {
		t.Fatalf("fallocate 4 GiB of a 16 KiB instance: %v, want ENOSPC", err)
	}
	if err := f.Allocate(in, 0, 4*PageSize, false); err != nil {
		t.Fatalf("fallocate within: %v", err)
	}
}

// TestPunchHoleHugeRange: punching a terabyte-wide hole costs what the file
// holds, not the width of the range (the fuzzer found a thread busy for
// minutes in a page-by-page walk), and frees exactly the pages inside.
func TestPunchHoleHugeRange(t *testing.T) {
	in, f := newFile(t, Options{TotalBlocks: 64, Free: func() uint64 { return 64 * PageSize }})
	if err := f.Allocate(in, 0, 3*PageSize, false); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := f.PunchHole(in, PageSize, 1<<40); err != nil {
		t.Fatalf("punch 1 TiB: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("punch over 1 TiB took %v", d)
	}
	if n := Pages(in); n != 1 {
		t.Errorf("pages after punching all but the first: %d, want 1", n)
	}
}
