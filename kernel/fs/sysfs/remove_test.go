package sysfs

import (
	"testing"
	"time"

	"aramid/kernel/abi"
)

func TestAddGenRemove(t *testing.T) {
	s := New(Options{Clock: time.Now})
	n := 0
	if err := s.AddGen("class/block/vda/ro", func() string { n++; return "0\n" }); err != nil {
		t.Fatal(err)
	}
	in := s.lookupLocked("class/block/vda/ro")
	for i := 0; i < 2; i++ {
		impl, err := in.Ops.(*fileNode).Open(nil, in, abi.O_RDONLY)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 8)
		k, _ := impl.Read(nil, nil, b, 0)
		if string(b[:k]) != "0\n" {
			t.Errorf("read %q", b[:k])
		}
	}
	if n != 2 {
		t.Errorf("gen ran %d times for 2 opens", n)
	}
	blk := s.lookupLocked("class/block")
	links := blk.Attr().Nlink
	if err := s.Remove("class/block/vda"); err != nil {
		t.Fatal(err)
	}
	if s.lookupLocked("class/block/vda") != nil || s.lookupLocked("class/block/vda/ro") != nil {
		t.Error("still there after Remove")
	}
	if blk.Attr().Nlink != links-1 {
		t.Errorf("parent nlink %d, want %d", blk.Attr().Nlink, links-1)
	}
	if err := s.Remove("class/block/vda"); err != abi.ENOENT {
		t.Errorf("second Remove: %v", err)
	}
}
