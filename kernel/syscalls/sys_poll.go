package syscalls

import (
	"encoding/binary"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

func init() {
	partial("poll", "readiness from each file; wakes on its queue", func(s *System, t *task.Task, a Args) (uint64, error) {
		timeout := time.Duration(-1)
		if int32(a[2]) >= 0 {
			timeout = time.Duration(int32(a[2])) * time.Millisecond
		}
		return s.poll(t, a[0], a[1], timeout, false)
	})
	partial("ppoll", "as poll; the signal mask argument is applied for the call", func(s *System, t *task.Task, a Args) (uint64, error) {
		timeout := time.Duration(-1)
		if a[2] != 0 {
			d, err := readTimespec(t, a[2])
			if err != nil {
				return 0, err
			}
			timeout = d
		}
		if a[3] != 0 {
			m, err := t.MM().ReadUint64(a[3])
			if err != nil {
				return 0, err
			}
			t.SetCallSigMask(abi.SignalSet(m))
		}
		return s.poll(t, a[0], a[1], timeout, true)
	})
	partial("select", "readiness from each file", func(s *System, t *task.Task, a Args) (uint64, error) {
		timeout := time.Duration(-1)
		if a[4] != 0 {
			b := make([]byte, 16)
			if err := t.MM().CopyIn(a[4], b); err != nil {
				return 0, err
			}
			sec, usec := int64(binary.LittleEndian.Uint64(b)), int64(binary.LittleEndian.Uint64(b[8:]))
			if sec < 0 || usec < 0 {
				return 0, abi.EINVAL
			}
			timeout = time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond
		}
		start := time.Now()
		n, err := s.selectFDs(t, int(a[0]), a[1], a[2], a[3], timeout)
		if a[4] != 0 && timeout > 0 && err != abi.EFAULT {
			// Linux's select reports the time left in its timeout.
			left := max(timeout-time.Since(start), 0)
			b := make([]byte, 16)
			binary.LittleEndian.PutUint64(b, uint64(left/time.Second))
			binary.LittleEndian.PutUint64(b[8:], uint64(left%time.Second/time.Microsecond))
			t.MM().CopyOut(a[4], b)
		}
		return n, err
	})
	partial("pselect6", "as select; the mask argument applies during the call", func(s *System, t *task.Task, a Args) (uint64, error) {
		timeout := time.Duration(-1)
		if a[4] != 0 {
			d, err := readTimespec(t, a[4])
			if err != nil {
				return 0, err
			}
			timeout = d
		}
		if a[5] != 0 {
			b := make([]byte, 16)
			if err := t.MM().CopyIn(a[5], b); err != nil {
				return 0, err
			}
			if p := binary.LittleEndian.Uint64(b); p != 0 {
				m, err := t.MM().ReadUint64(p)
				if err != nil {
					return 0, err
				}
				t.SetCallSigMask(abi.SignalSet(m))
			}
		}
		return s.selectFDs(t, int(a[0]), a[1], a[2], a[3], timeout)
	})
}

// poll implements poll/ppoll over each file's readiness and event queue.
func (s *System) poll(t *task.Task, fdsAddr, nfds uint64, timeout time.Duration, isPpoll bool) (uint64, error) {
	if nfds > 65536 {
		return 0, abi.EINVAL
	}
	m := t.MM()
	raw := make([]byte, 8*nfds)
	if err := m.CopyIn(fdsAddr, raw); err != nil {
		return 0, err
	}
	type ent struct {
		f      *vfs.File
		events uint32
	}
	ents := make([]ent, nfds)
	ft := fds(t)
	for i := range ents {
		fd := int32(binary.LittleEndian.Uint32(raw[8*i:]))
		ev := uint32(binary.LittleEndian.Uint16(raw[8*i+4:]))
		if fd >= 0 {
			if f, err := ft.Get(fd); err == nil {
				ents[i] = ent{f, ev | abi.POLLERR | abi.POLLHUP}
			} else {
				ents[i].events = 0xffffffff // POLLNVAL marker
			}
		}
	}
	defer func() {
		for _, e := range ents {
			release(e.f)
		}
	}()
	w := vfs.NewWaiter()
	for _, e := range ents {
		if e.f != nil {
			if q := e.f.EventQueue(); q != nil {
				q.Register(w, e.events)
				defer q.Unregister(w)
			}
		}
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		ready := 0
		for i, e := range ents {
			var rev uint32
			switch {
			case e.events == 0xffffffff:
				rev = abi.POLLNVAL
			case e.f != nil:
				rev = e.f.Readiness(e.events) & e.events
			}
			binary.LittleEndian.PutUint16(raw[8*i+6:], uint16(rev))
			if rev != 0 {
				ready++
			}
		}
		if ready > 0 || timeout == 0 {
			return uint64(ready), m.CopyOut(fdsAddr, raw)
		}
		wait := time.Duration(-1)
		if timeout > 0 {
			if wait = time.Until(deadline); wait <= 0 {
				return 0, m.CopyOut(fdsAddr, raw)
			}
		}
		if err := t.Block(w.C(), wait); err != nil {
			if err == abi.ETIMEDOUT {
				return 0, m.CopyOut(fdsAddr, raw)
			}
			if isPpoll {
				return 0, abi.ERESTARTNOHAND
			}
			return 0, abi.ERESTARTNOHAND
		}
	}
}

// selectFDs implements select/pselect6 over the poll machinery.
func (s *System) selectFDs(t *task.Task, nfds int, rAddr, wAddr, eAddr uint64, timeout time.Duration) (uint64, error) {
	if nfds < 0 || nfds > 1<<16 {
		return 0, abi.EINVAL
	}
	words := (nfds + 63) / 64
	m := t.MM()
	load := func(addr uint64) ([]uint64, error) {
		if addr == 0 {
			return nil, nil
		}
		b := make([]byte, 8*words)
		if err := m.CopyIn(addr, b); err != nil {
			return nil, err
		}
		out := make([]uint64, words)
		for i := range out {
			out[i] = binary.LittleEndian.Uint64(b[8*i:])
		}
		return out, nil
	}
	rs, err := load(rAddr)
	if err != nil {
		return 0, err
	}
	ws, err := load(wAddr)
	if err != nil {
		return 0, err
	}
	es, err := load(eAddr)
	if err != nil {
		return 0, err
	}
	has := func(set []uint64, fd int) bool { return set != nil && set[fd/64]&(1<<(fd%64)) != 0 }
	type watch struct {
		fd     int
		f      *vfs.File
		events uint32
	}
	var ws2 []watch
	ft := fds(t)
	for fd := 0; fd < nfds; fd++ {
		var ev uint32
		if has(rs, fd) {
			ev |= abi.POLLIN | abi.POLLRDNORM | abi.POLLHUP | abi.POLLERR
		}
		if has(ws, fd) {
			ev |= abi.POLLOUT | abi.POLLWRNORM | abi.POLLERR
		}
		if has(es, fd) {
			ev |= abi.POLLPRI
		}
		if ev == 0 {
			continue
		}
		f, err := ft.Get(int32(fd))
		if err != nil {
			for _, w := range ws2 {
				w.f.DecRef()
			}
			return 0, abi.EBADF
		}
		ws2 = append(ws2, watch{fd, f, ev})
	}
	defer func() {
		for _, w := range ws2 {
			w.f.DecRef()
		}
	}()
	waiter := vfs.NewWaiter()
	for _, w := range ws2 {
		if q := w.f.EventQueue(); q != nil {
			q.Register(waiter, w.events)
			defer q.Unregister(waiter)
		}
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		outR, outW, outE := make([]uint64, words), make([]uint64, words), make([]uint64, words)
		n := 0
		for _, w := range ws2 {
			r := w.f.Readiness(w.events)
			bit := uint64(1) << (w.fd % 64)
			if has(rs, w.fd) && r&(abi.POLLIN|abi.POLLRDNORM|abi.POLLHUP|abi.POLLERR) != 0 {
				outR[w.fd/64] |= bit
				n++
			}
			if has(ws, w.fd) && r&(abi.POLLOUT|abi.POLLWRNORM|abi.POLLERR) != 0 {
				outW[w.fd/64] |= bit
				n++
			}
			if has(es, w.fd) && r&abi.POLLPRI != 0 {
				outE[w.fd/64] |= bit
				n++
			}
		}
		if n > 0 || timeout == 0 || (timeout > 0 && !time.Now().Before(deadline)) {
			store := func(addr uint64, set []uint64) error {
				if addr == 0 {
					return nil
				}
				b := make([]byte, 8*words)
				for i, v := range set {
					binary.LittleEndian.PutUint64(b[8*i:], v)
				}
				return m.CopyOut(addr, b)
			}
			if err := store(rAddr, outR); err != nil {
				return 0, err
			}
			if err := store(wAddr, outW); err != nil {
				return 0, err
			}
			return uint64(n), store(eAddr, outE)
		}
		wait := time.Duration(-1)
		if timeout > 0 {
			wait = time.Until(deadline)
		}
		if err := t.Block(waiter.C(), wait); err != nil && err != abi.ETIMEDOUT {
			return 0, abi.ERESTARTNOHAND
		}
	}
}
