package contract

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestFSDisk: the family's disk is the same bytes every time, e2fsck
// finds it clean, and fsck reports a damaged image as a failure with
// e2fsck's output.
func TestFSDisk(t *testing.T) {
	for _, tool := range []string{"mke2fs", "e2fsck"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (e2fsprogs)", tool)
		}
	}
	ctx := context.Background()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.img"), filepath.Join(dir, "b.img")
	for _, p := range []string{a, b} {
		if err := WriteFSDisk(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(x) != FSDiskSize || !bytes.Equal(x, y) {
		t.Fatalf("two disks differ (sizes %d, %d)", len(x), len(y))
	}
	if o := fsck(ctx, a); o.Verdict() != Pass {
		t.Fatalf("fresh disk: %v", o.Lines)
	}
	// Clear the root directory's inode (inode 2: the inode table of
	// group 0, found from the group descriptor).
	gdt := x[4096:]
	itable := int64(le32at(gdt, 8)) * 4096
	f, err := os.OpenFile(a, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, 256), itable+256); err != nil {
		t.Fatal(err)
	}
	f.Close()
	o := fsck(ctx, a)
	if o.Verdict() != Fail || len(o.Lines) < 3 {
		t.Fatalf("damaged disk: verdict %s, %v", o.Verdict(), o.Lines)
	}
}

func le32at(b []byte, off int) uint32 {
	return uint32(b[off]) | uint32(b[off+1])<<8 | uint32(b[off+2])<<16 | uint32(b[off+3])<<24
}

// TestSplitFS: the filesystem family is separated from the rest, in order.
func TestSplitFS(t *testing.T) {
	names := []string{"block/a", "ext4/b", "fd/c", "ext4/d"}
	srcs := []string{"1", "2", "3", "4"}
	mn, ms, fn, fsrc := splitFS(names, srcs)
	if got := [4]int{len(mn), len(ms), len(fn), len(fsrc)}; got != [4]int{2, 2, 2, 2} ||
		mn[1] != "fd/c" || ms[1] != "3" || fn[1] != "ext4/d" || fsrc[0] != "2" {
		t.Errorf("splitFS = %v %v %v %v", mn, ms, fn, fsrc)
	}
}
