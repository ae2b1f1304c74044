package syscalls

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"weak"

	"aramid/kernel/abi"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

func init() {
	partial("memfd_create", "MFD_CLOEXEC, MFD_ALLOW_SEALING; seals enforced on write(2) and ftruncate(2), not on mappings", sysMemfdCreate)
}

// memfdState holds memfds' backing filesystem and seals.
type memfdState struct {
	once  sync.Once
	fs    *tmpfs.FS
	seq   atomic.Uint64
	mu    sync.Mutex
	seals map[weak.Pointer[vfs.Inode]]uint32 // absent: sealing not allowed
}

// sealKey is the seals map's key for in. The map holds its inodes weakly:
// an entry goes with its memfd (a strong key kept every memfd's inode, and
// its pages, for ever).
func sealKey(in *vfs.Inode) weak.Pointer[vfs.Inode] { return weak.Make(in) }

const (
	sealSeal, sealShrink, sealGrow, sealWrite, sealFutureWrite = 1, 2, 4, 8, 16
	mfdCloexec, mfdAllowSealing                                = 1, 2
)

func sysMemfdCreate(s *System, t *task.Task, a Args) (uint64, error) {
	name, err := t.MM().CopyInString(a[0], 250)
	if err != nil {
		if err == abi.ENAMETOOLONG {
			return 0, abi.EINVAL
		}
		return 0, err
	}
	if a[1]&^(mfdCloexec|mfdAllowSealing|4 /* MFD_HUGETLB */) != 0 || a[1]&4 != 0 {
		return 0, abi.EINVAL
	}
	ms := &s.memfd
	ms.once.Do(func() {
		var free func() uint64
		if s.memory != nil {
			free = func() uint64 { _, f := s.memory(); return f }
		}
		ms.fs = tmpfs.New(tmpfs.Options{Clock: s.K.Now, Dev: abi.MakeDev(0, 99), Mode: 0o1777, Pages: s.K.Frames, Free: free})
		ms.seals = map[weak.Pointer[vfs.Inode]]uint32{}
	})
	root := ms.fs.Root()
	dir := root.Ops.(vfs.DirOps)
	key := fmt.Sprintf("memfd-%d", ms.seq.Add(1))
	cr := t.TG().Creds()
	in, err := dir.Create(root, key, vfs.CreateArgs{Mode: abi.S_IFREG | 0o777, UID: cr.EUID, GID: cr.EGID})
	if err != nil {
		return 0, err
	}
	impl, err := in.Ops.Open(s.caller(t), in, abi.O_RDWR)
	if err != nil {
		return 0, err
	}
	dir.Remove(root, key, in) // nameless: gone with its last reference
	if a[1]&mfdAllowSealing != 0 {
		k := sealKey(in)
		ms.mu.Lock()
		ms.seals[k] = 0
		ms.mu.Unlock()
		runtime.AddCleanup(in, func(k weak.Pointer[vfs.Inode]) {
			ms.mu.Lock()
			delete(ms.seals, k)
			ms.mu.Unlock()
		}, k)
	}
	f := vfs.NewFile(impl, in, vfs.Path{}, abi.O_RDWR|abi.O_LARGEFILE)
	f.Name = "/memfd:" + name + " (deleted)"
	fd, err := fds(t).Install(f, a[1]&mfdCloexec != 0, 0)
	return uint64(fd), err
}

// seals implements F_ADD_SEALS and F_GET_SEALS.
func (s *System) seals(f *vfs.File, add bool, seals uint32) (uint64, error) {
	ms := &s.memfd
	if ms.seals == nil || f.Inode == nil {
		return 0, abi.EINVAL
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	cur, ok := ms.seals[sealKey(f.Inode)]
	if !add {
		if !ok {
			return sealSeal, nil
		}
		return uint64(cur), nil
	}
	if !ok || cur&sealSeal != 0 {
		return 0, abi.EPERM
	}
	if seals&^(sealSeal|sealShrink|sealGrow|sealWrite|sealFutureWrite) != 0 {
		return 0, abi.EINVAL
	}
	if !f.Writable() {
		return 0, abi.EPERM
	}
	// A write seal cannot be added while a writable shared mapping could
	// still write (Linux's mapping_deny_writable).
	if seals&sealWrite != 0 && cur&sealWrite == 0 && s.K.Frames.WritableShared(f.Inode) {
		return 0, abi.EBUSY
	}
	ms.seals[sealKey(f.Inode)] = cur | seals
	return 0, nil
}

// writeSealed reports whether f is a memfd sealed against writing
// (F_SEAL_WRITE or F_SEAL_FUTURE_WRITE): no new shared mapping of it may
// write.
func (s *System) writeSealed(f *vfs.File) bool {
	ms := &s.memfd
	if f.Inode == nil {
		return false
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.seals != nil && ms.seals[sealKey(f.Inode)]&(sealWrite|sealFutureWrite) != 0
}

// sealCheck refuses a write or resize that a memfd seal forbids.
func (s *System) sealCheck(f *vfs.File, write bool, newSize int64) error {
	ms := &s.memfd
	if ms.seals == nil || f.Inode == nil {
		return nil
	}
	ms.mu.Lock()
	seals := ms.seals[sealKey(f.Inode)]
	ms.mu.Unlock()
	if seals == 0 {
		return nil
	}
	if write && seals&(sealWrite|sealFutureWrite) != 0 {
		return abi.EPERM
	}
	if newSize >= 0 {
		st, err := f.Stat()
		if err != nil {
			return err
		}
		if !write && newSize < st.Size && seals&sealShrink != 0 || newSize > st.Size && seals&sealGrow != 0 {
			return abi.EPERM
		}
	}
	return nil
}
