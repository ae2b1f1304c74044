package vfs

import (
	"math"
	"sync"

	"aramid/kernel/abi"
)

// OffsetMax is the last byte a POSIX record lock can cover; a lock to EOF
// (l_len 0) ends there.
const OffsetMax = math.MaxInt64

// maxRecordLocks bounds an inode's record-lock list: a request that
// would grow it past this fails with ENOLCK (Linux's answer when it cannot
// allocate a lock).
const maxRecordLocks = 1 << 12

// maxDeadlockSteps bounds the waits-for chain followed by deadlock
// detection, as Linux's MAX_DEADLK_ITERATIONS does.
const maxDeadlockSteps = 10

// RecordLock is one POSIX record lock (fcntl F_SETLK or F_OFD_SETLK): the
// inclusive byte range Start..End of type abi.F_RDLCK or abi.F_WRLCK.
// Owner is the descriptor table of the locking process (classic locks) or
// the open file description (OFD locks); Pid is what F_GETLK reports (-1
// for OFD locks).
type RecordLock struct {
	Owner      any
	Pid        int32
	Type       int16
	Start, End int64
}

func (l RecordLock) overlaps(start, end int64) bool {
	return l.Start <= end && start <= l.End
}

// conflicts reports whether a request of owner and typ over start..end
// conflicts with l: another owner, overlapping, and either is a write lock.
func (l RecordLock) conflicts(owner any, typ int16, start, end int64) bool {
	return l.Owner != owner && l.overlaps(start, end) && (typ == abi.F_WRLCK || l.Type == abi.F_WRLCK)
}

// recordLocks is an inode's POSIX record lock list: each owner's locks are
// kept together, sorted by start, never overlapping one another, and
// adjacent locks of one type merged, so the list is what Linux's would be.
type recordLocks struct {
	mu       sync.Mutex
	locks    []RecordLock
	released chan struct{} // closed (and replaced) whenever a lock shrinks or goes
}

// waits maps an owner blocked in F_SETLKW to the owner it waits for, for
// deadlock detection across all files.
var waits struct {
	mu sync.Mutex
	of map[any]any
}

func (in *Inode) recordState() *recordLocks {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.records == nil {
		in.records = &recordLocks{released: make(chan struct{})}
	}
	return in.records
}

// test returns the first lock conflicting with the request.
func (r *recordLocks) test(owner any, typ int16, start, end int64) (RecordLock, bool) {
	for _, l := range r.locks {
		if l.conflicts(owner, typ, start, end) {
			return l, true
		}
	}
	return RecordLock{}, false
}

// apply sets owner's locks over start..end to typ (abi.F_UNLCK removes
// them), splitting and merging owner's other locks; it wakes waiters when
// any of owner's locks changed. A request that would grow the list past
// maxRecordLocks changes nothing and returns ENOLCK.
func (r *recordLocks) apply(owner any, pid int32, typ int16, start, end int64) error {
	var mine []RecordLock
	at := -1
	rest := r.locks[:0:0]
	for _, l := range r.locks {
		if l.Owner != owner {
			rest = append(rest, l)
			continue
		}
		if at < 0 {
			at = len(rest)
		}
		mine = append(mine, l)
	}
	if at < 0 {
		at = len(rest)
	}
	changed := false
	var next []RecordLock
	for _, l := range mine {
		if !l.overlaps(start, end) {
			next = append(next, l)
			continue
		}
		changed = true // waiters re-check; a spurious wake-up is harmless
		if l.Start < start {
			left := l
			left.End = start - 1
			next = append(next, left)
		}
		if l.End > end {
			right := l
			right.Start = end + 1
			next = append(next, right)
		}
	}
	if typ != abi.F_UNLCK {
		next = append(next, RecordLock{Owner: owner, Pid: pid, Type: typ, Start: start, End: end})
	}
	sortLocks(next)
	merged := next[:0]
	for _, l := range next {
		if n := len(merged); n > 0 && merged[n-1].Type == l.Type && merged[n-1].End != OffsetMax && merged[n-1].End+1 == l.Start {
			merged[n-1].End = l.End
			continue
		}
		merged = append(merged, l)
	}
	if n := len(rest) + len(merged); n > maxRecordLocks && n > len(r.locks) {
		return abi.ENOLCK
	}
	out := make([]RecordLock, 0, len(rest)+len(merged))
	out = append(out, rest[:at]...)
	out = append(out, merged...)
	out = append(out, rest[at:]...)
	r.locks = out
	if changed {
		close(r.released)
		r.released = make(chan struct{})
	}
	return nil
}

// sortLocks sorts non-overlapping locks by start (insertion sort: an
// owner holds few locks per file).
func sortLocks(ls []RecordLock) {
	for i := 1; i < len(ls); i++ {
		for j := i; j > 0 && ls[j].Start < ls[j-1].Start; j-- {
			ls[j], ls[j-1] = ls[j-1], ls[j]
		}
	}
}

// removeOwner drops every lock of owner and wakes waiters if there was one.
func (r *recordLocks) removeOwner(owner any) {
	out := r.locks[:0]
	for _, l := range r.locks {
		if l.Owner != owner {
			out = append(out, l)
		}
	}
	if len(out) != len(r.locks) {
		clear(r.locks[len(out):])
		r.locks = out
		close(r.released)
		r.released = make(chan struct{})
	}
}

// LockRange turns a struct flock's l_whence, l_start and l_len into an
// inclusive byte range of f, as Linux's flock_to_posix_lock does: EINVAL
// for a bad whence or a range starting before 0, EOVERFLOW past OffsetMax.
func (f *File) LockRange(whence int16, start, length int64) (int64, int64, error) {
	var base int64
	switch whence {
	case abi.SEEK_SET:
	case abi.SEEK_CUR:
		base = f.Offset()
	case abi.SEEK_END:
		if f.Inode != nil {
			base = f.Inode.Attr().Size
		}
	default:
		return 0, 0, abi.EINVAL
	}
	if start > OffsetMax-base {
		return 0, 0, abi.EOVERFLOW
	}
	s := base + start
	if s < 0 {
		return 0, 0, abi.EINVAL
	}
	switch {
	case length > 0:
		if length-1 > OffsetMax-s {
			return 0, 0, abi.EOVERFLOW
		}
		return s, s + length - 1, nil
	case length < 0:
		if s+length < 0 {
			return 0, 0, abi.EINVAL
		}
		return s + length, s - 1, nil
	}
	return s, OffsetMax, nil
}

// CheckLockType returns EINVAL for an l_type other than F_RDLCK, F_WRLCK
// and F_UNLCK, and EBADF unless f's access mode allows a lock of typ.
func (f *File) CheckLockType(typ int16) error {
	if f.IsPath() || f.Inode == nil {
		return abi.EBADF
	}
	acc := f.Flags() & abi.O_ACCMODE
	switch typ {
	case abi.F_RDLCK:
		if acc != abi.O_RDONLY && acc != abi.O_RDWR {
			return abi.EBADF
		}
	case abi.F_WRLCK:
		if acc != abi.O_WRONLY && acc != abi.O_RDWR {
			return abi.EBADF
		}
	case abi.F_UNLCK:
	default:
		return abi.EINVAL
	}
	return nil
}

// TestLock implements F_GETLK and F_OFD_GETLK: the first lock of another
// owner that would block a typ lock over start..end, if any. owner is the
// caller's descriptor table, or f itself for F_OFD_GETLK.
func (f *File) TestLock(owner any, typ int16, start, end int64) (RecordLock, bool, error) {
	if typ != abi.F_RDLCK && typ != abi.F_WRLCK {
		return RecordLock{}, false, abi.EINVAL
	}
	if f.IsPath() || f.Inode == nil {
		return RecordLock{}, false, abi.EBADF
	}
	r := f.Inode.recordState()
	r.mu.Lock()
	defer r.mu.Unlock()
	l, ok := r.test(owner, typ, start, end)
	return l, ok, nil
}

// SetLock implements F_SETLK(W) and F_OFD_SETLK(W): owner (the caller's
// descriptor table, or f for OFD locks) gets a typ lock over start..end,
// or loses its locks there with abi.F_UNLCK. A conflicting lock makes it
// fail with EAGAIN, or with wait sleep until locks go (a signal interrupts
// the sleep); waiting on an owner that waits, through at most
// maxDeadlockSteps owners, for this one is EDEADLK (classic locks only).
// A list grown past maxRecordLocks is ENOLCK.
func (f *File) SetLock(c *Caller, owner any, pid int32, typ int16, start, end int64, wait bool) error {
	if err := f.CheckLockType(typ); err != nil {
		return err
	}
	r := f.Inode.recordState()
	_, ofd := owner.(*File)
	r.mu.Lock()
	for {
		l, busy := r.test(owner, typ, start, end)
		if typ == abi.F_UNLCK || !busy {
			err := r.apply(owner, pid, typ, start, end)
			r.mu.Unlock()
			return err
		}
		if !wait {
			r.mu.Unlock()
			return abi.EAGAIN
		}
		if !ofd && !waitFor(owner, l.Owner) {
			r.mu.Unlock()
			return abi.EDEADLK
		}
		ch := r.released
		r.mu.Unlock()
		err := c.Block(ch, -1)
		if !ofd {
			waits.mu.Lock()
			delete(waits.of, owner)
			waits.mu.Unlock()
		}
		if err != nil {
			return err
		}
		r.mu.Lock()
	}
}

// waitFor records that owner waits for holder unless holder waits, through
// a chain of waiting owners, for owner: then it reports false (deadlock).
func waitFor(owner, holder any) bool {
	waits.mu.Lock()
	defer waits.mu.Unlock()
	o := holder
	for i := 0; i < maxDeadlockSteps; i++ {
		if o == owner {
			return false
		}
		next, ok := waits.of[o]
		if !ok {
			break
		}
		o = next
	}
	if waits.of == nil {
		waits.of = map[any]any{}
	}
	waits.of[owner] = holder
	return true
}

// ReleaseRecordLocks drops the classic record locks owner (a descriptor
// table) holds on f's inode: Linux does so whenever a process closes any
// descriptor of the file.
func (f *File) ReleaseRecordLocks(owner any) {
	if f.Inode == nil {
		return
	}
	f.Inode.mu.Lock()
	r := f.Inode.records
	f.Inode.mu.Unlock()
	if r == nil {
		return
	}
	r.mu.Lock()
	r.removeOwner(owner)
	r.mu.Unlock()
}
