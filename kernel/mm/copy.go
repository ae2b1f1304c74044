package mm

import (
	"aramid/kernel/abi"
	"aramid/kernel/machine"
)

// Copying between kernel and user memory walks the page table in software
// and goes through the frames' kernel mappings, so the kernel never touches
// a user address directly (SMAP stays on) and a bad pointer is EFAULT, never
// a kernel fault. Missing or read-only pages are faulted in as the user's
// own access would.

// page returns the frame bytes backing addr for the access, faulting the
// page in if needed. Called with m.mu held.
func (m *MM) page(addr uint64, acc Access) ([]byte, error) {
	if addr >= UserTop {
		return nil, abi.EFAULT
	}
	va := addr &^ pageMask
	e := &m.pt.tlb[(va>>pageShift)%tlbEntries]
	if e.data != nil && e.va == va && (acc != AccessWrite || e.write) {
		return e.data, nil
	}
	for attempt := 0; attempt < 2; attempt++ {
		f, p, ok := m.pt.Lookup(va)
		if ok && p != 0 && (acc != AccessWrite || p&machine.Write != 0) {
			data := m.frames.Mem.FrameData(f)
			*e = tlbEntry{va: va, data: data, write: p&machine.Write != 0}
			return data, nil
		}
		if err := m.fault(addr, acc); err != nil {
			return nil, abi.EFAULT
		}
	}
	return nil, abi.EFAULT
}

// CopyIn reads len(dst) bytes at addr.
func (m *MM) CopyIn(addr uint64, dst []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(dst) > 0 {
		if addr+uint64(len(dst)) < addr {
			return abi.EFAULT
		}
		b, err := m.page(addr, AccessRead)
		if err != nil {
			return err
		}
		n := copy(dst, b[addr&pageMask:])
		dst = dst[n:]
		addr += uint64(n)
	}
	return nil
}

// CopyOut writes src at addr.
func (m *MM) CopyOut(addr uint64, src []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(src) > 0 {
		if addr+uint64(len(src)) < addr {
			return abi.EFAULT
		}
		b, err := m.page(addr, AccessWrite)
		if err != nil {
			return err
		}
		n := copy(b[addr&pageMask:], src)
		src = src[n:]
		addr += uint64(n)
	}
	return nil
}

// CopyInString reads a NUL-terminated string of at most max bytes
// (ENAMETOOLONG beyond).
func (m *MM) CopyInString(addr uint64, max int) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []byte
	for {
		b, err := m.page(addr, AccessRead)
		if err != nil {
			return "", err
		}
		chunk := b[addr&pageMask:]
		for i, c := range chunk {
			if c == 0 {
				return string(append(out, chunk[:i]...)), nil
			}
			if len(out)+i >= max {
				return "", abi.ENAMETOOLONG
			}
		}
		out = append(out, chunk...)
		addr += uint64(len(chunk))
	}
}

// ReadUint64 and WriteUint64 are CopyIn/CopyOut of one little-endian word.
func (m *MM) ReadUint64(addr uint64) (uint64, error) {
	var b [8]byte
	if err := m.CopyIn(addr, b[:]); err != nil {
		return 0, err
	}
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56, nil
}

func (m *MM) WriteUint64(addr, v uint64) error {
	b := [8]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24), byte(v >> 32), byte(v >> 40), byte(v >> 48), byte(v >> 56)}
	return m.CopyOut(addr, b[:])
}

// ReadUint32 and WriteUint32 are the 32-bit forms (futex words, ints).
func (m *MM) ReadUint32(addr uint64) (uint32, error) {
	var b [4]byte
	if err := m.CopyIn(addr, b[:]); err != nil {
		return 0, err
	}
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24, nil
}

func (m *MM) WriteUint32(addr uint64, v uint32) error {
	b := [4]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}
	return m.CopyOut(addr, b[:])
}

// Frame returns the frame backing addr, faulting the page in for reading
// (futex keys).
func (m *MM) Frame(addr uint64) (machine.Frame, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.page(addr, AccessRead); err != nil {
		return 0, err
	}
	f, _, _ := m.pt.Lookup(addr &^ pageMask)
	return f, nil
}

// Mapped reports whether every page of [addr, addr+n) is in some mapping.
func (m *MM) Mapped(addr, n uint64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	// Mapping by mapping, not page by page: n may be huge.
	for va := addr; va < addr+n; {
		i := m.find(va)
		if i < 0 {
			return false
		}
		va = m.vmas[i].End
	}
	return true
}

// WritablePrefix returns how many of the n bytes from addr lie in mappings
// the process may write, counting from addr up to the first gap or
// unwritable mapping. Reads into a buffer that runs into a hole stop there
// and report what they transferred, as on Linux, instead of consuming data
// (from a pipe, say) they cannot deliver.
func (m *MM) WritablePrefix(addr, n uint64) uint64 {
	if addr >= UserTop {
		return 0
	}
	n = min(n, UserTop-addr)
	m.mu.Lock()
	defer m.mu.Unlock()
	end := addr + n
	for va := addr; va < end; {
		i := m.find(va)
		if i < 0 || m.vmas[i].Perm&machine.Write == 0 {
			return va - addr
		}
		va = m.vmas[i].End
	}
	return n
}

// CompareAndSwapUint32 replaces the 32-bit word at addr with new if it
// holds old, and returns what it held (robust futex cleanup).
func (m *MM) CompareAndSwapUint32(addr uint64, old, new uint32) (uint32, error) {
	if addr&3 != 0 {
		return 0, abi.EINVAL
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.page(addr, AccessWrite)
	if err != nil {
		return 0, err
	}
	o := addr & pageMask
	cur := uint32(b[o]) | uint32(b[o+1])<<8 | uint32(b[o+2])<<16 | uint32(b[o+3])<<24
	if cur == old {
		b[o], b[o+1], b[o+2], b[o+3] = byte(new), byte(new>>8), byte(new>>16), byte(new>>24)
	}
	return cur, nil
}
