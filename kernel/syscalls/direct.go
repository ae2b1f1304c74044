package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// directAligned checks the user buffer of an O_DIRECT read or write on a
// file that needs it aligned (vfs.DirectIO): EINVAL when it is not, as
// Linux's direct I/O refuses a misaligned iterator.
func directAligned(f *vfs.File, buf, n uint64, off int64, write bool) error {
	if f.Flags()&abi.O_DIRECT == 0 {
		return nil
	}
	d, ok := f.Impl.(vfs.DirectIO)
	if !ok {
		return nil
	}
	if a := d.DirectAlign(write, off, n); a > 1 && buf&(a-1) != 0 {
		return abi.EINVAL
	}
	return nil
}
