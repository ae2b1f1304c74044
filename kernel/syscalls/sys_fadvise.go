package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/task"
)

// posix_fadvise advice values (linux/fadvise.h, x86-64).
const (
	fadvNormal     = 0
	fadvRandom     = 1
	fadvSequential = 2
	fadvWillNeed   = 3
	fadvDontNeed   = 4
	fadvNoReuse    = 5
)

func init() {
	partial("fadvise64", "checked as Linux does (EBADF, ESPIPE on a FIFO or pipe, EINVAL for a negative length or unknown advice); "+
		"the advice itself is ignored, as Linux ignores it on files without a backing device (tmpfs, proc): every Aramid file is one",
		sysFadvise64)
}

// sysFadvise64 is fadvise64(fd, offset, len, advice): generic_fadvise's
// checks in its order; every file here lives in memory with no backing
// device, where Linux accepts valid advice and does nothing with it.
func sysFadvise64(s *System, t *task.Task, a Args) (uint64, error) {
	f, err := fds(t).Get(a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if st.Mode&abi.S_IFMT == abi.S_IFIFO {
		return 0, abi.ESPIPE
	}
	if int64(a[2]) < 0 {
		return 0, abi.EINVAL
	}
	switch a.Int(3) {
	case fadvNormal, fadvRandom, fadvSequential, fadvWillNeed, fadvDontNeed, fadvNoReuse:
		return 0, nil
	}
	return 0, abi.EINVAL
}
