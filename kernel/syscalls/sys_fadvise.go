package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

// Page-cache hints. Aramid's files live in memory (tmpfs pages, device
// files), so there is nothing to read ahead, drop or write back: these
// calls validate their arguments exactly as Linux does and then have no
// effect beyond what Linux guarantees (none observable).
func init() {
	full("readahead", sysReadahead)
	full("fadvise64", sysFadvise64)
	full("sync_file_range", sysSyncFileRange)
}

// fileMode returns the S_IFMT bits of an open file.
func fileMode(f *vfs.File) (uint32, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Mode & abi.S_IFMT, nil
}

// getNonPath returns fd's file, refusing O_PATH descriptors (EBADF), as
// Linux's fdget does for calls that act on the file's contents.
func getNonPath(t *task.Task, fd int32) (*vfs.File, error) {
	f, err := fds(t).Get(fd)
	if err != nil {
		return nil, err
	}
	if f.IsPath() {
		f.DecRef()
		return nil, abi.EBADF
	}
	return f, nil
}

// sysReadahead implements readahead(2): the file must be open for reading
// (EBADF) and regular (EINVAL).
func sysReadahead(s *System, t *task.Task, a Args) (uint64, error) {
	f, err := getNonPath(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if !f.Readable() {
		return 0, abi.EBADF
	}
	mode, err := fileMode(f)
	if err != nil {
		return 0, err
	}
	if mode != abi.S_IFREG {
		return 0, abi.EINVAL
	}
	return 0, nil
}

// sysFadvise64 implements posix_fadvise (fadvise64): pipes are ESPIPE
// before anything else is looked at; then a negative length or an unknown
// advice is EINVAL.
func sysFadvise64(s *System, t *task.Task, a Args) (uint64, error) {
	const posixFadvNoreuse = 5
	f, err := getNonPath(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	mode, err := fileMode(f)
	if err != nil {
		return 0, err
	}
	if mode == abi.S_IFIFO {
		return 0, abi.ESPIPE
	}
	if int64(a[2]) < 0 || a.Int(3) < 0 || a.Int(3) > posixFadvNoreuse {
		return 0, abi.EINVAL
	}
	return 0, nil
}

// sysSyncFileRange implements sync_file_range(2): flag and range checks
// (EINVAL) come first, then anything but a regular file, directory, link or
// block device is ESPIPE. SYNC_FILE_RANGE_WRITE starts write-back of the
// range's dirty pages on files with a page cache (vfs.RangeSyncer; it is
// synchronous, so the WAIT flags find nothing in flight); other files
// keep no dirty pages.
func sysSyncFileRange(s *System, t *task.Task, a Args) (uint64, error) {
	const validFlags = 1 | 2 | 4 // WAIT_BEFORE | WRITE | WAIT_AFTER
	f, err := getNonPath(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	off, n := int64(a[1]), int64(a[2])
	if a[3]&^validFlags != 0 || off < 0 || off+n < 0 || off+n < off {
		return 0, abi.EINVAL
	}
	mode, err := fileMode(f)
	if err != nil {
		return 0, err
	}
	switch mode {
	case abi.S_IFREG, abi.S_IFDIR, abi.S_IFLNK, abi.S_IFBLK:
		const syncFileRangeWrite = 2
		if rs, ok := f.Impl.(vfs.RangeSyncer); ok && a[3]&syncFileRangeWrite != 0 {
			return 0, rs.SyncRange(off, n)
		}
		return 0, nil
	}
	return 0, abi.ESPIPE
}
