package syscalls

import (
	"io"

	"aramid/kernel/abi"
	"aramid/kernel/pipe"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

func init() {
	partial("splice", "a copy through a kernel buffer; one end must be a pipe", sysSplice)
	partial("tee", "copies the queued bytes (no page sharing)", sysTee)
	partial("sendfile", "a read/write loop through a kernel buffer", sysSendfile)
	partial("copy_file_range", "a read/write loop; no reflinks", sysCopyFileRange)
}

// sysTee implements tee(2): it copies up to len bytes queued in one pipe
// into another without consuming them.
func sysTee(s *System, t *task.Task, a Args) (uint64, error) {
	const spliceNonblock = 2
	in, err := fds(t).Get(a.Int(0))
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	out, err := fds(t).Get(a.Int(1))
	if err != nil {
		return 0, err
	}
	defer out.DecRef()
	inPipe, outPipe := pipe.FromFile(in), pipe.FromFile(out)
	if inPipe == nil || outPipe == nil || inPipe == outPipe || !in.Readable() || !out.Writable() {
		return 0, abi.EINVAL
	}
	if a[3]&^0xf != 0 {
		return 0, abi.EINVAL
	}
	if a[2] == 0 {
		return 0, nil
	}
	nonblock := a[3]&spliceNonblock != 0
	buf := make([]byte, min(a[2], uint64(inPipe.Size())))
	n, err := inPipe.Peek(s.caller(t), buf, nonblock)
	if n == 0 {
		return 0, err
	}
	w, err := outPipe.Write(s.caller(t), buf[:n], nonblock || out.Nonblocking())
	if w > 0 {
		return uint64(w), nil
	}
	return 0, err
}

func sysSplice(s *System, t *task.Task, a Args) (uint64, error) {
	in, err := fds(t).Get(a.Int(0))
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	out, err := fds(t).Get(a.Int(2))
	if err != nil {
		return 0, err
	}
	defer out.DecRef()
	inPipe, outPipe := pipe.FromFile(in) != nil, pipe.FromFile(out) != nil
	if !inPipe && !outPipe {
		return 0, abi.EINVAL
	}
	m := t.MM()
	readOff := func(addr uint64, isPipe bool) (*int64, error) {
		if addr == 0 {
			return nil, nil
		}
		if isPipe {
			return nil, abi.ESPIPE
		}
		v, err := m.ReadUint64(addr)
		o := int64(v)
		return &o, err
	}
	inOff, err := readOff(a[1], inPipe)
	if err != nil {
		return 0, err
	}
	outOff, err := readOff(a[3], outPipe)
	if err != nil {
		return 0, err
	}
	if copyOverlaps(in, out, inOff, outOff, a[4]) {
		return 0, abi.EINVAL
	}
	n, err := s.copyBetween(t, in, out, inOff, outOff, a[4])
	if err == nil && inOff != nil {
		err = m.WriteUint64(a[1], uint64(*inOff))
	}
	if err == nil && outOff != nil {
		err = m.WriteUint64(a[3], uint64(*outOff))
	}
	return n, err
}

// copyBetween moves up to count bytes from in (at *inOff if non-nil) to out
// (at *outOff if non-nil) through a kernel buffer.
// Like Linux's sendfile, splice and copy_file_range it reports IN_ACCESS on
// in once data moved.
func (s *System) copyBetween(t *task.Task, in, out *vfs.File, inOff, outOff *int64, count uint64) (uint64, error) {
	n, err := s.copyChunks(t, in, out, inOff, outOff, count)
	if n > 0 {
		in.NotifyAccess()
	}
	return n, err
}

// copyChunks is copyBetween's loop.
func (s *System) copyChunks(t *task.Task, in, out *vfs.File, inOff, outOff *int64, count uint64) (uint64, error) {
	c := s.caller(t)
	buf := make([]byte, min(count, 64<<10))
	var done uint64
	for done < count {
		chunk := buf[:min(uint64(len(buf)), count-done)]
		var n int
		var err error
		if inOff != nil {
			n, err = in.Pread(c, chunk, *inOff)
		} else {
			n, err = in.Read(c, chunk)
		}
		if n == 0 {
			if done > 0 || err == io.EOF {
				return done, nil
			}
			return 0, err
		}
		if inOff != nil {
			*inOff += int64(n)
		}
		var w int
		if outOff != nil {
			w, err = out.Pwrite(c, chunk[:n], *outOff)
			*outOff += int64(w)
		} else {
			w, err = out.Write(c, chunk[:n])
		}
		done += uint64(w)
		if err != nil || w < n {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		if n < len(chunk) {
			// A short read is all there is for now (a pipe holds no more,
			// a file ends): return it rather than wait for more.
			return done, nil
		}
		if t.SignalPending() {
			// A long copy (2 GiB from /dev/zero) stops for a signal with
			// what it has done: it cannot hold off SIGKILL until it ends.
			return done, nil
		}
	}
	return done, nil
}

func sysSendfile(s *System, t *task.Task, a Args) (uint64, error) {
	out, err := fds(t).Get(a.Int(0))
	if err != nil {
		return 0, err
	}
	defer out.DecRef()
	in, err := fds(t).Get(a.Int(1))
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	if !in.Readable() || !out.Writable() {
		return 0, abi.EBADF
	}
	var off *int64
	if a[2] != 0 {
		v, err := t.MM().ReadUint64(a[2])
		if err != nil {
			return 0, err
		}
		o := int64(v)
		off = &o
	}
	n, err := s.copyBetween(t, in, out, off, nil, a[3])
	if off != nil && err == nil {
		err = t.MM().WriteUint64(a[2], uint64(*off))
	}
	return n, err
}

// copyOverlaps reports a copy_file_range within one file whose source
// and destination ranges overlap, which Linux refuses with EINVAL
// (generic_copy_file_checks: the count first cut to the source's size).
// inOff and outOff nil mean the files' positions.
func copyOverlaps(in, out *vfs.File, inOff, outOff *int64, count uint64) bool {
	if in.Inode == nil || in.Inode != out.Inode {
		return false
	}
	pin, pout := in.Offset(), out.Offset()
	if inOff != nil {
		pin = *inOff
	}
	if outOff != nil {
		pout = *outOff
	}
	size := in.Inode.Attr().Size
	if pin < 0 || pout < 0 || pin >= size {
		return false
	}
	n := int64(min(count, uint64(size-pin)))
	return pout+n > pin && pout < pin+n
}

func sysCopyFileRange(s *System, t *task.Task, a Args) (uint64, error) {
	if a[5] != 0 {
		return 0, abi.EINVAL
	}
	in, err := fds(t).Get(a.Int(0))
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	out, err := fds(t).Get(a.Int(2))
	if err != nil {
		return 0, err
	}
	defer out.DecRef()
	m := t.MM()
	readOff := func(addr uint64) (*int64, error) {
		if addr == 0 {
			return nil, nil
		}
		v, err := m.ReadUint64(addr)
		o := int64(v)
		return &o, err
	}
	inOff, err := readOff(a[1])
	if err != nil {
		return 0, err
	}
	outOff, err := readOff(a[3])
	if err != nil {
		return 0, err
	}
	if copyOverlaps(in, out, inOff, outOff, a[4]) {
		return 0, abi.EINVAL
	}
	n, err := s.copyBetween(t, in, out, inOff, outOff, a[4])
	if err == nil && inOff != nil {
		err = m.WriteUint64(a[1], uint64(*inOff))
	}
	if err == nil && outOff != nil {
		err = m.WriteUint64(a[3], uint64(*outOff))
	}
	return n, err
}
