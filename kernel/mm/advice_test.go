package mm

import (
	"testing"

	"aramid/kernel/abi"
	"aramid/kernel/machine"
)

// layout maps five private anonymous pages and unmaps pages 1 and 3, each
// mapped page holding a 1, and returns the base.
func layout(t *testing.T, m *MM) uint64 {
	t.Helper()
	addr, err := m.Mmap(MapOpts{Length: 5 * pageSize, Perm: rw})
	if err != nil {
		t.Fatal(err)
	}
	m.Munmap(addr+pageSize, pageSize)
	m.Munmap(addr+3*pageSize, pageSize)
	for _, p := range []uint64{0, 2, 4} {
		if err := m.CopyOut(addr+p*pageSize, []byte{1}); err != nil {
			t.Fatal(err)
		}
	}
	return addr
}

func TestMadviseWalk(t *testing.T) {
	tests := []struct {
		name       string
		off, pages uint64
		advice     int
		want       error
		zeroed     []uint64 // pages that read back zero afterwards
	}{
		{"all mapped", 0, 1, MadvDontneed, nil, []uint64{0}},
		{"over holes", 0, 5, MadvDontneed, abi.ENOMEM, []uint64{0, 2, 4}},
		{"starts in a hole", 1, 4, MadvDontneed, abi.ENOMEM, []uint64{2, 4}},
		{"only a hole", 1, 1, MadvWillneed, abi.ENOMEM, nil},
		{"zero length", 1, 0, MadvDontneed, nil, nil},
		{"invalid advice", 0, 1, 99, abi.EINVAL, nil},
		{"free", 0, 1, MadvFree, nil, []uint64{0}},
		{"remove private", 0, 1, MadvRemove, abi.EINVAL, nil},
		{"collapse", 0, 1, MadvCollapse, abi.EINVAL, nil},
	}
	for _, tt := range tests {
		m, _, _ := newMM(t)
		addr := layout(t, m)
		if err := m.Madvise(addr+tt.off*pageSize, tt.pages*pageSize, tt.advice); err != tt.want {
			t.Errorf("%s: Madvise = %v, want %v", tt.name, err, tt.want)
		}
		for _, p := range []uint64{0, 2, 4} {
			b := make([]byte, 1)
			m.CopyIn(addr+p*pageSize, b)
			zero := false
			for _, z := range tt.zeroed {
				zero = zero || z == p
			}
			if (b[0] == 0) != zero {
				t.Errorf("%s: page %d reads %d", tt.name, p, b[0])
			}
		}
		m.Release()
	}
}

func TestForkFlags(t *testing.T) {
	m, _, _ := newMM(t)
	defer m.Release()
	keep, _ := m.Mmap(MapOpts{Length: pageSize, Perm: rw})
	wipe, _ := m.Mmap(MapOpts{Length: pageSize, Perm: rw})
	gone, _ := m.Mmap(MapOpts{Length: pageSize, Perm: rw})
	for _, a := range []uint64{keep, wipe, gone} {
		m.CopyOut(a, []byte{7})
	}
	if err := m.Madvise(wipe, pageSize, MadvWipeonfork); err != nil {
		t.Fatal(err)
	}
	if err := m.Madvise(gone, pageSize, MadvDontfork); err != nil {
		t.Fatal(err)
	}
	if err := m.Mlock(keep, keep+pageSize, true, false); err != nil {
		t.Fatal(err)
	}
	c, err := m.Fork()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	b := make([]byte, 1)
	if c.CopyIn(keep, b); b[0] != 7 {
		t.Errorf("kept page reads %d in the child", b[0])
	}
	if c.CopyIn(wipe, b); b[0] != 0 {
		t.Errorf("wipe-on-fork page reads %d in the child", b[0])
	}
	if m.CopyIn(wipe, b); b[0] != 7 {
		t.Errorf("wipe-on-fork page reads %d in the parent", b[0])
	}
	if err := c.CopyIn(gone, b); err != abi.EFAULT {
		t.Errorf("dont-fork mapping in the child: %v", err)
	}
	if m.LockedBytes() != pageSize || c.LockedBytes() != 0 {
		t.Errorf("locked: parent %d, child %d", m.LockedBytes(), c.LockedBytes())
	}
}

func TestMlockAndMincore(t *testing.T) {
	m, _, _ := newMM(t)
	defer m.Release()
	addr, _ := m.Mmap(MapOpts{Length: 4 * pageSize, Perm: rw})
	if vec, _ := m.Mincore(addr, 4); string(vec) != "\x00\x00\x00\x00" {
		t.Errorf("untouched: %v", vec)
	}
	if err := m.Mlock(addr, addr+2*pageSize, true, false); err != nil {
		t.Fatal(err)
	}
	if err := m.Mlock(addr+2*pageSize, addr+3*pageSize, true, true); err != nil {
		t.Fatal(err)
	}
	if vec, _ := m.Mincore(addr, 4); string(vec) != "\x01\x01\x00\x00" {
		t.Errorf("after mlock and mlock on fault: %v", vec)
	}
	if got := m.LockedBytes(); got != 3*pageSize {
		t.Errorf("locked %d", got)
	}
	if err := m.Msync(addr, pageSize, 2); err != abi.EBUSY {
		t.Errorf("msync(MS_INVALIDATE) on locked memory: %v", err)
	}
	if err := m.Mlock(addr+3*pageSize, addr+5*pageSize, true, false); err != abi.ENOMEM {
		t.Errorf("mlock into a hole: %v", err)
	}
	if got := m.LockedBytes(); got != 4*pageSize {
		t.Errorf("locked before the hole: %d", got)
	}
	m.Mlockall(0)
	if got := m.LockedBytes(); got != 0 {
		t.Errorf("after munlockall: %d", got)
	}
	if vec, err := m.Mincore(addr+3*pageSize, 2); err != abi.ENOMEM || len(vec) != 1 {
		t.Errorf("mincore into a hole: %v %v", vec, err)
	}
}

func TestDontneedKeepsSpecialPages(t *testing.T) {
	m, _, frames := newMM(t)
	defer m.Release()
	f, err := frames.Pinned()
	if err != nil {
		t.Fatal(err)
	}
	copy(frames.Mem.FrameData(f), "vdso")
	addr, err := m.MapSpecial([]Special{{Frames: []machine.Frame{f}, Perm: machine.Read, Name: "[vdso]"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Madvise(addr, pageSize, MadvDontneed); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	if err := m.CopyIn(addr, b); err != nil || string(b) != "vdso" {
		t.Errorf("after MADV_DONTNEED the vDSO page reads %q, %v", b, err)
	}
}
