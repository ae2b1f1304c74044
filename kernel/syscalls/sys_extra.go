package syscalls

import (
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"weak"

	"aramid/kernel/abi"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/pipe"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

func init() {
	partial("memfd_create", "MFD_CLOEXEC, MFD_ALLOW_SEALING; seals enforced on write(2) and ftruncate(2), not on mappings", sysMemfdCreate)
	partial("fallocate", "preallocation (mode 0, FALLOC_FL_KEEP_SIZE) and FALLOC_FL_PUNCH_HOLE on tmpfs; collapse, insert and zero ranges: EOPNOTSUPP", sysFallocate)
	partial("splice", "a copy through a kernel buffer; one end must be a pipe", sysSplice)
	partial("tee", "copies the queued bytes (no page sharing)", sysTee)
	full("rt_sigqueueinfo", func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, s.sigqueue(t, int32(a[0]), 0, abi.Signal(a[1]), a[2])
	})
	full("rt_tgsigqueueinfo", func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, s.sigqueue(t, int32(a[0]), int32(a[1]), abi.Signal(a[2]), a[3])
	})
	partial("setdomainname", "recorded for uname's domainname", func(s *System, t *task.Task, a Args) (uint64, error) {
		if !capable(t, abi.CAP_SYS_ADMIN) {
			return 0, abi.EPERM
		}
		if a[1] > 64 {
			return 0, abi.EINVAL
		}
		b := make([]byte, a[1])
		if err := t.MM().CopyIn(a[0], b); err != nil {
			return 0, err
		}
		s.setDomainnameOf(t, string(b))
		return 0, nil
	})
}

func (s *System) sigqueue(t *task.Task, tgid, tid int32, sig abi.Signal, infoAddr uint64) error {
	if !sig.Valid() {
		return abi.EINVAL
	}
	b := make([]byte, 128)
	if err := t.MM().CopyIn(infoAddr, b); err != nil {
		return err
	}
	le := binary.LittleEndian
	code := int32(le.Uint32(b[8:]))
	var target *task.ThreadGroup
	var thread *task.Task
	if tid != 0 {
		if thread = s.K.Task(tid); thread == nil || thread.TG().ID != tgid {
			return abi.ESRCH
		}
		target = thread.TG()
	} else if target = s.K.Group(tgid); target == nil || target.Zombie() {
		return abi.ESRCH
	}
	// Only the kernel may claim kernel codes; others may only use
	// negative codes when signalling someone else.
	if (code >= 0 || code == -6) && target != t.TG() {
		return abi.EPERM
	}
	target.Queue(thread, task.SigInfo{Signo: sig, Code: code, PID: int32(le.Uint32(b[16:])),
		UID: le.Uint32(b[20:]), Value: le.Uint64(b[24:])})
	return nil
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

func sysFallocate(s *System, t *task.Task, a Args) (uint64, error) {
	const keepSize = 1
	mode, off, length := a[1], int64(a[2]), int64(a[3])
	if off < 0 || length <= 0 {
		return 0, abi.EINVAL
	}
	f, err := fds(t).Get(a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if !f.Writable() {
		return 0, abi.EBADF
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if st.Mode&abi.S_IFMT != abi.S_IFREG {
		if st.Mode&abi.S_IFMT == abi.S_IFDIR {
			return 0, abi.EISDIR
		}
		return 0, abi.ENODEV
	}
	const punchHole = 2
	if off > math.MaxInt64-length {
		return 0, abi.EFBIG
	}
	if mode&punchHole == 0 {
		if err := fsizeTruncate(t, int64(st.Size), off+length); err != nil {
			return 0, err
		}
	}
	ops, _ := f.Inode.Ops.(vfs.AllocateOps)
	switch mode {
	case 0:
		end := off + length
		if end > st.Size {
			if err := s.sealCheck(f, false, end); err != nil {
				return 0, err
			}
		}
		if ops != nil {
			return 0, ops.Allocate(f.Inode, off, length, false)
		}
		if end > st.Size {
			return 0, f.Truncate(end)
		}
		return 0, nil
	case keepSize:
		if ops != nil {
			return 0, ops.Allocate(f.Inode, off, length, true)
		}
		return 0, nil
	case punchHole | keepSize:
		if ops == nil {
			return 0, abi.EOPNOTSUPP
		}
		if err := s.sealCheck(f, true, -1); err != nil {
			return 0, err
		}
		return 0, ops.PunchHole(f.Inode, off, length)
	}
	return 0, abi.EOPNOTSUPP
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
	n, err := s.copyBetween(t, in, out, inOff, outOff, a[4])
	if err == nil && inOff != nil {
		err = m.WriteUint64(a[1], uint64(*inOff))
	}
	if err == nil && outOff != nil {
		err = m.WriteUint64(a[3], uint64(*outOff))
	}
	return n, err
}

var _ = strings.TrimSpace
