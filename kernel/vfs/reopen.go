package vfs

import "aramid/kernel/abi"

// Reopen opens the file f refers to again, as a new open file description
// with flags (O_RDONLY, O_PATH, ...), checking the caller's permission the
// way an open by name would: execveat(fd, "", AT_EMPTY_PATH) (fexecve) reads
// the program through a description of its own, whatever f's access mode
// (an O_PATH or write-only f included). Anonymous files (pipes, sockets)
// have no name to open again: EACCES, as Linux's exec of them fails.
func (v *VFS) Reopen(c *Caller, f *File, flags uint32) (*File, error) {
	if f.Path.IsZero() || f.Path.Inode == nil {
		return nil, abi.EACCES
	}
	return v.open(c, f.Path, f.dir, f.base, flags, false)
}
