package mm

import (
	"testing"
	"time"

	"aramid/kernel/machine"
)

// TestHugeSparseMapping checks that fork, mprotect, truncation and munmap
// of a huge mapping with few pages present cost what is mapped, not the
// mapping's size: a fuzzer's 64 TiB mapping made fork walk 2^34 pages
// with the address space locked, and every process that needed that lock
// (ftruncate of any mapped tmpfs file locks them all) hung past SIGKILL.
func TestHugeSparseMapping(t *testing.T) {
	const size = 1 << 46
	for _, tc := range []struct {
		name string
		op   func(m *MM, addr uint64) error
	}{
		{"fork", func(m *MM, addr uint64) error {
			c, err := m.Fork()
			if err != nil {
				return err
			}
			if v, _ := c.ReadUint64(addr + size - pageSize); v != 2 {
				t.Errorf("child's last page = %d, want 2", v)
			}
			c.Release()
			return nil
		}},
		{"mprotect", func(m *MM, addr uint64) error { return m.Mprotect(addr, size, machine.Read) }},
		{"munmap", func(m *MM, addr uint64) error { return m.Munmap(addr, size) }},
		{"release", func(m *MM, addr uint64) error { m.Release(); return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _, _ := newMM(t)
			addr, err := m.Mmap(MapOpts{Length: size, Perm: rw})
			if err != nil {
				t.Fatal(err)
			}
			m.WriteUint64(addr, 1)
			m.WriteUint64(addr+size-pageSize, 2)
			done := make(chan error, 1)
			go func() { done <- tc.op(m, addr) }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("%s of a %d-byte mapping with 2 pages present did not finish in 20 s", tc.name, uint64(size))
			}
		})
	}
}

// TestHugeSparseMremap checks that moving a huge sparse mapping moves its
// present pages and costs what is mapped.
func TestHugeSparseMremap(t *testing.T) {
	const size = 1 << 44
	m, _, _ := newMM(t)
	addr, err := m.Mmap(MapOpts{Length: size, Perm: rw})
	if err != nil {
		t.Fatal(err)
	}
	m.WriteUint64(addr+size-pageSize, 5)
	type result struct {
		addr uint64
		err  error
	}
	done := make(chan result, 1)
	go func() {
		a, err := m.Mremap(addr, size, 2*size, true)
		done <- result{a, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if v, _ := m.ReadUint64(r.addr + size - pageSize); v != 5 {
			t.Fatalf("moved last page = %d, want 5", v)
		}
		if !m.Mapped(r.addr, 2*size) {
			t.Fatal("Mapped: the grown mapping is not all mapped")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("mremap of a huge sparse mapping did not finish in 20 s")
	}
}
