package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/task"
)

// Positioned vectored I/O: preadv, pwritev and their "2" variants with
// per-call RWF_* flags.
func init() {
	full("preadv", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.prwv(t, a, 0, false, false)
	})
	full("pwritev", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.prwv(t, a, 0, true, false)
	})
	partial("preadv2", "RWF_HIPRI, RWF_DSYNC, RWF_SYNC accepted (memory-backed files); RWF_NOWAIT: EOPNOTSUPP, as Linux 6.1 for pipes and tmpfs", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.prwv(t, a, a[5], false, true)
	})
	partial("pwritev2", "as preadv2; RWF_APPEND writes at the end of the file", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.prwv(t, a, a[5], true, true)
	})
}

// RWF_* flags of preadv2/pwritev2.
const (
	rwfHipri  = 0x01
	rwfDsync  = 0x02
	rwfSync   = 0x04
	rwfNowait = 0x08
	rwfAppend = 0x10
)

// prwv implements the four calls. The offset is the fourth argument (on
// x86-64 the "high" half in the fifth is unused); -1 in the "2" calls means
// the file position, any other negative offset is EINVAL.
func (s *System) prwv(t *task.Task, a Args, flags uint64, write, v2 bool) (uint64, error) {
	fd, iov, cnt := a.Int(0), a[1], a[2]
	off := int64(a[3])
	if off < 0 && !(v2 && off == -1) {
		return 0, abi.EINVAL
	}
	if cnt > 1024 {
		return 0, abi.EINVAL
	}
	if flags&^(rwfHipri|rwfDsync|rwfSync|rwfNowait|rwfAppend) != 0 {
		return 0, abi.EOPNOTSUPP
	}
	f, err := fds(t).Get(fd)
	if err != nil {
		return 0, err
	}
	readable, writable := f.Readable(), f.Writable()
	mode, merr := fileMode(f)
	size := int64(-1)
	if flags&rwfAppend != 0 && write && merr == nil && mode == abi.S_IFREG {
		if st, err := f.Stat(); err == nil {
			size = int64(st.Size)
		}
	}
	f.DecRef()
	if off >= 0 && merr == nil && (mode == abi.S_IFIFO || mode == abi.S_IFSOCK) {
		return 0, abi.ESPIPE
	}
	if write && !writable || !write && !readable {
		return 0, abi.EBADF
	}
	if flags&rwfNowait != 0 {
		return 0, abi.EOPNOTSUPP
	}
	if flags&rwfAppend != 0 && write && size >= 0 {
		if off == -1 {
			// Append through the file position: it ends after the data.
			n, err := s.rwv(t, fd, iov, cnt, size, true)
			if n > 0 {
				if f, ferr := fds(t).Get(fd); ferr == nil {
					f.Seek(size+int64(n), 0)
					f.DecRef()
				}
			}
			return n, err
		}
		off = size
	}
	return s.rwv(t, fd, iov, cnt, off, write)
}
