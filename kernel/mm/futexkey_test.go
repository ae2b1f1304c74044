package mm

import "testing"

// TestFutexFrame: a private page's frame changes at the copy-on-write split
// after a fork (which is why private futexes are keyed by address space and
// address, not frame) and is reported private; a MAP_SHARED page keeps one
// frame in parent and child and is reported shared; an unmapped address is
// an error.
func TestFutexFrame(t *testing.T) {
	m, _, _ := newMM(t)
	defer m.Release()
	priv, _ := m.Mmap(MapOpts{Length: pageSize, Perm: rw})
	shared, _ := m.Mmap(MapOpts{Length: pageSize, Perm: rw, Shared: true})
	m.WriteUint32(priv, 1)
	m.WriteUint32(shared, 1)
	before, isShared, err := m.FutexFrame(priv + 8)
	if err != nil || isShared {
		t.Fatalf("private page: shared=%v err=%v", isShared, err)
	}
	c, err := m.Fork()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	m.WriteUint32(priv, 2) // the parent's write splits the page
	after, _, _ := m.FutexFrame(priv + 8)
	if after == before {
		t.Errorf("private frame unchanged across the copy-on-write split (%v)", after)
	}
	ps, isShared, err := m.FutexFrame(shared)
	if err != nil || !isShared {
		t.Fatalf("shared page: shared=%v err=%v", isShared, err)
	}
	cs, isShared, err := c.FutexFrame(shared)
	if err != nil || !isShared || cs != ps {
		t.Errorf("child's shared page: frame %v (parent %v) shared=%v err=%v", cs, ps, isShared, err)
	}
	if _, _, err := m.FutexFrame(0x1000); err == nil {
		t.Error("unmapped address resolved")
	}
}
