package syscalls

import (
	"encoding/binary"

	"aramid/kernel/abi"
	"aramid/kernel/task"
)

func init() {
	full("pipe", func(s *System, t *task.Task, a Args) (uint64, error) { return s.pipe2(t, a[0], 0) })
	full("pipe2", func(s *System, t *task.Task, a Args) (uint64, error) { return s.pipe2(t, a[0], uint32(a[1])) })
}

func (s *System) pipe2(t *task.Task, addr uint64, flags uint32) (uint64, error) {
	if flags&^(abi.O_CLOEXEC|abi.O_NONBLOCK|abi.O_DIRECT) != 0 {
		return 0, abi.EINVAL
	}
	if s.files.newPipe == nil {
		return 0, abi.ENOSYS
	}
	r, w, err := s.files.newPipe(flags)
	if err != nil {
		return 0, err
	}
	ft := fds(t)
	cloexec := flags&abi.O_CLOEXEC != 0
	rfd, err := ft.Install(r, cloexec, 0)
	if err != nil {
		w.DecRef()
		return 0, err
	}
	wfd, err := ft.Install(w, cloexec, 0)
	if err != nil {
		ft.Close(rfd)
		return 0, err
	}
	b := make([]byte, 8)
	binary.LittleEndian.PutUint32(b, uint32(rfd))
	binary.LittleEndian.PutUint32(b[4:], uint32(wfd))
	if err := t.MM().CopyOut(addr, b); err != nil {
		ft.Close(rfd)
		ft.Close(wfd)
		return 0, err
	}
	return 0, nil
}
