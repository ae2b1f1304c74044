package mm

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"aramid/kernel/abi"
	"aramid/kernel/machine"
)

func newMM(t *testing.T) (*MM, *machine.Fake, *Frames) {
	t.Helper()
	fake := machine.NewFake()
	frames := NewFrames(fake)
	m, err := New(fake, frames)
	if err != nil {
		t.Fatal(err)
	}
	return m, fake, frames
}

const rw = machine.Read | machine.Write

func TestAnonDemandZeroAndCopy(t *testing.T) {
	m, fake, _ := newMM(t)
	addr, err := m.Mmap(MapOpts{Length: 3 * pageSize, Perm: rw})
	if err != nil {
		t.Fatal(err)
	}
	if fake.FramesInUse() != 0 {
		t.Fatal("mmap allocated frames eagerly")
	}
	buf := make([]byte, 100)
	if err := m.CopyIn(addr+pageSize-50, buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf, make([]byte, 100)) {
		t.Fatal("fresh anonymous memory is not zero")
	}
	msg := []byte("hello across a page boundary")
	if err := m.CopyOut(addr+pageSize-5, msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	m.CopyIn(addr+pageSize-5, got)
	if !bytes.Equal(got, msg) {
		t.Fatalf("read back %q", got)
	}
	if err := m.CopyIn(addr+3*pageSize, buf[:1]); !errors.Is(err, abi.EFAULT) {
		t.Fatalf("read past the mapping: %v", err)
	}
	m.Release()
	if fake.FramesInUse() != 0 {
		t.Fatalf("%d frames leaked", fake.FramesInUse())
	}
}

func TestPermissions(t *testing.T) {
	m, _, _ := newMM(t)
	addr, _ := m.Mmap(MapOpts{Length: pageSize, Perm: machine.Read})
	if err := m.CopyOut(addr, []byte{1}); !errors.Is(err, abi.EFAULT) {
		t.Fatalf("write to read-only: %v", err)
	}
	var fe *FaultError
	if err := m.HandleFault(addr, AccessWrite); !errors.As(err, &fe) || fe.Code != 2 {
		t.Fatalf("write fault on read-only: %v", err)
	}
	if err := m.HandleFault(0x1000, AccessRead); !errors.As(err, &fe) || fe.Code != 1 {
		t.Fatalf("fault on nothing: %v", err)
	}
	if err := m.Mprotect(addr, pageSize, rw); err != nil {
		t.Fatal(err)
	}
	if err := m.CopyOut(addr, []byte{1}); err != nil {
		t.Fatalf("write after mprotect: %v", err)
	}
}

type fileData []byte

func (f fileData) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(f)) {
		return 0, io.EOF
	}
	n := copy(p, f[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// TestLoaderOverlay replays the dynamic loader's pattern: a PROT_READ
// reservation of the whole library, MAP_FIXED segments over it at different
// file offsets, a relocation written into the data segment, then mprotect
// of part of it. The relocated bytes must survive (the worst bug an earlier
// kernel had).
func TestLoaderOverlay(t *testing.T) {
	m, _, _ := newMM(t)
	lib := make(fileData, 4*pageSize)
	for i := range lib {
		lib[i] = byte(i / pageSize)
	}
	base, err := m.Mmap(MapOpts{Length: 4 * pageSize, Perm: machine.Read, File: lib})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Mmap(MapOpts{Addr: base, Length: pageSize, Perm: machine.Read | machine.Exec, File: lib, Fixed: true}); err != nil {
		t.Fatal(err)
	}
	data := base + 2*pageSize
	if _, err := m.Mmap(MapOpts{Addr: data, Length: 2 * pageSize, Perm: rw, File: lib, Offset: 2 * pageSize, Fixed: true}); err != nil {
		t.Fatal(err)
	}
	if err := m.WriteUint64(data+8, 0xdeadbeef); err != nil { // the relocation
		t.Fatal(err)
	}
	if err := m.Mprotect(data, pageSize, machine.Read); err != nil { // RELRO
		t.Fatal(err)
	}
	if v, _ := m.ReadUint64(data + 8); v != 0xdeadbeef {
		t.Fatalf("relocated word = %#x after mprotect", v)
	}
	b := make([]byte, 1)
	m.CopyIn(data+pageSize+1, b)
	if b[0] != 3 {
		t.Fatalf("second data page reads file page %d, want 3", b[0])
	}
	m.CopyIn(base+pageSize, b)
	if b[0] != 1 {
		t.Fatalf("reservation page reads %d, want file page 1", b[0])
	}
	if n := len(m.VMAs()); n != 4 {
		t.Fatalf("%d VMAs, want 4: %+v", n, m.VMAs())
	}
}

func TestForkCopyOnWrite(t *testing.T) {
	m, fake, frames := newMM(t)
	priv, _ := m.Mmap(MapOpts{Length: pageSize, Perm: rw})
	shared, _ := m.Mmap(MapOpts{Length: pageSize, Perm: rw, Shared: true})
	m.WriteUint64(priv, 1)
	m.WriteUint64(shared, 10)
	c, err := m.Fork()
	if err != nil {
		t.Fatal(err)
	}
	if frames.InUse() != 2 {
		t.Fatalf("fork copied pages eagerly: %d frames", frames.InUse())
	}
	c.WriteUint64(priv, 2)
	c.WriteUint64(shared, 20)
	if v, _ := m.ReadUint64(priv); v != 1 {
		t.Fatalf("parent private page = %d after child write", v)
	}
	if v, _ := c.ReadUint64(priv); v != 2 {
		t.Fatalf("child private page = %d", v)
	}
	if v, _ := m.ReadUint64(shared); v != 20 {
		t.Fatalf("parent shared page = %d, want the child's 20", v)
	}
	m.WriteUint64(priv, 3) // parent's copy is sole owner again
	if v, _ := c.ReadUint64(priv); v != 2 {
		t.Fatal("parent write leaked into child")
	}
	c.Release()
	m.Release()
	if fake.FramesInUse() != 0 || frames.InUse() != 0 {
		t.Fatalf("leak: %d frames, %d refs", fake.FramesInUse(), frames.InUse())
	}
}

func TestBrkAndMunmapSplit(t *testing.T) {
	m, _, _ := newMM(t)
	m.SetBrk(0x600123)
	start := m.Brk(0)
	if start != 0x601000 {
		t.Fatalf("initial brk %#x", start)
	}
	if got := m.Brk(start + 3*pageSize + 10); got != start+3*pageSize+10 {
		t.Fatalf("brk grow = %#x", got)
	}
	if err := m.WriteUint64(start+3*pageSize, 7); err != nil {
		t.Fatal(err)
	}
	if got := m.Brk(start + pageSize); got != start+pageSize {
		t.Fatalf("brk shrink = %#x", got)
	}
	if err := m.WriteUint64(start+2*pageSize, 7); !errors.Is(err, abi.EFAULT) {
		t.Fatalf("write above shrunk brk: %v", err)
	}
	a, _ := m.Mmap(MapOpts{Length: 5 * pageSize, Perm: rw})
	if err := m.Munmap(a+pageSize, 2*pageSize); err != nil {
		t.Fatal(err)
	}
	if len(m.VMAs()) != 3 {
		t.Fatalf("VMAs after hole punch: %+v", m.VMAs())
	}
	if err := m.CopyOut(a+pageSize, []byte{1}); !errors.Is(err, abi.EFAULT) {
		t.Fatal("hole still writable")
	}
	if err := m.CopyOut(a+3*pageSize, []byte{1}); err != nil {
		t.Fatal(err)
	}
}

func TestStackGrowth(t *testing.T) {
	m, _, _ := newMM(t)
	top := uint64(0x7ffffff00000)
	if _, err := m.Mmap(MapOpts{Addr: top - pageSize, Length: pageSize, Perm: rw, Fixed: true, GrowsDown: true, Name: "[stack]"}); err != nil {
		t.Fatal(err)
	}
	if err := m.WriteUint64(top-100*pageSize, 1); err != nil {
		t.Fatalf("stack growth: %v", err)
	}
	if err := m.WriteUint64(top-9<<20, 1); err == nil {
		t.Fatal("stack grew past the limit")
	}
}

func TestMremap(t *testing.T) {
	m, _, _ := newMM(t)
	a, _ := m.Mmap(MapOpts{Length: 2 * pageSize, Perm: rw})
	m.WriteUint64(a+pageSize, 42)
	m.Mmap(MapOpts{Addr: a + 2*pageSize, Length: pageSize, Perm: rw, Fixed: true}) // block growth in place
	b, err := m.Mremap(a, 2*pageSize, 8*pageSize, true)
	if err != nil {
		t.Fatal(err)
	}
	if b == a {
		t.Fatal("did not move")
	}
	if v, _ := m.ReadUint64(b + pageSize); v != 42 {
		t.Fatalf("moved data = %d", v)
	}
	if err := m.CopyOut(a, []byte{1}); err == nil {
		t.Fatal("old range still mapped")
	}
	if _, err := m.Mremap(b, 8*pageSize, 16*pageSize, false); err == nil {
		// growth in place may succeed if free; either way data stays
	}
}

func TestCopyInString(t *testing.T) {
	m, _, _ := newMM(t)
	a, _ := m.Mmap(MapOpts{Length: 2 * pageSize, Perm: rw})
	m.CopyOut(a+pageSize-3, []byte("/bin/sh\x00"))
	s, err := m.CopyInString(a+pageSize-3, 4096)
	if err != nil || s != "/bin/sh" {
		t.Fatalf("got %q, %v", s, err)
	}
	if _, err := m.CopyInString(a+pageSize-3, 4); !errors.Is(err, abi.ENAMETOOLONG) {
		t.Fatalf("long string: %v", err)
	}
}

func TestWritablePrefix(t *testing.T) {
	m, _, _ := newMM(t)
	addr, err := m.Mmap(MapOpts{Length: 4 * pageSize, Perm: rw})
	if err != nil {
		t.Fatal(err)
	}
	// Pages: rw rw ro hole.
	if err := m.Mprotect(addr+2*pageSize, pageSize, machine.Read); err != nil {
		t.Fatal(err)
	}
	if err := m.Munmap(addr+3*pageSize, pageSize); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		addr, n uint64
		want    uint64
	}{
		{"inside", addr + 10, 100, 100},
		{"across two writable mappings", addr + pageSize - 10, 20, 20},
		{"runs into read-only", addr + 2*pageSize - 100, 200, 100},
		{"starts read-only", addr + 2*pageSize, 10, 0},
		{"starts in hole", addr + 3*pageSize, 10, 0},
		{"kernel half", UserTop + 4096, 10, 0},
		{"straddles the top", UserTop - 5, 10, 0},
	}
	for _, tt := range tests {
		if got := m.WritablePrefix(tt.addr, tt.n); got != tt.want {
			t.Errorf("%s: WritablePrefix = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestProtNoneKeepsData: mprotect(PROT_NONE) makes a page inaccessible
// without discarding it; restoring access brings the same bytes back.
func TestProtNoneKeepsData(t *testing.T) {
	m, _, _ := newMM(t)
	addr, err := m.Mmap(MapOpts{Length: pageSize, Perm: rw})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CopyOut(addr, []byte("kept")); err != nil {
		t.Fatal(err)
	}
	if err := m.Mprotect(addr, pageSize, 0); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if err := m.CopyIn(addr, buf); !errors.Is(err, abi.EFAULT) {
		t.Errorf("read of PROT_NONE page: %v, want EFAULT", err)
	}
	var fe *FaultError
	if err := m.HandleFault(addr, AccessRead); !errors.As(err, &fe) || fe.Code != 2 {
		t.Errorf("user read of PROT_NONE page: %v, want SEGV_ACCERR", err)
	}
	if err := m.Mprotect(addr, pageSize, machine.Read); err != nil {
		t.Fatal(err)
	}
	if err := m.CopyIn(addr, buf); err != nil || string(buf) != "kept" {
		t.Errorf("after PROT_READ: %q, %v; want \"kept\"", buf, err)
	}
}

// pageFile is a PageMapper whose pages are frames, like tmpfs's.
type pageFile struct {
	frames *Frames
	pages  []machine.Frame
	noMem  bool // MapPage finds no frame
}

func (p *pageFile) ReadAt(b []byte, off int64) (int, error) {
	panic("a shared mapping of a PageMapper must not copy")
}

func (p *pageFile) MapPage(off uint64) (machine.Frame, error) {
	if p.noMem {
		return 0, abi.ENOMEM
	}
	i := off / pageSize
	if i >= uint64(len(p.pages)) {
		return 0, abi.EFAULT
	}
	return p.pages[i], nil
}

// TestSharedFilePages: MAP_SHARED mappings of a PageMapper in two address
// spaces share its frames, writable, and pages past its end are SIGBUS.
func TestSharedFilePages(t *testing.T) {
	a, fake, frames := newMM(t)
	b, err := New(fake, frames)
	if err != nil {
		t.Fatal(err)
	}
	f, _, err := frames.AllocPage()
	if err != nil {
		t.Fatal(err)
	}
	file := &pageFile{frames: frames, pages: []machine.Frame{machine.Frame(f)}}
	pa, err := a.Mmap(MapOpts{Length: 2 * pageSize, Perm: rw, Shared: true, File: file})
	if err != nil {
		t.Fatal(err)
	}
	pb, err := b.Mmap(MapOpts{Length: pageSize, Perm: machine.Read, Shared: true, File: file})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.CopyOut(pa+10, []byte("shared")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 6)
	if err := b.CopyIn(pb+10, got); err != nil || string(got) != "shared" {
		t.Errorf("other address space reads %q, %v", got, err)
	}
	var fe *FaultError
	if err := a.HandleFault(pa+pageSize, AccessRead); !errors.As(err, &fe) || !fe.Bus {
		t.Errorf("fault past the end: %v, want SIGBUS", err)
	}
	if err := a.Munmap(pa, 2*pageSize); err != nil {
		t.Fatal(err)
	}
	if n := frames.count(machine.Frame(f)); n != 2 {
		t.Errorf("frame references after one unmap = %d, want 2 (file and b)", n)
	}
}

// TestFilePageWithoutMemory: a file page that cannot get a frame is an
// out-of-memory fault (the OOM killer's business), not SIGBUS: PID 1 once
// died of SIGBUS faulting in its own program text under memory pressure.
func TestFilePageWithoutMemory(t *testing.T) {
	m, _, frames := newMM(t)
	file := &pageFile{frames: frames, noMem: true}
	for _, shared := range []bool{true, false} {
		p, err := m.Mmap(MapOpts{Length: pageSize, Perm: machine.Read, Shared: shared, File: file})
		if err != nil {
			t.Fatal(err)
		}
		var fe *FaultError
		if err := m.HandleFault(p, AccessRead); !errors.As(err, &fe) || !fe.NoMem || fe.Bus {
			t.Errorf("shared=%v: fault without a frame: %v, want an out-of-memory fault", shared, err)
		}
	}
}

func TestCompareAndSwapUint32(t *testing.T) {
	m, _, _ := newMM(t)
	addr, err := m.Mmap(MapOpts{Length: pageSize, Perm: rw})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WriteUint32(addr+8, 7); err != nil {
		t.Fatal(err)
	}
	if got, err := m.CompareAndSwapUint32(addr+8, 6, 9); got != 7 || err != nil {
		t.Errorf("mismatched CAS = %d, %v; want 7, nil", got, err)
	}
	if got, err := m.CompareAndSwapUint32(addr+8, 7, 9); got != 7 || err != nil {
		t.Errorf("CAS = %d, %v; want 7, nil", got, err)
	}
	if v, _ := m.ReadUint32(addr + 8); v != 9 {
		t.Errorf("word after CAS = %d, want 9", v)
	}
	if _, err := m.CompareAndSwapUint32(addr+2, 0, 1); err == nil {
		t.Error("unaligned CAS succeeded")
	}
	if _, err := m.CompareAndSwapUint32(addr+pageSize, 0, 1); err == nil {
		t.Error("CAS on unmapped memory succeeded")
	}
}

func TestMremapFixed(t *testing.T) {
	m, _, _ := newMM(t)
	src, err := m.Mmap(MapOpts{Length: 2 * pageSize, Perm: rw})
	if err != nil {
		t.Fatal(err)
	}
	e := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	e(m.CopyOut(src, []byte("moved")))
	const dst = 0x300000000000
	_, err = m.Mmap(MapOpts{Addr: dst, Length: pageSize, Perm: machine.Read, Fixed: true})
	e(err)
	if _, err := m.MremapFixed(src, 2*pageSize, 2*pageSize, src+pageSize); err != abi.EINVAL {
		t.Errorf("overlapping destination: %v, want EINVAL", err)
	}
	got, err := m.MremapFixed(src, 2*pageSize, 3*pageSize, dst)
	if err != nil || got != dst {
		t.Fatalf("MremapFixed = %#x, %v", got, err)
	}
	buf := make([]byte, 5)
	if err := m.CopyIn(dst, buf); err != nil || string(buf) != "moved" {
		t.Errorf("content at destination %q, %v", buf, err)
	}
	if err := m.CopyOut(dst+2*pageSize, []byte{1}); err != nil {
		t.Errorf("grown page (replacing the read-only mapping) not writable: %v", err)
	}
	if m.Mapped(src, pageSize) {
		t.Error("source still mapped")
	}
}

// heldFile counts the mappings that hold it (Holder).
type heldFile struct {
	*bytes.Reader
	holds int
}

func (f *heldFile) Hold()    { f.holds++ }
func (f *heldFile) Release() { f.holds-- }

// TestMappingsHoldFile follows a file through every way a mapping is made,
// copied and dropped: each VMA holds it once, and nothing is left when the
// last mapping goes.
func TestMappingsHoldFile(t *testing.T) {
	m, _, _ := newMM(t)
	f := &heldFile{Reader: bytes.NewReader(make([]byte, 4*pageSize))}
	steps := []struct {
		name string
		do   func(a uint64) error
		want int
	}{
		{"mmap", func(uint64) error { return nil }, 1},
		{"split by munmap", func(a uint64) error { return m.Munmap(a+pageSize, pageSize) }, 2},
		{"split by mprotect", func(a uint64) error { return m.Mprotect(a+2*pageSize, pageSize, machine.Read) }, 3},
		{"mremap move", func(a uint64) error { _, err := m.Mremap(a+3*pageSize, pageSize, 2*pageSize, true); return err }, 3},
		{"munmap piece", func(a uint64) error { return m.Munmap(a, pageSize) }, 2},
	}
	a, err := m.Mmap(MapOpts{Length: 4 * pageSize, Perm: machine.Read, File: f})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if err := s.do(a); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if f.holds != s.want {
			t.Fatalf("after %s: %d holds, want %d", s.name, f.holds, s.want)
		}
	}
	c, err := m.Fork()
	if err != nil {
		t.Fatal(err)
	}
	if f.holds != 4 {
		t.Fatalf("after fork: %d holds, want 4", f.holds)
	}
	c.Release()
	m.Release()
	if f.holds != 0 {
		t.Fatalf("after both address spaces went: %d holds", f.holds)
	}
}

// TestMaxRSS checks the resident-page peak getrusage reports: it grows as
// pages are touched, survives their unmapping, and a fork starts from the
// parent's peak with the pages it shares.
func TestMaxRSS(t *testing.T) {
	m, _, _ := newMM(t)
	base := m.MaxRSS()
	a, _ := m.Mmap(MapOpts{Length: 8 * pageSize, Perm: rw})
	if got := m.MaxRSS(); got != base {
		t.Fatalf("untouched mapping: peak %d, want %d", got, base)
	}
	for i := uint64(0); i < 8; i++ {
		m.WriteUint64(a+i*pageSize, i)
	}
	if got := m.MaxRSS(); got != base+8 {
		t.Fatalf("after touching 8 pages: peak %d, want %d", got, base+8)
	}
	if err := m.Munmap(a, 8*pageSize); err != nil {
		t.Fatal(err)
	}
	b, _ := m.Mmap(MapOpts{Length: 2 * pageSize, Perm: rw})
	m.WriteUint64(b, 1)
	m.WriteUint64(b+pageSize, 1)
	if got := m.MaxRSS(); got != base+8 {
		t.Fatalf("after unmapping and touching 2 more: peak %d, want %d", got, base+8)
	}
	c, err := m.Fork()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.MaxRSS(); got != base+8 {
		t.Fatalf("child's peak %d, want the parent's %d", got, base+8)
	}
	c.Release()
	m.Release()
}
