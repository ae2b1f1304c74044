package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/task"
)

// preadv2/pwritev2 per-call flags (linux/fs.h).
const (
	rwfHiPri  = 0x01
	rwfDSync  = 0x02
	rwfSync   = 0x04
	rwfNoWait = 0x08
	rwfAppend = 0x10
)

func init() {
	partial("preadv2", "as preadv (offset -1: the file position); RWF_HIPRI accepted (no polled I/O), RWF_NOWAIT EOPNOTSUPP as Linux 6.1 answers for tmpfs files and pipes", sysPreadv2)
	partial("pwritev2", "as pwritev; RWF_HIPRI, RWF_DSYNC, RWF_SYNC accepted (in-memory files: nothing to write back); RWF_APPEND writes at the end (the size read and the write are two steps); RWF_NOWAIT EOPNOTSUPP as for preadv2", sysPwritev2)
}

func sysPreadv2(s *System, t *task.Task, a Args) (uint64, error) {
	return s.rwv2(t, a, false)
}

func sysPwritev2(s *System, t *task.Task, a Args) (uint64, error) {
	return s.rwv2(t, a, true)
}

// rwv2 is preadv2/pwritev2(fd, iov, iovcnt, pos_l, pos_h, flags): on
// x86-64 pos_l is the whole offset; -1 means the file position, as readv
// and writev use it.
func (s *System) rwv2(t *task.Task, a Args, write bool) (uint64, error) {
	fd, off, flags := a.Int(0), int64(a[3]), uint32(a[5])
	if off < -1 {
		return 0, abi.EINVAL
	}
	f, err := fds(t).Get(fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if flags&^(rwfHiPri|rwfDSync|rwfSync|rwfNoWait|rwfAppend) != 0 || flags&rwfNoWait != 0 {
		return 0, abi.EOPNOTSUPP
	}
	if !write || flags&rwfAppend == 0 {
		return s.rwv(t, fd, a[1], a[2], off, write)
	}
	// RWF_APPEND: at the end of the file whatever the offset; the file
	// position moves only for offset -1.
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if st.Mode&abi.S_IFMT != abi.S_IFREG {
		return s.rwv(t, fd, a[1], a[2], off, true) // streams have no end to seek to
	}
	n, err := s.rwv(t, fd, a[1], a[2], st.Size, true)
	if err == nil && off == -1 {
		if _, serr := f.Seek(st.Size+int64(n), 0); serr != nil {
			return n, nil
		}
	}
	return n, err
}
