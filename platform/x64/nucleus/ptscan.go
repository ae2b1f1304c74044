package nucleus

// NextPresentUser returns the first page address in [va, end) of root's
// lower half whose leaf entry is present, with the frame and permissions
// LookupUser would report for it; ok is false when there is none. It walks
// the upper levels once per leaf table (skipping absent ones whole) and
// scans the leaf table's entries in order, where a loop of LookupUser over
// the range walks all four levels for every page: fork and exit visit each
// present page of an address space this way.
//
//go:nosplit
func NextPresentUser(root uint64, va, end uintptr) (at uintptr, pa uint64, perm int, ok bool) {
	if end > 1<<47 {
		end = 1 << 47
	}
	va &^= pageSize - 1
	for va < end {
		table := uintptr(root)
		leaf := true
		for l := 4; l > 1; l-- {
			shift := pageShift + 9*uint(l-1)
			v := *ptr64(phys2virt(uint64(table)) + ((va>>shift)&511)*8)
			if v&ptPresent == 0 || v&ptLarge != 0 {
				va = (va>>shift + 1) << shift
				leaf = false
				break
			}
			table = uintptr(v & ptAddr)
		}
		if !leaf {
			continue
		}
		base := phys2virt(uint64(table))
		for i := (va >> pageShift) & 511; va < end; i++ {
			v := *ptr64(base + i*8)
			if v&ptPresent != 0 {
				return va, v & ptAddr, userPerm(v), true
			}
			va += pageSize
			if i == 511 {
				break
			}
		}
	}
	return 0, 0, 0, false
}

// userPerm is LookupUser's reading of a present leaf entry: none for a
// PROT_NONE (supervisor-only) page.
//
//go:nosplit
func userPerm(v uint64) int {
	if v&ptUser == 0 {
		return 0
	}
	perm := PermRead
	if v&ptWrite != 0 {
		perm |= PermWrite
	}
	if v&ptNX == 0 {
		perm |= PermExec
	}
	return perm
}
