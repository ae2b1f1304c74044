package vfs

import (
	"sync"

	"aramid/kernel/abi"
)

// Owner returns what F_GETOWN reports: the process (positive) or process
// group (negative) F_SETOWN recorded, 0 if none.
func (f *File) Owner() int32 { return f.owner.Load() }

// SetOwner records an F_SETOWN owner (a process, or a process group when
// negative) and the credentials of who set it (Linux checks them before
// each signal); the caller has checked the owner exists.
func (f *File) SetOwner(who int32, uid, euid uint32) {
	typ := int32(abi.F_OWNER_PID)
	if who < 0 {
		typ = abi.F_OWNER_PGRP
	}
	f.SetOwnerEx(typ, who, uid, euid)
}

// SetOwnerEx records an owner with its F_SETOWN_EX type: who is a thread
// id (F_OWNER_TID), a process id, or a negated process-group id.
func (f *File) SetOwnerEx(typ, who int32, uid, euid uint32) {
	f.async.mu.Lock()
	f.async.uid, f.async.euid = uid, euid
	f.async.ownerType = typ
	f.owner.Store(who)
	f.async.mu.Unlock()
}

// OwnerEx returns what F_GETOWN_EX reports: the owner's type and id
// (F_OWNER_TID with id 0 when none was ever set, as Linux).
func (f *File) OwnerEx() (typ, id int32) {
	f.async.mu.Lock()
	defer f.async.mu.Unlock()
	id = f.owner.Load()
	if id < 0 {
		id = -id
	}
	return f.async.ownerType, id
}

// SetOwnerIfNone records process pid as the owner, with the credentials
// of who asked, unless an owner is already set (Linux's __f_setown without
// force, as fcntl(F_NOTIFY) calls it).
func (f *File) SetOwnerIfNone(pid int32, uid, euid uint32) {
	f.async.mu.Lock()
	defer f.async.mu.Unlock()
	if f.owner.Load() != 0 {
		return
	}
	f.async.uid, f.async.euid = uid, euid
	f.async.ownerType = abi.F_OWNER_PID
	f.owner.Store(pid)
}

// SignalOwner sends the owner the file's F_SETSIG signal (plain SIGIO when
// none) for reason, a POLL_* si_code with its si_band bits, naming
// descriptor fd, as Linux's send_sigio. Without an owner nothing is sent.
func (f *File) SignalOwner(reason int32, band uint32, fd int32) {
	owner := f.owner.Load()
	if owner == 0 || SIGIO == nil {
		return
	}
	a := &f.async
	a.mu.Lock()
	uid, euid, typ := a.uid, a.euid, a.ownerType
	a.mu.Unlock()
	SIGIO(typ, owner, f.sig.Load(), reason, band, fd, uid, euid)
}

// Sig returns what F_GETSIG reports: the signal F_SETSIG recorded, 0 for
// the default (SIGIO).
func (f *File) Sig() int32 { return f.sig.Load() }

// SetSig records an F_SETSIG signal; the caller has checked it is 0..64.
func (f *File) SetSig(sig int32) { f.sig.Store(sig) }

// Fasync is implemented by files that, like Linux files with a fasync
// operation (pipes, sockets, terminals, inotify), signal their owner when
// O_ASYNC is set and they become readable or writable. On other files
// O_ASYNC is only a recorded flag, as on Linux.
type Fasync interface {
	Fasync()
}

// SIGIO is a signal sent for O_ASYNC, as Linux's send_sigio: to owner (a
// thread when ownerType is F_OWNER_TID, else a process, or a process group
// when negative), the signal F_SETSIG chose (0: plain SIGIO with si_code
// SI_KERNEL), reason a POLL_* si_code, band the POLL* bits for si_band, fd
// the descriptor O_ASYNC was set through; uid and euid are who set the
// owner. Package syscalls installs it.
var SIGIO func(ownerType, owner, sig int32, reason int32, band uint32, fd int32, uid, euid uint32)

// asyncState is a file's O_ASYNC registration.
type asyncState struct {
	mu        sync.Mutex
	ownerType int32   // F_OWNER_TID (the zero value, as Linux's default), PID or PGRP
	w         *Waiter // registered on the file's event queue while O_ASYNC is set
	q         *Queue
	fd        int32
	uid       uint32
	euid      uint32
	active    bool
}

// SetAsync turns signal-driven I/O on or off for the file (F_SETFL or
// FIOASYNC through descriptor fd) and sets O_ASYNC to match. On a file that
// is not Fasync it does nothing: Linux leaves O_ASYNC clear there.
func (f *File) SetAsync(on bool, fd int32) {
	if _, ok := f.Impl.(Fasync); !ok {
		return
	}
	a := &f.async
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fd = fd
	if on == a.active {
		return
	}
	a.active = on
	for {
		old := f.flags.Load()
		n := old &^ abi.O_ASYNC
		if on {
			n |= abi.O_ASYNC
		}
		if f.flags.CompareAndSwap(old, n) {
			break
		}
	}
	if !on {
		if a.q != nil {
			a.q.Unregister(a.w)
		}
		a.q, a.w = nil, nil
		return
	}
	q := f.Impl.EventQueue()
	if q == nil {
		return
	}
	var mask uint32
	if f.Readable() {
		mask |= abi.POLLIN | abi.POLLPRI | abi.POLLRDNORM | abi.POLLRDBAND | abi.POLLMSG
	}
	if f.Writable() {
		mask |= abi.POLLOUT | abi.POLLWRNORM | abi.POLLWRBAND
	}
	mask |= abi.POLLERR | abi.POLLHUP
	a.w = &Waiter{fn: f.sendIO}
	a.q = q
	q.Register(a.w, mask)
}

// sendIO signals the owner for the events that just happened.
func (f *File) sendIO(events uint32) {
	owner := f.owner.Load()
	if owner == 0 || SIGIO == nil {
		return
	}
	a := &f.async
	a.mu.Lock()
	fd, uid, euid, typ := a.fd, a.uid, a.euid, a.ownerType
	a.mu.Unlock()
	// Linux's band_table: the reason code and the si_band it implies.
	// Data and space come first: Linux's pipes and sockets report a
	// closing peer as POLL_IN to readers and POLL_OUT to writers.
	var reason int32
	var band uint32
	switch {
	case events&(abi.POLLIN|abi.POLLRDNORM) != 0:
		reason, band = abi.POLL_IN, abi.POLLIN|abi.POLLRDNORM
	case events&(abi.POLLOUT|abi.POLLWRNORM|abi.POLLWRBAND) != 0:
		reason, band = abi.POLL_OUT, abi.POLLOUT|abi.POLLWRNORM|abi.POLLWRBAND
	case events&abi.POLLPRI != 0:
		reason, band = abi.POLL_PRI, abi.POLLPRI|abi.POLLRDBAND
	case events&abi.POLLERR != 0:
		reason, band = abi.POLL_ERR, abi.POLLERR
	case events&abi.POLLHUP != 0:
		reason, band = abi.POLL_HUP, abi.POLLHUP|abi.POLLERR
	default:
		return
	}
	SIGIO(typ, owner, f.sig.Load(), reason, band, fd, uid, euid)
}

// releaseAsync ends the O_ASYNC registration when the description goes.
func (f *File) releaseAsync() {
	a := &f.async
	a.mu.Lock()
	if a.q != nil {
		a.q.Unregister(a.w)
	}
	a.q, a.w, a.active = nil, nil, false
	a.mu.Unlock()
}
