package nucleus

import (
	"sync/atomic"
	"unsafe"
)

// The nucleus's own file descriptors: the eventfd and epoll instance the
// runtime's netpoller needs (and fds 0-2, the console). The kernel proper
// gives user programs their own descriptor tables; these exist only for the
// Go runtime.

const (
	maxFDs    = 32
	firstFD   = 3
	maxEpRegs = 8
	kindFree  = 0
	kindEvent = 1
	kindEpoll = 2
	epollIn   = 0x1
	epollOut  = 0x4
	epollAdd  = 1
	epollDel  = 2
	epollMod  = 3
	efdNonblk = 0x800
	oRDWR     = 2
	fGetFD    = 1
	fSetFD    = 2
	fGetFL    = 3
	fSetFL    = 4
)

type epReg struct {
	fd     int64
	events uint32
	data   uint64
}

type nfile struct {
	kind    uint8
	flags   uint64
	counter uint64           // eventfd
	regs    [maxEpRegs]epReg // epoll registrations (fd 0 = unused slot)
}

var (
	files   [maxFDs]nfile
	fdLock  spinlock
	epollWQ uint32 // key epoll waiters block on; counts eventfd writes
)

//go:nosplit
func fileAt(fd int64) *nfile {
	if fd < firstFD || fd >= firstFD+maxFDs {
		return nil
	}
	return &files[uint64(fd-firstFD)%maxFDs]
}

//go:nosplit
func fdAlloc(kind uint8, flags uint64) int64 {
	fdLock.lock()
	fd := int64(-errEMFILE)
	for i := 0; i < maxFDs; i++ {
		if files[i].kind == kindFree {
			files[i] = nfile{kind: kind, flags: flags}
			fd = int64(i + firstFD)
			break
		}
	}
	fdLock.unlock()
	return fd
}

//go:nosplit
func fdClose(fd int64) int64 {
	if fd >= 0 && fd < firstFD {
		return 0
	}
	f := fileAt(fd)
	if f == nil || f.kind == kindFree {
		return -errEBADF
	}
	f.kind = kindFree
	return 0
}

//go:nosplit
func fdFcntl(fd int64, cmd uint64) int64 {
	if fd < 0 || (fd >= firstFD && (fileAt(fd) == nil || fileAt(fd).kind == kindFree)) {
		return -errEBADF
	}
	switch cmd {
	case fGetFD, fSetFD, fSetFL:
		return 0
	case fGetFL:
		if f := fileAt(fd); f != nil {
			return int64(oRDWR | f.flags&efdNonblk)
		}
		return oRDWR
	}
	return -errEINVAL
}

//go:nosplit
func eventfdCreate(flags uint64) int64 {
	return fdAlloc(kindEvent, flags)
}

//go:nosplit
func eventfdWrite(fd int64, buf, n uint64) int64 {
	f := fileAt(fd)
	if f == nil || f.kind != kindEvent {
		return -errEBADF
	}
	if n < 8 {
		return -errEINVAL
	}
	atomic.AddUint64(&f.counter, *ptr64(uintptr(buf)))
	// epollWQ counts writes, so a reader or epoll_wait that found
	// nothing and is about to block sees that one came (blockIf).
	atomic.AddUint32(&epollWQ, 1)
	wake(uintptr(unsafe.Pointer(&epollWQ)), maxThreads)
	return 8
}

//go:nosplit
func eventfdRead(fd int64, buf, n uint64) int64 {
	f := fileAt(fd)
	if f == nil || f.kind != kindEvent {
		return -errEBADF
	}
	if n < 8 {
		return -errEINVAL
	}
	for {
		gen := atomic.LoadUint32(&epollWQ)
		if v := atomic.SwapUint64(&f.counter, 0); v != 0 {
			*ptr64(uintptr(buf)) = v
			return 8
		}
		if f.flags&efdNonblk != 0 {
			return -errEAGAIN
		}
		blockIf(uintptr(unsafe.Pointer(&epollWQ)), 0, &epollWQ, gen)
	}
}

//go:nosplit
func epollCreate() int64 {
	return fdAlloc(kindEpoll, 0)
}

//go:nosplit
func epollCtl(epfd int64, op uint64, fd int64, ev uint64) int64 {
	ep := fileAt(epfd)
	if ep == nil || ep.kind != kindEpoll {
		return -errEBADF
	}
	if fileAt(fd) == nil {
		return -errEBADF // only nucleus fds can be watched
	}
	slot := -1
	for i := 0; i < maxEpRegs; i++ {
		if ep.regs[i].fd == fd {
			slot = i
			break
		}
	}
	switch op {
	case epollAdd, epollMod:
		if slot < 0 {
			if op == epollMod {
				return -errENOENT
			}
			for i := 0; i < maxEpRegs; i++ {
				if ep.regs[i].fd == 0 {
					slot = i
					break
				}
			}
			if slot < 0 {
				return -errENOMEM
			}
		}
		ep.regs[uint(slot)%maxEpRegs] = epReg{fd: fd, events: *ptr32(uintptr(ev)), data: *ptr64(uintptr(ev) + 4)}
		return 0
	case epollDel:
		if slot < 0 {
			return -errENOENT
		}
		ep.regs[uint(slot)%maxEpRegs] = epReg{}
		return 0
	}
	return -errEINVAL
}

// epollWait reports ready registrations, blocking up to timeout ms (-1:
// forever) for an eventfd write.
//
//go:nosplit
func epollWait(epfd int64, events, maxEvents uint64, timeoutMs int64) int64 {
	ep := fileAt(epfd)
	if ep == nil || ep.kind != kindEpoll {
		return -errEBADF
	}
	if maxEvents == 0 {
		return -errEINVAL
	}
	deadline := int64(0)
	if timeoutMs > 0 {
		deadline = sinceBoot() + timeoutMs*1e6
	}
	for {
		gen := atomic.LoadUint32(&epollWQ)
		n := uint64(0)
		for i := 0; i < maxEpRegs && n < maxEvents; i++ {
			r := &ep.regs[i]
			f := fileAt(r.fd)
			if r.fd == 0 || f == nil {
				continue
			}
			ready := uint32(0)
			if f.kind == kindEvent {
				ready = epollOut
				if atomic.LoadUint64(&f.counter) > 0 {
					ready |= epollIn
				}
			}
			ready &= r.events
			if ready != 0 {
				e := uintptr(events + n*12)
				*ptr32(e) = ready
				*ptr64(e + 4) = r.data
				n++
			}
		}
		if n > 0 || timeoutMs == 0 {
			return int64(n)
		}
		if blockIf(uintptr(unsafe.Pointer(&epollWQ)), deadline, &epollWQ, gen) == wakeTimeout {
			return 0
		}
	}
}
