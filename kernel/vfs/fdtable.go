package vfs

import (
	"sync"

	"aramid/kernel/abi"
)

// DefaultFDLimit is the default RLIMIT_NOFILE soft limit.
const DefaultFDLimit = 1024

type fdEntry struct {
	file    *File
	cloexec bool
}

// FDTable is a process's file descriptor table. Threads created with
// CLONE_FILES share one; fork copies it with Fork.
type FDTable struct {
	mu    sync.Mutex
	fds   []fdEntry
	limit int
}

// NewFDTable returns an empty table with DefaultFDLimit.
func NewFDTable() *FDTable { return &FDTable{limit: DefaultFDLimit} }

// SetLimit sets the descriptor limit (RLIMIT_NOFILE): descriptors at or
// above it cannot be allocated.
func (t *FDTable) SetLimit(n int) {
	t.mu.Lock()
	t.limit = n
	t.mu.Unlock()
}

// Limit returns the descriptor limit.
func (t *FDTable) Limit() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.limit
}

// Get returns the file at fd with a reference the caller must drop with
// DecRef, or EBADF.
func (t *FDTable) Get(fd int32) (*File, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd < 0 || int(fd) >= len(t.fds) || t.fds[fd].file == nil {
		return nil, abi.EBADF
	}
	f := t.fds[fd].file
	f.IncRef()
	return f, nil
}

// Install puts f (taking over the caller's reference) at the lowest free
// descriptor at or above min and returns it; EMFILE if none is below the
// limit (the reference is then dropped).
func (t *FDTable) Install(f *File, cloexec bool, min int32) (int32, error) {
	t.mu.Lock()
	fd, err := t.installLocked(f, cloexec, min)
	t.mu.Unlock()
	if err != nil {
		f.DecRef()
	}
	return fd, err
}

func (t *FDTable) installLocked(f *File, cloexec bool, min int32) (int32, error) {
	if min < 0 {
		return -1, abi.EINVAL
	}
	if int(min) >= t.limit {
		return -1, abi.EMFILE
	}
	for i := int(min); i < len(t.fds) && i < t.limit; i++ {
		if t.fds[i].file == nil {
			t.fds[i] = fdEntry{f, cloexec}
			return int32(i), nil
		}
	}
	i := max(len(t.fds), int(min))
	if i >= t.limit {
		return -1, abi.EMFILE
	}
	for len(t.fds) <= i {
		t.fds = append(t.fds, fdEntry{})
	}
	t.fds[i] = fdEntry{f, cloexec}
	return int32(i), nil
}

// Dup implements dup(2) and F_DUPFD/F_DUPFD_CLOEXEC: a new descriptor at
// or above min for the same file.
func (t *FDTable) Dup(old int32, min int32, cloexec bool) (int32, error) {
	f, err := t.Get(old)
	if err != nil {
		return -1, err
	}
	return t.Install(f, cloexec, min)
}

// Dup3 implements dup2(2) and dup3(2): newfd refers to oldfd's file,
// closing what newfd held. With dup2 semantics (dup2 true) old == new
// returns new if old is valid; dup3 rejects it with EINVAL. newfd at or
// above the limit is EBADF.
func (t *FDTable) Dup3(old, new int32, cloexec, dup2 bool) (int32, error) {
	if old == new {
		if !dup2 {
			return -1, abi.EINVAL
		}
		f, err := t.Get(old)
		if err != nil {
			return -1, err
		}
		f.DecRef()
		return new, nil
	}
	t.mu.Lock()
	if old < 0 || int(old) >= len(t.fds) || t.fds[old].file == nil {
		t.mu.Unlock()
		return -1, abi.EBADF
	}
	if new < 0 || int(new) >= t.limit {
		t.mu.Unlock()
		return -1, abi.EBADF
	}
	f := t.fds[old].file
	f.IncRef()
	for len(t.fds) <= int(new) {
		t.fds = append(t.fds, fdEntry{})
	}
	prev := t.fds[new].file
	t.fds[new] = fdEntry{f, cloexec}
	t.mu.Unlock()
	if prev != nil {
		t.drop(prev)
	}
	return new, nil
}

// Close implements close(2).
func (t *FDTable) Close(fd int32) error {
	t.mu.Lock()
	if fd < 0 || int(fd) >= len(t.fds) || t.fds[fd].file == nil {
		t.mu.Unlock()
		return abi.EBADF
	}
	f := t.fds[fd].file
	t.fds[fd] = fdEntry{}
	t.mu.Unlock()
	t.drop(f)
	return nil
}

// drop closes one descriptor's reference to f: the process's record locks
// and dnotify registrations on the file go with any descriptor of it, as
// on Linux.
func (t *FDTable) drop(f *File) {
	f.ReleaseRecordLocks(t)
	if DirNotifyFlush != nil {
		DirNotifyFlush(f, t)
	}
	f.DecRef()
}

// DirNotifyFlush, installed by the dnotify implementation, drops the
// F_NOTIFY registrations made through f by the process owning table t
// (Linux's dnotify_flush on every close).
var DirNotifyFlush func(f *File, t *FDTable)

// GetFD implements F_GETFD.
func (t *FDTable) GetFD(fd int32) (uint32, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd < 0 || int(fd) >= len(t.fds) || t.fds[fd].file == nil {
		return 0, abi.EBADF
	}
	if t.fds[fd].cloexec {
		return abi.FD_CLOEXEC, nil
	}
	return 0, nil
}

// SetFD implements F_SETFD (and FIOCLEX/FIONCLEX).
func (t *FDTable) SetFD(fd int32, flags uint32) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd < 0 || int(fd) >= len(t.fds) || t.fds[fd].file == nil {
		return abi.EBADF
	}
	t.fds[fd].cloexec = flags&abi.FD_CLOEXEC != 0
	return nil
}

// CloseOnExec closes every descriptor marked close-on-exec (execve).
func (t *FDTable) CloseOnExec() {
	var drop []*File
	t.mu.Lock()
	for i := range t.fds {
		if t.fds[i].file != nil && t.fds[i].cloexec {
			drop = append(drop, t.fds[i].file)
			t.fds[i] = fdEntry{}
		}
	}
	t.mu.Unlock()
	for _, f := range drop {
		t.drop(f)
	}
}

// CloseRange implements close_range(2) on an already unshared table:
// descriptors first..last are closed, or only marked close-on-exec with
// CLOSE_RANGE_CLOEXEC. CLOSE_RANGE_UNSHARE is the caller's business (it
// forks the table first); unknown flags or first > last are EINVAL.
func (t *FDTable) CloseRange(first, last uint32, flags uint32) error {
	if flags&^(abi.CLOSE_RANGE_CLOEXEC|abi.CLOSE_RANGE_UNSHARE) != 0 || first > last {
		return abi.EINVAL
	}
	var drop []*File
	t.mu.Lock()
	for i := uint64(first); i <= uint64(last) && i < uint64(len(t.fds)); i++ {
		if t.fds[i].file == nil {
			continue
		}
		if flags&abi.CLOSE_RANGE_CLOEXEC != 0 {
			t.fds[i].cloexec = true
			continue
		}
		drop = append(drop, t.fds[i].file)
		t.fds[i] = fdEntry{}
	}
	t.mu.Unlock()
	for _, f := range drop {
		t.drop(f)
	}
	return nil
}

// Fork returns a copy sharing the same files (fork, or CLONE_FILES off).
func (t *FDTable) Fork() *FDTable {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := &FDTable{fds: make([]fdEntry, len(t.fds)), limit: t.limit}
	copy(n.fds, t.fds)
	for _, e := range n.fds {
		if e.file != nil {
			e.file.IncRef()
		}
	}
	return n
}

// CloseAll closes every descriptor (process exit).
func (t *FDTable) CloseAll() {
	t.mu.Lock()
	fds := t.fds
	t.fds = nil
	t.mu.Unlock()
	for _, e := range fds {
		if e.file != nil {
			t.drop(e.file)
		}
	}
}

// Fds returns the open descriptors in increasing order (for
// /proc/<pid>/fd).
func (t *FDTable) Fds() []int32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []int32
	for i, e := range t.fds {
		if e.file != nil {
			out = append(out, int32(i))
		}
	}
	return out
}

// Ioctl handles the descriptor-level ioctls FIOCLEX, FIONCLEX and FIONBIO
// and passes anything else to the file. FIONBIO reads an int through c.Mem.
func (t *FDTable) Ioctl(c *Caller, fd int32, cmd uint32, arg uintptr) (uintptr, error) {
	switch cmd {
	case abi.FIOCLEX:
		return 0, t.SetFD(fd, abi.FD_CLOEXEC)
	case abi.FIONCLEX:
		return 0, t.SetFD(fd, 0)
	}
	f, err := t.Get(fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if cmd == abi.FIOASYNC {
		if f.IsPath() {
			return 0, abi.EBADF
		}
		if c == nil || c.Mem == nil {
			return 0, abi.EFAULT
		}
		var b [4]byte
		if err := c.Mem.CopyIn(arg, b[:]); err != nil {
			return 0, err
		}
		f.SetAsync(b != [4]byte{}, fd)
		return 0, nil
	}
	if cmd == abi.FIONBIO {
		if f.IsPath() {
			return 0, abi.EBADF
		}
		if c == nil || c.Mem == nil {
			return 0, abi.EFAULT
		}
		var b [4]byte
		if err := c.Mem.CopyIn(arg, b[:]); err != nil {
			return 0, err
		}
		fl := f.Flags() &^ abi.O_NONBLOCK
		if b != [4]byte{} {
			fl |= abi.O_NONBLOCK
		}
		f.SetFlags(fl)
		return 0, nil
	}
	return f.Ioctl(c, cmd, arg)
}
