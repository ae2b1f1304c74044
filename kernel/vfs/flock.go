package vfs

import (
	"sync"

	"aramid/kernel/abi"
)

// flock(2) operations.
const (
	LOCK_SH = 1
	LOCK_EX = 2
	LOCK_NB = 4
	LOCK_UN = 8
)

// flocks is an inode's flock(2) state. Locks belong to open file
// descriptions: dup'ed descriptors and forked children share them, and the
// last close of the description releases it.
type flocks struct {
	mu        sync.Mutex
	exclusive *File
	shared    map[*File]struct{}
	released  chan struct{} // closed (and replaced) whenever a lock goes
}

func (in *Inode) flockState() *flocks {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.flocks == nil {
		in.flocks = &flocks{shared: map[*File]struct{}{}, released: make(chan struct{})}
	}
	return in.flocks
}

// dropLocked removes f's lock, if any, and wakes waiters.
func (l *flocks) dropLocked(f *File) {
	had := l.exclusive == f
	if had {
		l.exclusive = nil
	}
	if _, ok := l.shared[f]; ok {
		delete(l.shared, f)
		had = true
	}
	if had {
		close(l.released)
		l.released = make(chan struct{})
	}
}

// Flock implements flock(2). As on Linux, converting a lock first drops the
// old one, so a failed conversion leaves the description unlocked; a
// blocked request sleeps until some lock on the file goes, and a signal
// interrupts it.
func (f *File) Flock(c *Caller, op int) error {
	if f.IsPath() || f.Inode == nil {
		return abi.EBADF
	}
	nb := op&LOCK_NB != 0
	kind := op &^ LOCK_NB
	if kind != LOCK_SH && kind != LOCK_EX && kind != LOCK_UN {
		return abi.EINVAL
	}
	l := f.Inode.flockState()
	l.mu.Lock()
	if kind == LOCK_UN {
		l.dropLocked(f)
		l.mu.Unlock()
		return nil
	}
	if _, sh := l.shared[f]; kind == LOCK_SH && sh || kind == LOCK_EX && l.exclusive == f {
		l.mu.Unlock()
		return nil
	}
	l.dropLocked(f)
	for {
		free := l.exclusive == nil
		if kind == LOCK_EX {
			free = free && len(l.shared) == 0
		}
		if free {
			if kind == LOCK_EX {
				l.exclusive = f
			} else {
				l.shared[f] = struct{}{}
			}
			l.mu.Unlock()
			return nil
		}
		if nb {
			l.mu.Unlock()
			return abi.EWOULDBLOCK
		}
		ch := l.released
		l.mu.Unlock()
		if err := c.Block(ch, -1); err != nil {
			return err
		}
		l.mu.Lock()
	}
}

// releaseFlock drops f's lock at the last close of the description.
func (f *File) releaseFlock() {
	if f.Inode == nil {
		return
	}
	f.Inode.mu.Lock()
	l := f.Inode.flocks
	f.Inode.mu.Unlock()
	if l == nil {
		return
	}
	l.mu.Lock()
	l.dropLocked(f)
	l.mu.Unlock()
}
