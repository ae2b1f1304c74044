package mm

import "aramid/kernel/machine"

// Truncation of shared file mappings.
//
// A MAP_SHARED mapping of a tmpfs file maps the file's own frames. When the
// file shrinks, Linux removes the pages past the new end from every mapping
// (unmap_mapping_range), so the next access there is SIGBUS instead of a
// read of data the file no longer has. Frames keeps the set of live address
// spaces for that: InvalidateFrom walks them and unmaps the pages of every
// mapping of the file (shared, or private: its pages may be the file's own
// frames) from the given page on. Lock order: an MM's mu
// is never taken while Frames.mmMu is held (InvalidateFrom works on a
// snapshot), and register/unregister take only mmMu.

// PageOwner is a PageMapper that names the file whose pages it maps (any
// comparable identity, e.g. the inode), so InvalidateFrom can find its
// mappings.
type PageOwner interface {
	PageOwner() any
}

func (fs *Frames) register(m *MM) {
	fs.mmMu.Lock()
	if fs.mms == nil {
		fs.mms = map[*MM]struct{}{}
	}
	fs.mms[m] = struct{}{}
	fs.mmMu.Unlock()
}

func (fs *Frames) unregister(m *MM) {
	fs.mmMu.Lock()
	delete(fs.mms, m)
	fs.mmMu.Unlock()
}

// InvalidateFrom removes, from every mapping of owner's pages, the
// pages at file page index first and beyond; the next access faults and
// asks the file again (past its end: SIGBUS). The file must already have
// its new size, so no fault can map those pages again.
func (fs *Frames) InvalidateFrom(owner any, first int64) {
	fs.mmMu.Lock()
	mms := make([]*MM, 0, len(fs.mms))
	for m := range fs.mms {
		mms = append(mms, m)
	}
	fs.mmMu.Unlock()
	for _, m := range mms {
		m.invalidateFrom(owner, first)
	}
}

func (m *MM) invalidateFrom(owner any, first int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.released {
		return
	}
	off := uint64(max(first, 0)) * pageSize
	for _, v := range m.vmas {
		// Private mappings lose their pages there too, copies included,
		// as Linux's truncate_pagecache (even_cows) does.
		po, ok := v.File.(PageOwner)
		if !ok || po.PageOwner() != owner {
			continue
		}
		start := v.Start
		if off > v.Offset {
			start = v.Start + (off - v.Offset)
		}
		if start < v.End {
			m.unmapPages(v, start, v.End)
		}
	}
}

// WritableShared reports whether any address space maps owner's pages
// MAP_SHARED and writable (memfd's F_SEAL_WRITE is refused then, EBUSY).
func (fs *Frames) WritableShared(owner any) bool {
	fs.mmMu.Lock()
	mms := make([]*MM, 0, len(fs.mms))
	for m := range fs.mms {
		mms = append(mms, m)
	}
	fs.mmMu.Unlock()
	for _, m := range mms {
		m.mu.Lock()
		for _, v := range m.vmas {
			if po, ok := v.File.(PageOwner); ok && v.Shared && v.Perm&machine.Write != 0 && po.PageOwner() == owner {
				m.mu.Unlock()
				return true
			}
		}
		m.mu.Unlock()
	}
	return false
}
