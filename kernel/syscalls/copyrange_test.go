package syscalls

import (
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/vfs"
)

// TestCopyOverlaps: copy_file_range within one file is refused when the
// ranges overlap after the count is cut to the source's size; other
// files, disjoint ranges and sources at the end are not.
func TestCopyOverlaps(t *testing.T) {
	clock := func() time.Time { return time.Unix(1700000000, 0) }
	v := vfs.New(tmpfs.New(tmpfs.Options{Clock: clock, Mode: 0o755}), vfs.Options{Clock: clock})
	fsc := vfs.NewFSContext(v.Root())
	c := &vfs.Caller{}
	open := func(p string) *vfs.File {
		f, err := v.OpenAt(c, fsc, nil, p, abi.O_RDWR|abi.O_CREAT, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	a, a2, b := open("/a"), open("/a"), open("/b")
	if _, err := a.Pwrite(c, make([]byte, 10000), 0); err != nil {
		t.Fatal(err)
	}
	off := func(n int64) *int64 { return &n }
	tests := []struct {
		name         string
		in, out      *vfs.File
		inOff, outOf *int64
		count        uint64
		want         bool
	}{
		{"overlap", a, a2, off(0), off(100), 1000, true},
		{"overlap backwards", a, a, off(500), off(0), 1000, true},
		{"disjoint", a, a2, off(0), off(1000), 1000, false},
		{"cut to size", a, a, off(9000), off(9500), 100000, true},
		{"source at end", a, a, off(10000), off(10000), 1000, false},
		{"other file", a, b, off(0), off(0), 1000, false},
		{"positions", a, a2, nil, nil, 1000, true},
	}
	for _, tt := range tests {
		if got := copyOverlaps(tt.in, tt.out, tt.inOff, tt.outOf, tt.count); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
