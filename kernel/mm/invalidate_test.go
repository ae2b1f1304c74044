package mm

import (
	"errors"
	"testing"

	"aramid/kernel/machine"
)

// ownedPageFile is a pageFile that names its owner, as tmpfs's mappings do.
type ownedPageFile struct {
	pageFile
	owner any
}

func (p *ownedPageFile) PageOwner() any { return p.owner }

// TestInvalidateFrom: after a file shrinks, its pages past the new end
// leave every shared mapping of it (in two address spaces, one mapping at a
// file offset), the next access there is SIGBUS, pages before the end stay,
// and another file's mapping is untouched.
func TestInvalidateFrom(t *testing.T) {
	a, fake, frames := newMM(t)
	b, err := New(fake, frames)
	if err != nil {
		t.Fatal(err)
	}
	var pages []machine.Frame
	for i := 0; i < 4; i++ {
		f, data, err := frames.AllocPage()
		if err != nil {
			t.Fatal(err)
		}
		data[0] = byte(i + 1)
		pages = append(pages, machine.Frame(f))
	}
	file := &ownedPageFile{pageFile{frames: frames, pages: pages}, "inode-1"}
	other := &ownedPageFile{pageFile{frames: frames, pages: pages}, "inode-2"}
	pa, err := a.Mmap(MapOpts{Length: 4 * pageSize, Perm: rw, Shared: true, File: file})
	if err != nil {
		t.Fatal(err)
	}
	pb, err := b.Mmap(MapOpts{Length: 2 * pageSize, Perm: rw, Shared: true, File: file, Offset: 2 * pageSize})
	if err != nil {
		t.Fatal(err)
	}
	po, err := b.Mmap(MapOpts{Length: 4 * pageSize, Perm: rw, Shared: true, File: other})
	if err != nil {
		t.Fatal(err)
	}
	read := func(m *MM, addr uint64) byte {
		var x [1]byte
		if err := m.CopyIn(addr, x[:]); err != nil {
			t.Fatalf("read %#x: %v", addr, err)
		}
		return x[0]
	}
	for i := uint64(0); i < 4; i++ {
		read(a, pa+i*pageSize)
		read(b, po+i*pageSize)
	}
	read(b, pb)
	read(b, pb+pageSize)

	// The file shrinks to one page and a bit: pages 2 and 3 go.
	file.pages = file.pages[:2]
	frames.InvalidateFrom("inode-1", 2)

	var fe *FaultError
	for _, c := range []struct {
		m    *MM
		addr uint64
	}{{a, pa + 2*pageSize}, {a, pa + 3*pageSize}, {b, pb}, {b, pb + pageSize}} {
		if _, _, ok := c.m.pt.Lookup(c.addr); ok {
			t.Errorf("page at %#x still mapped after the truncation", c.addr)
		}
		if err := c.m.HandleFault(c.addr, AccessRead); !errors.As(err, &fe) || !fe.Bus {
			t.Errorf("fault at %#x: %v, want SIGBUS", c.addr, err)
		}
	}
	if got := read(a, pa+pageSize); got != 2 {
		t.Errorf("page 1 before the end reads %d, want 2", got)
	}
	for i := uint64(0); i < 4; i++ {
		if _, _, ok := b.pt.Lookup(po + i*pageSize); !ok {
			t.Errorf("another file's page %d was unmapped", i)
		}
	}
	a.Release()
	b.Release()
	frames.InvalidateFrom("inode-1", 0) // released address spaces are gone from the set
	if n := len(frames.mms); n != 0 {
		t.Errorf("%d address spaces still registered after release", n)
	}
}

// TestWritableShared: only a shared, writable mapping of the file counts.
func TestWritableShared(t *testing.T) {
	a, _, frames := newMM(t)
	f, _, err := frames.AllocPage()
	if err != nil {
		t.Fatal(err)
	}
	file := &ownedPageFile{pageFile{frames: frames, pages: []machine.Frame{machine.Frame(f)}}, "inode-1"}
	if _, err := a.Mmap(MapOpts{Length: pageSize, Perm: machine.Read, Shared: true, File: file}); err != nil {
		t.Fatal(err)
	}
	if frames.WritableShared("inode-1") {
		t.Error("a read-only shared mapping counted as writable")
	}
	p, err := a.Mmap(MapOpts{Length: pageSize, Perm: rw, Shared: true, File: file})
	if err != nil {
		t.Fatal(err)
	}
	if !frames.WritableShared("inode-1") || frames.WritableShared("inode-2") {
		t.Error("writable shared mapping not found, or found for another file")
	}
	if err := a.Munmap(p, pageSize); err != nil {
		t.Fatal(err)
	}
	if frames.WritableShared("inode-1") {
		t.Error("an unmapped writable mapping still counts")
	}
	a.Release()
}

// TestPrivateFilePagesShareFrames: a private mapping of a PageMapper reads
// the file's own frame (no copy), a write copies it and leaves the file's
// data alone, and a truncation takes even the private pages away.
func TestPrivateFilePagesShareFrames(t *testing.T) {
	a, _, frames := newMM(t)
	f, data, err := frames.AllocPage()
	if err != nil {
		t.Fatal(err)
	}
	data[0] = 'f'
	g, _, err := frames.AllocPage()
	if err != nil {
		t.Fatal(err)
	}
	file := &ownedPageFile{pageFile{frames: frames, pages: []machine.Frame{machine.Frame(f), machine.Frame(g)}}, "inode-1"}
	p, err := a.Mmap(MapOpts{Length: 2 * pageSize, Perm: rw, File: file})
	if err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	if err := a.CopyIn(p, b[:]); err != nil || b[0] != 'f' {
		t.Fatalf("read %q, %v; want f", b, err)
	}
	if got, perm, ok := a.pt.Lookup(p); !ok || got != machine.Frame(f) || perm&machine.Write != 0 {
		t.Fatalf("read fault mapped frame %v perm %v, want the file's frame %v read-only", got, perm, f)
	}
	if err := a.CopyOut(p, []byte("w")); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := a.pt.Lookup(p); got == machine.Frame(f) {
		t.Fatal("a write went to the file's own frame")
	}
	if data[0] != 'f' {
		t.Fatalf("the file's page now holds %q", data[0])
	}
	// A first touch that writes copies at once.
	if err := a.CopyOut(p+pageSize, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := a.pt.Lookup(p + pageSize); got == machine.Frame(g) {
		t.Fatal("a first write went to the file's own frame")
	}
	frames.InvalidateFrom("inode-1", 0)
	if _, _, ok := a.pt.Lookup(p); ok {
		t.Error("a private copy survived the truncation")
	}
	a.Release()
	if n := frames.count(machine.Frame(f)); n != 1 {
		t.Errorf("file frame references = %d, want the file's 1", n)
	}
}
