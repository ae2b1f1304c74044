package syscalls

import (
	"encoding/binary"

	"aramid/kernel/abi"
	"aramid/kernel/pipe"
	"aramid/kernel/task"
)

func init() {
	partial("vmsplice", "copies (pages are never shared or gifted: SPLICE_F_GIFT is accepted and, as Linux may, the pages are copied); pipe capacity in bytes outside packet mode", sysVmsplice)
}

// splice(2) flags (SPLICE_F_ALL).
const (
	spliceFMove     = 1
	spliceFNonblock = 2
	spliceFMore     = 4
	spliceFGift     = 8
)

// maxRWCount is MAX_RW_COUNT: a transfer is cut to it.
const maxRWCount = (1<<31 - 1) &^ (pageSize - 1)

// sysVmsplice implements vmsplice(2): user memory into a pipe (the
// descriptor is open for writing) or out of one (open for reading only),
// as Linux's vmsplice_to_pipe and vmsplice_to_user.
func sysVmsplice(s *System, t *task.Task, a Args) (uint64, error) {
	fd, iovAddr, nr, flags := a.Int(0), a[1], a[2], uint32(a[3])
	if flags&^(spliceFMove|spliceFNonblock|spliceFMore|spliceFGift) != 0 {
		return 0, abi.EINVAL
	}
	f, err := fds(t).Get(fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	toPipe := f.Writable()
	if !toPipe && !f.Readable() {
		return 0, abi.EBADF
	}
	iov, total, err := vmspliceIovecs(t, iovAddr, nr)
	if err != nil {
		return 0, err
	}
	if total == 0 {
		return 0, nil
	}
	p := pipe.FromFile(f)
	if p == nil {
		return 0, abi.EBADF
	}
	c := s.caller(t)
	nonblock := flags&spliceFNonblock != 0
	if toPipe {
		n, err := p.SpliceIn(c, nonblock, func(room int) ([]byte, error) {
			buf := make([]byte, 0, min(uint64(room), total))
			for _, v := range iov {
				if len(buf) == cap(buf) {
					break
				}
				chunk := make([]byte, min(v.len, uint64(cap(buf)-len(buf))))
				if err := t.MM().CopyIn(v.base, chunk); err != nil {
					return buf, err
				}
				buf = append(buf, chunk...)
			}
			return buf, nil
		})
		return uint64(n), err
	}
	buf := make([]byte, min(total, uint64(p.Size())))
	n, err := p.SpliceOut(c, buf, nonblock)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, v := range iov {
		if done == n {
			break
		}
		k := min(int(v.len), n-done)
		if err := t.MM().CopyOut(v.base, buf[done:done+k]); err != nil {
			if done > 0 {
				return uint64(done), nil
			}
			return 0, err
		}
		done += k
	}
	return uint64(done), nil
}

// vmspliceIovecs reads the iovec array as Linux's import_iovec: more than
// UIO_MAXIOV (1024) entries or a negative length is EINVAL, the total is
// cut to MAX_RW_COUNT.
func vmspliceIovecs(t *task.Task, addr, cnt uint64) ([]iovec, uint64, error) {
	if cnt > 1024 {
		return nil, 0, abi.EINVAL
	}
	raw := make([]byte, abi.SizeofIovec*cnt)
	if err := t.MM().CopyIn(addr, raw); err != nil {
		return nil, 0, err
	}
	iov := make([]iovec, 0, cnt)
	var total uint64
	for i := uint64(0); i < cnt; i++ {
		v := iovec{binary.LittleEndian.Uint64(raw[16*i:]), binary.LittleEndian.Uint64(raw[16*i+8:])}
		if int64(v.len) < 0 {
			return nil, 0, abi.EINVAL
		}
		v.len = min(v.len, maxRWCount-total)
		total += v.len
		iov = append(iov, v)
	}
	return iov, total, nil
}
