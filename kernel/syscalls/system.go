package syscalls

import (
	"strings"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/klog"
	"aramid/kernel/mm"
	"aramid/kernel/task"
	"aramid/kernel/tty"
	"aramid/kernel/vfs"
)

// fileState is the file layer as the system calls see it.
type fileState struct {
	vfs      *vfs.VFS
	hostname string
	random   func([]byte)
	hooks    task.FileHooks
	// NewPipe creates a pipe (read end, write end); nil: ENOSYS.
	newPipe func(flags uint32) (*vfs.File, *vfs.File, error)
	hwcap   uint64
	vdso    func(m *mm.MM) (uint64, error)
}

// Config wires the system-call layer to the rest of the kernel.
type Config struct {
	VFS      *vfs.VFS
	Hostname string
	Random   func([]byte)
	NewPipe  func(flags uint32) (r, w *vfs.File, err error)
	HWCap    uint64
	VDSO     func(m *mm.MM) (uint64, error)
	// Reboot carries out reboot(2) for root; nil makes it fail with EPERM.
	Reboot func(RebootAction)
	// SetWallClock, if set, steps CLOCK_REALTIME to t (clock_settime);
	// without it the wall clock cannot be set (ENOSYS).
	SetWallClock func(t time.Time)
	// Memory reports total and free RAM in bytes (sysinfo).
	Memory func() (total, free uint64)
	// SetRealtime sets CLOCK_REALTIME to Unix ns now, for the kernel and
	// the vDSO; nil makes setting the clock fail with EPERM.
	SetRealtime func(unixNs int64)
	// Log is the kernel log (syslog(2)); nil makes syslog fail with ENOSYS.
	Log *klog.Logger
	// Terminals returns every terminal (vhangup finds the caller's
	// controlling one among them).
	Terminals func() []*tty.TTY
}

// New returns the system-call layer for k and installs its dispatcher.
func New(k *task.Kernel, c Config) *System {
	s := &System{K: k, files: &fileState{vfs: c.VFS, hostname: c.Hostname, random: c.Random,
		newPipe: c.NewPipe, hwcap: c.HWCap, vdso: c.VDSO}, reboot: c.Reboot, memory: c.Memory, log: c.Log, terminals: c.Terminals,
		setRealtime: c.SetRealtime}
	if s.files.hostname == "" {
		s.files.hostname = "(none)"
	}
	vfs.SIGIO = func(ownerType, owner, sig, reason int32, band uint32, fd int32, uid, euid uint32) {
		sendSIGIO(s, ownerType, owner, sig, reason, band, fd, uid, euid)
	}
	s.files.hooks = task.FileHooks{
		Fork: func(parent, child *task.ThreadGroup, shareFiles, shareFS bool) {
			pf, pfs := parent.Files.(*vfs.FDTable), parent.FS.(*vfs.FSContext)
			if shareFiles {
				child.Files = pf
			} else {
				child.Files = pf.Fork()
			}
			if shareFS {
				child.FS = pfs
			} else {
				child.FS = pfs.Fork()
			}
			child.UTS = parent.UTS
		},
		Exec: func(g *task.ThreadGroup) {
			mqFlushOnExec(g)
			g.Files.(*vfs.FDTable).CloseOnExec()
		},
		Exit: func(g *task.ThreadGroup) {
			if ft, ok := g.Files.(*vfs.FDTable); ok && !s.filesShared(g, ft) {
				ft.CloseAll()
			}
		},
	}
	task.SetFileHooks(&s.files.hooks)
	k.Dispatch = s.Dispatch
	return s
}

// filesShared reports whether another live process uses ft (CLONE_FILES).
func (s *System) filesShared(g *task.ThreadGroup, ft *vfs.FDTable) bool {
	for _, o := range s.K.Groups() {
		if o != g && !o.Zombie() && o.Files == ft {
			return true
		}
	}
	return false
}

func (s *System) fileHooks() *task.FileHooks { return &s.files.hooks }

func (s *System) hostname() string { return s.files.hostname } // the initial UTS namespace's

func (s *System) random(b []byte) { s.files.random(b) }

// Hostname returns the host name (uname's nodename).
func (s *System) Hostname() string { return s.files.hostname }

// SetHostname implements sethostname's effect.
func (s *System) SetHostname(h string) { s.files.hostname = h }

// userMem adapts a task's address space to vfs.UserMemory.
type userMem struct{ m *mm.MM }

func (u userMem) CopyIn(addr uintptr, dst []byte) error { return u.m.CopyIn(uint64(addr), dst) }

func (u userMem) CopyOut(addr uintptr, src []byte) error { return u.m.CopyOut(uint64(addr), src) }

// caller describes t to the file layer. The value is cached on the task
// (a task makes one system call at a time) and refreshed on every call,
// without allocating.
func (s *System) caller(t *task.Task) *vfs.Caller {
	c, _ := t.FileCaller.(*vfs.Caller)
	if c == nil {
		c = &vfs.Caller{Blocker: t, SigPipe: func() { t.SendKernel(abi.SIGPIPE) }}
		t.FileCaller = c
	}
	g := t.TG()
	// Identity is re-read only when the group's credentials, process group
	// or session changed since this task last looked (CallerGen holds the
	// generation seen, plus one so that zero means never).
	if gen := g.IDGeneration() + 1; t.CallerGen != gen {
		g.FSCreds(&c.Creds.UID, &c.Creds.GID, &c.Creds.Groups)
		c.Creds.Caps, c.Creds.CapsValid = g.Creds().Caps.Effective, true
		c.PID, c.PGID, c.SID = g.SessionIDs()
		t.CallerGen = gen
	}
	c.TID = t.ID
	if m := t.MM(); c.Mem == nil || c.Mem.(userMem).m != m {
		c.Mem = userMem{m}
	}
	return c
}

// scratch returns an n-byte buffer for one system call's data: small
// transfers reuse a per-task buffer instead of allocating each time.
func scratch(t *task.Task, n uint64) []byte {
	const keep = 4096
	if n > keep {
		return make([]byte, n)
	}
	if cap(t.Scratch) < keep {
		t.Scratch = make([]byte, keep)
	}
	return t.Scratch[:n]
}

func fds(t *task.Task) *vfs.FDTable { return t.TG().Files.(*vfs.FDTable) }

func fsctx(t *task.Task) *vfs.FSContext { return t.TG().FS.(*vfs.FSContext) }

// SetupInit gives PID 1 its descriptor table and filesystem context.
func (s *System) SetupInit(g *task.ThreadGroup) {
	g.Files = vfs.NewFDTable()
	g.FS = vfs.NewFSContext(s.files.vfs.Root())
}

// dirFile returns the directory file for a *at call (nil for AT_FDCWD).
func dirFile(t *task.Task, dirfd int32) (*vfs.File, error) {
	if dirfd == abi.AT_FDCWD {
		return nil, nil
	}
	return fds(t).Get(dirfd)
}

// lookupDir is dirFile for a lookup of path with AT_ flags: Linux reads
// an absolute path without looking at dirfd, and fails an empty one
// without AT_EMPTY_PATH (ENOENT, from the lookup) before it does, so
// neither needs dirfd to be open.
func lookupDir(t *task.Task, dirfd int32, path string, flags uint32) (*vfs.File, error) {
	if strings.HasPrefix(path, "/") || path == "" && flags&abi.AT_EMPTY_PATH == 0 {
		return nil, nil
	}
	return dirFile(t, dirfd)
}

// dirAt is the directory a *at call resolves path from: none for an
// absolute path, which ignores dirfd even when it is not a descriptor (as
// on Linux), else dirFile.
func dirAt(t *task.Task, dirfd int32, path string) (*vfs.File, error) {
	if strings.HasPrefix(path, "/") {
		return nil, nil
	}
	return dirFile(t, dirfd)
}

func release(f *vfs.File) {
	if f != nil {
		f.DecRef()
	}
}

const pathMax = 4096

func (s *System) path(t *task.Task, addr uint64) (string, error) {
	if addr == 0 {
		return "", abi.EFAULT
	}
	return t.MM().CopyInString(addr, pathMax)
}
