package vfs

// Filesystems backed by a disk learn about remounts and their last
// unmount through these optional interfaces on the Filesystem.

// Remounter is implemented by filesystems whose own state changes with
// MS_REMOUNT (read-only ↔ read-write): Remount gets the new flags and
// data before the mount records them, and an error leaves the mount as
// it was.
type Remounter interface {
	Remount(flags uint32, data string) error
}

// Unmounter is implemented by filesystems that must be flushed and
// marked clean when their last mount goes (umount2 without MNT_DETACH,
// or with it once no file is open there).
type Unmounter interface {
	Unmount() error
}

// subtreeLocked returns m and every mount below it. Caller holds v.mu.
func (v *VFS) subtreeLocked(m *Mount) []*Mount {
	out := []*Mount{m}
	for _, c := range v.childrenLocked(m) {
		out = append(out, v.subtreeLocked(c)...)
	}
	return out
}

// unmountUnused calls Unmount on the filesystems of gone that no mount
// uses any more and that have no open file there. Caller holds v.mu.
func (v *VFS) unmountUnused(gone []*Mount) {
	for _, m := range gone {
		u, ok := m.FS.(Unmounter)
		if !ok || m.openFiles.Load() > 0 {
			continue
		}
		used := false
		for o := range v.mounts {
			if o.FS == m.FS {
				used = true
				break
			}
		}
		if !used {
			u.Unmount() // the mount is gone either way; a write error was reported to writers
		}
	}
}

// Syncer is implemented by filesystems with something to write back
// (sync(2), syncfs(2)).
type Syncer interface {
	Sync() error
}

// Sync implements sync(2): every mounted filesystem that keeps data
// writes it back. It returns the first error (sync(2) itself ignores it).
func (v *VFS) Sync() error {
	v.mu.RLock()
	seen := map[Filesystem]bool{}
	var fss []Syncer
	for m := range v.mounts {
		if s, ok := m.FS.(Syncer); ok && !seen[m.FS] {
			seen[m.FS] = true
			fss = append(fss, s)
		}
	}
	v.mu.RUnlock()
	var first error
	for _, s := range fss {
		if err := s.Sync(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// SyncFS implements syncfs(2) for the filesystem holding in.
func SyncFS(in *Inode) error {
	if s, ok := in.FS.(Syncer); ok {
		return s.Sync()
	}
	return nil
}
