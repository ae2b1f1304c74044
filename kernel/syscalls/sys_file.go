package syscalls

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/event"
	"aramid/kernel/klog"
	"aramid/kernel/loader"
	"aramid/kernel/machine"
	"aramid/kernel/mm"
	"aramid/kernel/pipe"
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
func (s *System) hostname() string           { return s.files.hostname } // the initial UTS namespace's
func (s *System) random(b []byte)            { s.files.random(b) }

// Hostname returns the host name (uname's nodename).
func (s *System) Hostname() string { return s.files.hostname }

// SetHostname implements sethostname's effect.
func (s *System) SetHostname(h string) { s.files.hostname = h }

func yield() { runtime.Gosched() }

// userMem adapts a task's address space to vfs.UserMemory.
type userMem struct{ m *mm.MM }

func (u userMem) CopyIn(addr uintptr, dst []byte) error  { return u.m.CopyIn(uint64(addr), dst) }
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

func fds(t *task.Task) *vfs.FDTable     { return t.TG().Files.(*vfs.FDTable) }
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

func init() {
	full("read", func(s *System, t *task.Task, a Args) (uint64, error) { return s.rw(t, a.Int(0), a[1], a[2], -1, false) })
	full("write", func(s *System, t *task.Task, a Args) (uint64, error) { return s.rw(t, a.Int(0), a[1], a[2], -1, true) })
	full("pread64", func(s *System, t *task.Task, a Args) (uint64, error) {
		if int64(a[3]) < 0 {
			return 0, abi.EINVAL
		}
		return s.rw(t, a.Int(0), a[1], a[2], int64(a[3]), false)
	})
	full("pwrite64", func(s *System, t *task.Task, a Args) (uint64, error) {
		if int64(a[3]) < 0 {
			return 0, abi.EINVAL
		}
		return s.rw(t, a.Int(0), a[1], a[2], int64(a[3]), true)
	})
	full("readv", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.rwv(t, a.Int(0), a[1], a[2], -1, false)
	})
	full("writev", func(s *System, t *task.Task, a Args) (uint64, error) { return s.rwv(t, a.Int(0), a[1], a[2], -1, true) })
	full("open", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.openat(t, abi.AT_FDCWD, a[0], uint32(a[1]), uint32(a[2]))
	})
	full("openat", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.openat(t, a.Int(0), a[1], uint32(a[2]), uint32(a[3]))
	})
	full("creat", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.openat(t, abi.AT_FDCWD, a[0], abi.O_CREAT|abi.O_WRONLY|abi.O_TRUNC, uint32(a[1]))
	})
	full("close", sysClose)
	full("close_range", func(s *System, t *task.Task, a Args) (uint64, error) {
		var closing []*vfs.File
		if a[2]&abi.CLOSE_RANGE_CLOEXEC == 0 {
			closing = mqFilesIn(t, uint32(a[0]), uint32(a[1]))
		}
		err := fds(t).CloseRange(uint32(a[0]), uint32(a[1]), uint32(a[2]))
		mqFlushFiles(t, closing, err == nil)
		return 0, err
	})
	full("lseek", func(s *System, t *task.Task, a Args) (uint64, error) {
		f, err := fds(t).Get(a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		off, err := f.Seek(int64(a[1]), int(a[2]))
		return uint64(off), err
	})
	full("dup", func(s *System, t *task.Task, a Args) (uint64, error) {
		fd, err := fds(t).Dup(a.Int(0), 0, false)
		return uint64(fd), err
	})
	full("dup2", func(s *System, t *task.Task, a Args) (uint64, error) {
		var replaced []*vfs.File
		if a.Int(0) != a.Int(1) {
			replaced = mqFilesIn(t, uint32(a[1]), uint32(a[1]))
		}
		fd, err := fds(t).Dup3(a.Int(0), a.Int(1), false, true)
		mqFlushFiles(t, replaced, err == nil)
		return uint64(fd), err
	})
	full("dup3", func(s *System, t *task.Task, a Args) (uint64, error) {
		if a[2]&^abi.O_CLOEXEC != 0 {
			return 0, abi.EINVAL
		}
		var replaced []*vfs.File
		if a.Int(0) != a.Int(1) {
			replaced = mqFilesIn(t, uint32(a[1]), uint32(a[1]))
		}
		fd, err := fds(t).Dup3(a.Int(0), a.Int(1), a[2]&abi.O_CLOEXEC != 0, false)
		mqFlushFiles(t, replaced, err == nil)
		return uint64(fd), err
	})
	partial("fcntl", "no record locks (F_SETLK* accepted, F_GETLK reports unlocked), no leases or F_SETOWN", sysFcntl)
	full("ioctl", func(s *System, t *task.Task, a Args) (uint64, error) {
		r, err := fds(t).Ioctl(s.caller(t), a.Int(0), uint32(a[1]), uintptr(a[2]))
		return uint64(r), err
	})
	full("fstat", func(s *System, t *task.Task, a Args) (uint64, error) {
		f, err := fds(t).Get(a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		st, err := f.Stat()
		if err != nil {
			return 0, err
		}
		return 0, t.MM().CopyOut(a[1], st.Marshal())
	})
	full("stat", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.fstatat(t, abi.AT_FDCWD, a[0], a[1], 0)
	})
	full("lstat", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.fstatat(t, abi.AT_FDCWD, a[0], a[1], abi.AT_SYMLINK_NOFOLLOW)
	})
	full("newfstatat", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.fstatat(t, a.Int(0), a[1], a[2], uint32(a[3]))
	})
	full("statx", sysStatx)
	full("getdents64", func(s *System, t *task.Task, a Args) (uint64, error) {
		f, err := fds(t).Get(a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		size := min(a[2], 1<<20)
		if size > 0 {
			// Entries that cannot be delivered must stay unread.
			if size = t.MM().WritablePrefix(a[1], size); size == 0 {
				return 0, abi.EFAULT
			}
		}
		b, err := f.Getdents64(int(size))
		if err != nil {
			return 0, err
		}
		return uint64(len(b)), t.MM().CopyOut(a[1], b)
	})
	full("mkdir", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.mkdirat(t, abi.AT_FDCWD, a[0], uint32(a[1]))
	})
	full("mkdirat", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.mkdirat(t, a.Int(0), a[1], uint32(a[2]))
	})
	full("mknod", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.mknodat(t, abi.AT_FDCWD, a[0], uint32(a[1]), a[2])
	})
	full("mknodat", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.mknodat(t, a.Int(0), a[1], uint32(a[2]), a[3])
	})
	full("rmdir", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.unlinkat(t, abi.AT_FDCWD, a[0], abi.AT_REMOVEDIR)
	})
	full("unlink", func(s *System, t *task.Task, a Args) (uint64, error) { return s.unlinkat(t, abi.AT_FDCWD, a[0], 0) })
	full("unlinkat", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.unlinkat(t, a.Int(0), a[1], uint32(a[2]))
	})
	full("rename", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.renameat(t, abi.AT_FDCWD, a[0], abi.AT_FDCWD, a[1], 0)
	})
	full("renameat", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.renameat(t, a.Int(0), a[1], a.Int(2), a[3], 0)
	})
	full("renameat2", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.renameat(t, a.Int(0), a[1], a.Int(2), a[3], uint32(a[4]))
	})
	full("link", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.linkat(t, abi.AT_FDCWD, a[0], abi.AT_FDCWD, a[1], 0)
	})
	full("linkat", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.linkat(t, a.Int(0), a[1], a.Int(2), a[3], uint32(a[4]))
	})
	full("symlink", func(s *System, t *task.Task, a Args) (uint64, error) { return s.symlinkat(t, a[0], abi.AT_FDCWD, a[1]) })
	full("symlinkat", func(s *System, t *task.Task, a Args) (uint64, error) { return s.symlinkat(t, a[0], a.Int(1), a[2]) })
	full("readlink", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.readlinkat(t, abi.AT_FDCWD, a[0], a[1], a[2])
	})
	full("readlinkat", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.readlinkat(t, a.Int(0), a[1], a[2], a[3])
	})
	full("chmod", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.chmodat(t, abi.AT_FDCWD, a[0], uint32(a[1]), 0)
	})
	full("fchmodat", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.chmodat(t, a.Int(0), a[1], uint32(a[2]), 0)
	})
	full("fchmod", func(s *System, t *task.Task, a Args) (uint64, error) { return s.fchmod(t, a.Int(0), uint32(a[1])) })
	full("chown", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.chownat(t, abi.AT_FDCWD, a[0], uint32(a[1]), uint32(a[2]), 0)
	})
	full("lchown", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.chownat(t, abi.AT_FDCWD, a[0], uint32(a[1]), uint32(a[2]), abi.AT_SYMLINK_NOFOLLOW)
	})
	full("fchownat", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.chownat(t, a.Int(0), a[1], uint32(a[2]), uint32(a[3]), uint32(a[4]))
	})
	full("fchown", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.chownat(t, a.Int(0), 0, uint32(a[1]), uint32(a[2]), abi.AT_EMPTY_PATH)
	})
	full("access", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.accessat(t, abi.AT_FDCWD, a[0], uint32(a[1]), 0)
	})
	full("faccessat", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.accessat(t, a.Int(0), a[1], uint32(a[2]), 0)
	})
	full("faccessat2", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.accessat(t, a.Int(0), a[1], uint32(a[2]), uint32(a[3]))
	})
	full("truncate", func(s *System, t *task.Task, a Args) (uint64, error) {
		p, err := s.path(t, a[0])
		if err != nil {
			return 0, err
		}
		if st, err := s.files.vfs.StatAt(s.caller(t), fsctx(t), nil, p, 0); err == nil && st.Mode&abi.S_IFMT == abi.S_IFREG {
			if err := fsizeTruncate(t, int64(st.Size), int64(a[1])); err != nil {
				return 0, err
			}
		}
		return 0, s.files.vfs.Truncate(s.caller(t), fsctx(t), p, int64(a[1]))
	})
	full("ftruncate", func(s *System, t *task.Task, a Args) (uint64, error) {
		f, err := fds(t).Get(a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		if int64(a[1]) < 0 {
			return 0, abi.EINVAL
		}
		if err := s.sealCheck(f, false, int64(a[1])); err != nil {
			return 0, err
		}
		if st, err := f.Stat(); err == nil && st.Mode&abi.S_IFMT == abi.S_IFREG && f.Writable() {
			if err := fsizeTruncate(t, int64(st.Size), int64(a[1])); err != nil {
				return 0, err
			}
		}
		return 0, f.Truncate(int64(a[1]))
	})
	full("chdir", func(s *System, t *task.Task, a Args) (uint64, error) {
		p, err := s.path(t, a[0])
		if err != nil {
			return 0, err
		}
		return 0, s.files.vfs.Chdir(s.caller(t), fsctx(t), nil, p)
	})
	full("fchdir", func(s *System, t *task.Task, a Args) (uint64, error) {
		f, err := fds(t).Get(a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		return 0, s.files.vfs.Chdir(s.caller(t), fsctx(t), f, "")
	})
	full("chroot", func(s *System, t *task.Task, a Args) (uint64, error) {
		p, err := s.path(t, a[0])
		if err != nil {
			return 0, err
		}
		return 0, s.files.vfs.Chroot(s.caller(t), fsctx(t), p)
	})
	full("getcwd", func(s *System, t *task.Task, a Args) (uint64, error) {
		cwd, err := s.files.vfs.Getcwd(fsctx(t))
		if err != nil {
			return 0, err
		}
		if uint64(len(cwd))+1 > a[1] {
			return 0, abi.ERANGE
		}
		return uint64(len(cwd) + 1), t.MM().CopyOut(a[0], append([]byte(cwd), 0))
	})
	full("umask", func(s *System, t *task.Task, a Args) (uint64, error) {
		return uint64(fsctx(t).SetUmask(uint32(a[0]) & 0o777)), nil
	})
	full("statfs", func(s *System, t *task.Task, a Args) (uint64, error) {
		p, err := s.path(t, a[0])
		if err != nil {
			return 0, err
		}
		st, err := s.files.vfs.StatfsAt(s.caller(t), fsctx(t), nil, p)
		if err != nil {
			return 0, err
		}
		return 0, t.MM().CopyOut(a[1], st.Marshal())
	})
	full("fstatfs", func(s *System, t *task.Task, a Args) (uint64, error) {
		f, err := fds(t).Get(a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		st, err := s.files.vfs.StatfsAt(s.caller(t), fsctx(t), f, "")
		if err != nil {
			return 0, err
		}
		return 0, t.MM().CopyOut(a[1], st.Marshal())
	})
	full("utimensat", sysUtimensat)
	partial("fsync", "tmpfs: nothing to write back", func(s *System, t *task.Task, a Args) (uint64, error) { return s.fsync(t, a.Int(0)) })
	partial("fdatasync", "as fsync", func(s *System, t *task.Task, a Args) (uint64, error) { return s.fsync(t, a.Int(0)) })
	partial("sync", "nothing to write back", func(*System, *task.Task, Args) (uint64, error) { return 0, nil })
	partial("syncfs", "nothing to write back", func(s *System, t *task.Task, a Args) (uint64, error) { return s.fsync(t, a.Int(0)) })
	full("pipe", func(s *System, t *task.Task, a Args) (uint64, error) { return s.pipe2(t, a[0], 0) })
	full("pipe2", func(s *System, t *task.Task, a Args) (uint64, error) { return s.pipe2(t, a[0], uint32(a[1])) })
	partial("execve", "ELF (static, PIE, PT_INTERP) and #! scripts", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.execveat(t, abi.AT_FDCWD, a[0], a[1], a[2], 0)
	})
	partial("execveat", "as execve; AT_EMPTY_PATH supported", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.execveat(t, a.Int(0), a[1], a[2], a[3], uint32(a[4]))
	})
	partial("mount", "tmpfs/proc/sysfs/devtmpfs/cgroup2 as registered; bind, remount, propagation flags recorded", sysMount)
	full("umount2", func(s *System, t *task.Task, a Args) (uint64, error) {
		p, err := s.path(t, a[0])
		if err != nil {
			return 0, err
		}
		return 0, s.files.vfs.Umount(s.caller(t), fsctx(t), p, uint32(a[1]))
	})
	full("flock", func(s *System, t *task.Task, a Args) (uint64, error) {
		f, err := fds(t).Get(a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		return 0, f.Flock(s.caller(t), int(int32(a[1])))
	})
	partial("sethostname", "root only", func(s *System, t *task.Task, a Args) (uint64, error) {
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
		s.setHostnameOf(t, string(b))
		return 0, nil
	})
	partial("sendfile", "a read/write loop through a kernel buffer", sysSendfile)
	partial("copy_file_range", "a read/write loop; no reflinks", sysCopyFileRange)
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
}

func (s *System) rw(t *task.Task, fd int32, buf, n uint64, off int64, write bool) (uint64, error) {
	f, err := fds(t).Get(fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	n = min(n, 1<<30)
	c := s.caller(t)
	m := t.MM()
	if write {
		if err := s.sealCheck(f, true, writeEnd(f, off, n)); err != nil {
			return 0, err
		}
		if f.Writable() {
			if n, err = fsizeLimit(t, f, off, n); err != nil {
				return 0, err
			}
		}
		if d, ok := f.Impl.(vfs.Discarder); ok && d.DiscardsWrites() && f.Writable() {
			if buf >= mm.UserTop || buf+n > mm.UserTop || buf+n < buf {
				return 0, abi.EFAULT // access_ok still applies
			}
			return n, nil
		}
		if n > writeChunk {
			return writeChunked(t, c, f, m, buf, n, off)
		}
		b := scratch(t, n)
		if err := m.CopyIn(buf, b); err != nil {
			return 0, err
		}
		return writeOut(c, f, b, off)
	}
	if n > 0 {
		if n = m.WritablePrefix(buf, n); n == 0 {
			return 0, abi.EFAULT
		}
	}
	if n > writeChunk && f.Inode != nil && f.Inode.Mode()&abi.S_IFMT == abi.S_IFREG {
		return readChunked(t, c, f, m, buf, n, off)
	}
	b := scratch(t, min(n, 1<<20))
	var r int
	if off >= 0 {
		r, err = f.Pread(c, b, off)
	} else {
		r, err = f.Read(c, b)
	}
	if r > 0 {
		if cerr := m.CopyOut(buf, b[:r]); cerr != nil {
			return 0, cerr
		}
		return uint64(r), nil
	}
	if err == io.EOF {
		err = nil
	}
	return 0, err
}

// writeChunk bounds the kernel memory one write holds: a longer write is
// copied in and written writeChunk bytes at a time.
const writeChunk = 1 << 20

// writeChunked writes n (> writeChunk) bytes from user memory at buf in
// writeChunk pieces, as Linux copies a large write page by page: a piece
// that cannot be copied in, or that the file takes only in part, ends the
// write with the count written so far (EFAULT or the file's error if none),
// and so does SIGKILL between pieces.
func writeChunked(t *task.Task, c *vfs.Caller, f *vfs.File, m *mm.MM, buf, n uint64, off int64) (uint64, error) {
	b := make([]byte, writeChunk)
	var done uint64
	for done < n && !(done > 0 && t.FatalSignalPending()) {
		k := min(n-done, writeChunk)
		if err := m.CopyIn(buf+done, b[:k]); err != nil {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		at := int64(-1)
		if off >= 0 {
			at = off + int64(done)
		}
		w, err := writeOut(c, f, b[:k], at)
		done += w
		if err != nil || w < k {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
	}
	return done, nil
}

// readChunked reads n (> writeChunk) bytes of a regular file into user
// memory at buf in writeChunk pieces: a regular file's read is not short
// before the end of the file, however long, yet the kernel holds one piece
// at a time. A piece that comes back short (the end) ends the read, and so
// does SIGKILL between pieces.
func readChunked(t *task.Task, c *vfs.Caller, f *vfs.File, m *mm.MM, buf, n uint64, off int64) (uint64, error) {
	b := make([]byte, writeChunk)
	var done uint64
	for done < n && !(done > 0 && t.FatalSignalPending()) {
		k := min(n-done, writeChunk)
		var r int
		var err error
		if off >= 0 {
			r, err = f.Pread(c, b[:k], off+int64(done))
		} else {
			r, err = f.Read(c, b[:k])
		}
		if r > 0 {
			if cerr := m.CopyOut(buf+done, b[:r]); cerr != nil {
				if done > 0 {
					return done, nil
				}
				return 0, cerr
			}
			done += uint64(r)
		}
		if err != nil && err != io.EOF && done == 0 {
			return 0, err
		}
		if err != nil || uint64(r) < k {
			break
		}
	}
	return done, nil
}

// writeEnd is where a write of n bytes at off (-1: the file position, or
// the end with O_APPEND) would end, for F_SEAL_GROW; -1 when it cannot grow
// the file because nothing is written.
func writeEnd(f *vfs.File, off int64, n uint64) int64 {
	if n == 0 {
		return -1
	}
	if off < 0 {
		off = f.Offset()
		if f.Flags()&abi.O_APPEND != 0 {
			if st, err := f.Stat(); err == nil {
				off = st.Size
			}
		}
	}
	return off + int64(n)
}

// gatherWriteMax bounds the writev payloads gathered into one write.
const gatherWriteMax = 64 << 10

// gatherWrite does writev as one write of the gathered buffers, as Linux
// hands a file the whole vector at once: a record written to /dev/kmsg or a
// datagram is one unit, and a pipe write of at most PIPE_BUF bytes stays
// atomic. A buffer that cannot be read ends the gathering; the bytes before
// it are still written. ok is false for vectors too large to gather.
func (s *System) gatherWrite(t *task.Task, fd int32, raw []byte, cnt uint64, off int64) (n uint64, ok bool, err error) {
	var total uint64
	for i := uint64(0); i < cnt; i++ {
		l := binary.LittleEndian.Uint64(raw[16*i+8:])
		if int64(l) < 0 {
			return 0, true, abi.EINVAL
		}
		total += l
		if total > gatherWriteMax {
			return 0, false, nil
		}
	}
	f, err := fds(t).Get(fd)
	if err != nil {
		return 0, true, err
	}
	defer f.DecRef()
	if !f.Writable() {
		return 0, true, abi.EBADF
	}
	buf := make([]byte, 0, total)
	m := t.MM()
	for i := uint64(0); i < cnt; i++ {
		base := binary.LittleEndian.Uint64(raw[16*i:])
		l := binary.LittleEndian.Uint64(raw[16*i+8:])
		if l == 0 {
			continue
		}
		chunk := buf[len(buf) : len(buf)+int(l)]
		if cerr := m.CopyIn(base, chunk); cerr != nil {
			if len(buf) == 0 {
				return 0, true, cerr
			}
			break
		}
		buf = buf[:len(buf)+int(l)]
	}
	if len(buf) == 0 {
		return 0, true, nil
	}
	if err := s.sealCheck(f, true, writeEnd(f, off, uint64(len(buf)))); err != nil {
		return 0, true, err
	}
	allowed, err := fsizeLimit(t, f, off, uint64(len(buf)))
	if err != nil {
		return 0, true, err
	}
	buf = buf[:allowed]
	n, err = writeOut(s.caller(t), f, buf, off)
	return n, true, err
}

// writeOut writes b at off (-1: the file position) and reports a partial
// write as a success, as write(2) does.
func writeOut(c *vfs.Caller, f *vfs.File, b []byte, off int64) (uint64, error) {
	var w int
	var err error
	if off >= 0 {
		w, err = f.Pwrite(c, b, off)
	} else {
		w, err = f.Write(c, b)
	}
	if w > 0 {
		return uint64(w), nil
	}
	return 0, err
}

func (s *System) rwv(t *task.Task, fd int32, iov, cnt uint64, off int64, write bool) (uint64, error) {
	if cnt > 1024 {
		return 0, abi.EINVAL
	}
	m := t.MM()
	raw := make([]byte, 16*cnt)
	if err := m.CopyIn(iov, raw); err != nil {
		return 0, err
	}
	for i := uint64(0); i < cnt; i++ {
		if int64(binary.LittleEndian.Uint64(raw[16*i+8:])) < 0 {
			return 0, abi.EINVAL // an iov_len that is negative as ssize_t
		}
	}
	if write {
		if n, ok, err := s.gatherWrite(t, fd, raw, cnt, off); ok {
			return n, err
		}
	}
	var total uint64
	for i := uint64(0); i < cnt; i++ {
		base := binary.LittleEndian.Uint64(raw[16*i:])
		l := binary.LittleEndian.Uint64(raw[16*i+8:])
		if l == 0 {
			continue
		}
		o := off
		if off >= 0 {
			o = off + int64(total)
		}
		n, err := s.rw(t, fd, base, l, o, write)
		total += n
		if err != nil {
			if total > 0 {
				return total, nil
			}
			return 0, err
		}
		if n < l {
			break
		}
	}
	return total, nil
}

func (s *System) openat(t *task.Task, dirfd int32, pathAddr uint64, flags, mode uint32) (uint64, error) {
	p, err := s.path(t, pathAddr)
	if err != nil {
		return 0, err
	}
	if strings.HasPrefix(p, "/") {
		dirfd = abi.AT_FDCWD // an absolute path ignores dirfd, even a bad one
	}
	dir, err := dirFile(t, dirfd)
	if err != nil {
		return 0, err
	}
	defer release(dir)
	f, err := s.files.vfs.OpenAt(s.caller(t), fsctx(t), dir, p, flags, mode&^fsctx(t).Umask())
	if err != nil {
		return 0, err
	}
	fd, err := fds(t).Install(f, flags&abi.O_CLOEXEC != 0, 0)
	return uint64(fd), err
}

func (s *System) fstatat(t *task.Task, dirfd int32, pathAddr, buf uint64, flags uint32) (uint64, error) {
	p, err := t.MM().CopyInString(pathAddr, pathMax)
	if err != nil {
		return 0, err
	}
	dir, err := dirFile(t, dirfd)
	if err != nil {
		return 0, err
	}
	defer release(dir)
	st, err := s.files.vfs.StatAt(s.caller(t), fsctx(t), dir, p, flags)
	if err != nil {
		return 0, err
	}
	return 0, t.MM().CopyOut(buf, st.Marshal())
}

func sysStatx(s *System, t *task.Task, a Args) (uint64, error) {
	p, err := t.MM().CopyInString(a[1], pathMax)
	if err != nil {
		return 0, err
	}
	dir, err := dirFile(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer release(dir)
	st, err := s.files.vfs.Statx(s.caller(t), fsctx(t), dir, p, uint32(a[2]), uint32(a[3]))
	if err != nil {
		return 0, err
	}
	return 0, t.MM().CopyOut(a[4], st.Marshal())
}

func (s *System) mkdirat(t *task.Task, dirfd int32, pathAddr uint64, mode uint32) (uint64, error) {
	p, err := s.path(t, pathAddr)
	if err != nil {
		return 0, err
	}
	dir, err := dirFile(t, dirfd)
	if err != nil {
		return 0, err
	}
	defer release(dir)
	return 0, s.files.vfs.MkdirAt(s.caller(t), fsctx(t), dir, p, mode&0o7777&^fsctx(t).Umask())
}

func (s *System) mknodat(t *task.Task, dirfd int32, pathAddr uint64, mode uint32, dev uint64) (uint64, error) {
	p, err := s.path(t, pathAddr)
	if err != nil {
		return 0, err
	}
	dir, err := dirFile(t, dirfd)
	if err != nil {
		return 0, err
	}
	defer release(dir)
	perm := mode & 0o7777 &^ fsctx(t).Umask()
	return 0, s.files.vfs.MknodAt(s.caller(t), fsctx(t), dir, p, mode&abi.S_IFMT|perm, dev)
}

func (s *System) unlinkat(t *task.Task, dirfd int32, pathAddr uint64, flags uint32) (uint64, error) {
	p, err := s.path(t, pathAddr)
	if err != nil {
		return 0, err
	}
	dir, err := dirFile(t, dirfd)
	if err != nil {
		return 0, err
	}
	defer release(dir)
	return 0, s.files.vfs.UnlinkAt(s.caller(t), fsctx(t), dir, p, flags)
}

func (s *System) renameat(t *task.Task, od int32, op uint64, nd int32, np uint64, flags uint32) (uint64, error) {
	oldp, err := s.path(t, op)
	if err != nil {
		return 0, err
	}
	newp, err := s.path(t, np)
	if err != nil {
		return 0, err
	}
	odir, err := dirFile(t, od)
	if err != nil {
		return 0, err
	}
	defer release(odir)
	ndir, err := dirFile(t, nd)
	if err != nil {
		return 0, err
	}
	defer release(ndir)
	return 0, s.files.vfs.RenameAt(s.caller(t), fsctx(t), odir, oldp, ndir, newp, flags)
}

func (s *System) linkat(t *task.Task, od int32, op uint64, nd int32, np uint64, flags uint32) (uint64, error) {
	oldp, err := t.MM().CopyInString(op, pathMax)
	if err != nil {
		return 0, err
	}
	newp, err := s.path(t, np)
	if err != nil {
		return 0, err
	}
	odir, err := dirFile(t, od)
	if err != nil {
		return 0, err
	}
	defer release(odir)
	ndir, err := dirFile(t, nd)
	if err != nil {
		return 0, err
	}
	defer release(ndir)
	return 0, s.files.vfs.LinkAt(s.caller(t), fsctx(t), odir, oldp, ndir, newp, flags)
}

func (s *System) symlinkat(t *task.Task, target uint64, dirfd int32, pathAddr uint64) (uint64, error) {
	tg, err := s.path(t, target)
	if err != nil {
		return 0, err
	}
	p, err := s.path(t, pathAddr)
	if err != nil {
		return 0, err
	}
	dir, err := dirFile(t, dirfd)
	if err != nil {
		return 0, err
	}
	defer release(dir)
	return 0, s.files.vfs.SymlinkAt(s.caller(t), fsctx(t), tg, dir, p)
}

func (s *System) readlinkat(t *task.Task, dirfd int32, pathAddr, buf, size uint64) (uint64, error) {
	if int64(size) <= 0 {
		return 0, abi.EINVAL
	}
	p, err := t.MM().CopyInString(pathAddr, pathMax)
	if err != nil {
		return 0, err
	}
	dir, err := dirFile(t, dirfd)
	if err != nil {
		return 0, err
	}
	defer release(dir)
	target, err := s.files.vfs.ReadlinkAt(s.caller(t), fsctx(t), dir, p)
	if err != nil {
		return 0, err
	}
	b := []byte(target)
	if uint64(len(b)) > size {
		b = b[:size]
	}
	return uint64(len(b)), t.MM().CopyOut(buf, b)
}

func (s *System) chmodat(t *task.Task, dirfd int32, pathAddr uint64, mode, flags uint32) (uint64, error) {
	p, err := s.path(t, pathAddr)
	if err != nil {
		return 0, err
	}
	dir, err := dirFile(t, dirfd)
	if err != nil {
		return 0, err
	}
	defer release(dir)
	return 0, s.files.vfs.ChmodAt(s.caller(t), fsctx(t), dir, p, mode&0o7777, flags)
}

func (s *System) fchmod(t *task.Task, fd int32, mode uint32) (uint64, error) {
	f, err := fds(t).Get(fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return 0, s.files.vfs.ChmodAt(s.caller(t), fsctx(t), f, "", mode&0o7777, abi.AT_EMPTY_PATH)
}

func (s *System) chownat(t *task.Task, dirfd int32, pathAddr uint64, uid, gid, flags uint32) (uint64, error) {
	p := ""
	if flags&abi.AT_EMPTY_PATH == 0 || pathAddr != 0 {
		var err error
		if p, err = t.MM().CopyInString(pathAddr, pathMax); err != nil {
			return 0, err
		}
	}
	dir, err := dirFile(t, dirfd)
	if err != nil {
		return 0, err
	}
	defer release(dir)
	return 0, s.files.vfs.ChownAt(s.caller(t), fsctx(t), dir, p, uid, gid, flags)
}

func (s *System) accessat(t *task.Task, dirfd int32, pathAddr uint64, mode, flags uint32) (uint64, error) {
	p, err := t.MM().CopyInString(pathAddr, pathMax)
	if err != nil {
		return 0, err
	}
	dir, err := dirFile(t, dirfd)
	if err != nil {
		return 0, err
	}
	defer release(dir)
	c := s.caller(t)
	if flags&abi.AT_EACCESS == 0 { // access(2) checks the real ids
		cr := t.TG().Creds()
		real := *c // the task's cached Caller must keep its filesystem ids
		real.UID, real.GID = cr.UID, cr.GID
		// access_override_creds: a real root checks with its permitted
		// set, anyone else with no capabilities.
		real.Caps = 0
		if cr.UID == 0 {
			real.Caps = cr.Caps.Permitted
		}
		c = &real
	}
	return 0, s.files.vfs.AccessAt(c, fsctx(t), dir, p, mode, flags)
}

func sysUtimensat(s *System, t *task.Task, a Args) (uint64, error) {
	p := ""
	if a[1] != 0 {
		var err error
		if p, err = t.MM().CopyInString(a[1], pathMax); err != nil {
			return 0, err
		}
	}
	flags := uint32(a[3])
	if a[1] == 0 {
		flags |= abi.AT_EMPTY_PATH
	}
	var times *[2]abi.Timespec
	if a[2] != 0 {
		b := make([]byte, 32)
		if err := t.MM().CopyIn(a[2], b); err != nil {
			return 0, err
		}
		times = &[2]abi.Timespec{}
		for i := 0; i < 2; i++ {
			times[i].Sec = int64(binary.LittleEndian.Uint64(b[16*i:]))
			times[i].Nsec = int64(binary.LittleEndian.Uint64(b[16*i+8:]))
		}
	}
	dir, err := dirFile(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer release(dir)
	return 0, s.files.vfs.UtimensAt(s.caller(t), fsctx(t), dir, p, times, flags)
}

func (s *System) fsync(t *task.Task, fd int32) (uint64, error) {
	f, err := fds(t).Get(fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return 0, f.Fsync()
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

func sysFcntl(s *System, t *task.Task, a Args) (uint64, error) {
	ft := fds(t)
	fd := a.Int(0)
	switch a[1] {
	case abi.F_DUPFD, abi.F_DUPFD_CLOEXEC:
		if int64(int32(a[2])) < 0 || int(a[2]) >= ft.Limit() {
			return 0, abi.EINVAL
		}
		nfd, err := ft.Dup(fd, int32(a[2]), a[1] == abi.F_DUPFD_CLOEXEC)
		return uint64(nfd), err
	case abi.F_GETFD:
		fl, err := ft.GetFD(fd)
		return uint64(fl), err
	case abi.F_SETFD:
		return 0, ft.SetFD(fd, uint32(a[2]))
	}
	f, err := ft.Get(fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	switch a[1] {
	case abi.F_GETFL:
		return uint64(f.Flags()), nil
	case abi.F_SETFL:
		f.SetFlags(uint32(a[2]))
		return 0, nil
	case abi.F_SETLK, abi.F_SETLKW, abi.F_OFD_SETLK, abi.F_OFD_SETLKW:
		return 0, nil
	case abi.F_GETLK, abi.F_OFD_GETLK:
		// Report "unlocked": l_type = F_UNLCK (2).
		return 0, t.MM().CopyOut(a[2], []byte{2, 0})
	case abi.F_GETPIPE_SZ, abi.F_SETPIPE_SZ:
		p := pipe.FromFile(f)
		if p == nil {
			return 0, abi.EBADF
		}
		if a[1] == abi.F_GETPIPE_SZ {
			return uint64(p.Size()), nil
		}
		n, err := p.SetSize(uint64(int64(a.Int(2))), capable(t, abi.CAP_SYS_RESOURCE)) // fcntl passes the int on, sign-extended
		return uint64(n), err
	case abi.F_ADD_SEALS, abi.F_GET_SEALS:
		return s.seals(f, a[1] == abi.F_ADD_SEALS, uint32(a[2]))
	case abi.F_GETOWN, abi.F_SETOWN, abi.F_SETSIG, abi.F_GETSIG:
		return 0, nil
	}
	return 0, abi.EINVAL
}

func sysMount(s *System, t *task.Task, a Args) (uint64, error) {
	if !capable(t, abi.CAP_SYS_ADMIN) {
		return 0, abi.EPERM
	}
	m := t.MM()
	var src, typ, data string
	var err error
	if a[0] != 0 {
		if src, err = m.CopyInString(a[0], pathMax); err != nil {
			return 0, err
		}
	}
	target, err := s.path(t, a[1])
	if err != nil {
		return 0, err
	}
	if a[2] != 0 {
		if typ, err = m.CopyInString(a[2], 256); err != nil {
			return 0, err
		}
	}
	if a[4] != 0 {
		if data, err = m.CopyInString(a[4], 4096); err != nil {
			data = ""
		}
	}
	flags := uint32(a[3])
	c, fsc, v := s.caller(t), fsctx(t), s.files.vfs
	switch {
	case flags&abi.MS_REMOUNT != 0:
		return 0, v.Remount(c, fsc, target, flags, data)
	case flags&abi.MS_BIND != 0:
		return 0, v.BindMount(c, fsc, src, target, flags)
	case flags&(abi.MS_SHARED|abi.MS_PRIVATE|abi.MS_SLAVE|abi.MS_UNBINDABLE) != 0:
		return 0, v.SetPropagation(c, fsc, target, flags)
	case flags&abi.MS_MOVE != 0:
		return 0, abi.EINVAL
	}
	return 0, v.MountByType(c, fsc, src, target, typ, flags, data)
}

// mapFile fills in a file mapping's source.
func (s *System) mapFile(t *task.Task, fd int32, o *mm.MapOpts) error {
	f, err := fds(t).Get(fd)
	if err != nil {
		return err
	}
	defer f.DecRef()
	if f.Inode == nil || f.Inode.Ops == nil {
		return abi.ENODEV // pipes, sockets and other anonymous files cannot be mapped
	}
	if !f.Readable() || o.Shared && o.Perm&0x2 != 0 && !f.Writable() {
		return abi.EACCES
	}
	sp, _ := f.Inode.Ops.(vfs.SharedPagesOps)
	direct := o.Shared && sp != nil && sp.CanMapShared()
	if o.Shared && o.Perm&0x2 != 0 && !direct {
		return abi.ENODEV // this filesystem's pages cannot be shared writable
	}
	o.ReadOnlyFile = !f.Writable()
	if o.Shared && s.writeSealed(f) {
		if o.Perm&0x2 != 0 {
			return abi.EPERM
		}
		o.ReadOnlyFile = true // nor may mprotect make it writable
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Mode&abi.S_IFMT != abi.S_IFREG && st.Mode&abi.S_IFMT != abi.S_IFBLK {
		if st.Mode&abi.S_IFMT == abi.S_IFCHR && st.Rdev == abi.MakeDev(1, 5) { // /dev/zero
			o.File = nil
			return nil
		}
		return abi.ENODEV
	}
	src := s.mapSource(t, f) // each VMA holds f (mm.Holder)
	o.File = src
	if sp != nil && sp.CanMapShared() {
		// Shared mappings use the file's frames; private ones too, until
		// a write copies a page.
		o.File = sharedFileReader{src, sp}
	}
	o.Name, o.Dev, o.Inode = src.MapInfo()
	return nil
}

// mapPages is mapSource for the loader: a file whose pages are frames is
// mapped from them (private mappings copy a page only when it is written).
func (s *System) mapPages(t *task.Task, f *vfs.File) loader.File {
	src := s.mapSource(t, f)
	if f.Inode != nil {
		if sp, ok := f.Inode.Ops.(vfs.SharedPagesOps); ok && sp.CanMapShared() {
			return sharedFileReader{src, sp}
		}
	}
	return src
}

// sharedFileReader is a file whose pages MAP_SHARED mappings map directly
// (mm.PageMapper).
type sharedFileReader struct {
	fileReader
	pages vfs.SharedPagesOps
}

// PageOwner implements mm.PageOwner: mappings of one inode's pages are
// found by it when the file is truncated.
func (r sharedFileReader) PageOwner() any { return r.f.Inode }

func (r sharedFileReader) MapPage(off uint64) (machine.Frame, error) {
	fr, err := r.pages.MapPage(r.f.Inode, int64(off/machine.PageSize))
	return machine.Frame(fr), err
}

// fileReader reads a file's contents for page faults and the loader, and
// names it in /proc/<pid>/maps.
type fileReader struct {
	f          *vfs.File
	name       string
	dev, inode uint64
}

func (s *System) mapSource(t *task.Task, f *vfs.File) fileReader {
	r := fileReader{f: f, name: s.files.vfs.FilePath(fsctx(t), f)}
	if st, err := f.Stat(); err == nil {
		r.dev, r.inode = st.Dev, st.Ino
	}
	return r
}

// Resident implements mm.Resident: whether the file's page at off is in
// memory (mincore of a page this mapping has not touched).
func (r fileReader) Resident(off uint64) bool {
	pc, ok := r.f.Inode.Ops.(interface {
		HasPage(in *vfs.Inode, pg int64) bool
	})
	return ok && off/machine.PageSize <= math.MaxInt64 && pc.HasPage(r.f.Inode, int64(off/machine.PageSize))
}

// PunchHole implements mm.HolePuncher (MADV_REMOVE): the file's
// FALLOC_FL_PUNCH_HOLE, EOPNOTSUPP where the filesystem has none.
func (r fileReader) PunchHole(off, length uint64) error {
	ao, ok := r.f.Inode.Ops.(vfs.AllocateOps)
	if !ok || off > math.MaxInt64 || length > math.MaxInt64 {
		return abi.EOPNOTSUPP
	}
	return ao.PunchHole(r.f.Inode, int64(off), int64(length))
}

// Hold and Release implement mm.Holder: a mapping keeps its file open.
func (r fileReader) Hold()    { r.f.IncRef() }
func (r fileReader) Release() { r.f.DecRef() }

// MapInfo implements loader.Named.
func (r fileReader) MapInfo() (string, uint64, uint64) { return r.name, r.dev, r.inode }

func (r fileReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.f.Pread(nil, p, off)
	if n < len(p) && err == nil {
		err = io.EOF
	}
	return n, err
}

func (r fileReader) Size() int64 {
	st, err := r.f.Stat()
	if err != nil {
		return 0
	}
	return st.Size
}

// execveat implements execve(2) and execveat(2).
func (s *System) execveat(t *task.Task, dirfd int32, pathAddr, argvAddr, envpAddr uint64, flags uint32) (uint64, error) {
	m := t.MM()
	p, err := m.CopyInString(pathAddr, pathMax)
	if err != nil {
		return 0, err
	}
	argv, err := stringArray(m, argvAddr)
	if err != nil {
		return 0, err
	}
	envp, err := stringArray(m, envpAddr)
	if err != nil {
		return 0, err
	}
	if flags&^(abi.AT_EMPTY_PATH|abi.AT_SYMLINK_NOFOLLOW) != 0 {
		return 0, abi.EINVAL
	}
	if err := t.Kernel().ExecNprocCheck(t.TG()); err != nil {
		return 0, err
	}
	if strings.HasPrefix(p, "/") {
		dirfd = abi.AT_FDCWD // an absolute path ignores the descriptor
	}
	dir, err := dirFile(t, dirfd)
	if err != nil {
		return 0, err
	}
	defer release(dir)
	// The name a script's interpreter is given: the path itself, or for a
	// path relative to a descriptor /dev/fd/N[/path]. When N is
	// close-on-exec that name cannot be opened after the exec, and Linux
	// refuses to run a script through it (ENOENT).
	name, hidden := p, false
	if dirfd != abi.AT_FDCWD && !strings.HasPrefix(p, "/") {
		name = fmt.Sprintf("/dev/fd/%d", dirfd)
		if p != "" {
			name += "/" + p
		}
		if fl, err := fds(t).GetFD(dirfd); err == nil && fl&abi.FD_CLOEXEC != 0 {
			hidden = true
		}
	}
	return 0, s.exec(t, dir, p, name, hidden, argv, envp, flags)
}

// Exec runs the program at path (relative to dir) in t's process.
func (s *System) Exec(t *task.Task, dir *vfs.File, path string, argv, envp []string, flags uint32) error {
	return s.exec(t, dir, path, path, false, argv, envp, flags)
}

// exec runs the program at path (relative to dir); a "#!" script's
// interpreter is given name for it, and hidden refuses scripts (their name
// would not be reachable after the exec).
func (s *System) exec(t *task.Task, dir *vfs.File, path, name string, hidden bool, argv, envp []string, flags uint32) error {
	c := s.caller(t)
	for depth := 0; ; depth++ {
		if depth > 4 {
			return abi.ELOOP
		}
		f, err := s.openExec(c, t, dir, path, flags)
		if err != nil {
			return err
		}
		head := make([]byte, 256)
		n, _ := f.Pread(nil, head, 0)
		head = head[:n]
		interp, arg, isScript, err := loader.Interpreter(head)
		if err != nil {
			f.DecRef()
			return err
		}
		if isScript {
			f.DecRef()
			if hidden {
				return abi.ENOENT
			}
			nargv := []string{interp}
			if arg != "" {
				nargv = append(nargv, arg)
			}
			nargv = append(nargv, name)
			if len(argv) > 1 {
				nargv = append(nargv, argv[1:]...)
			}
			argv, path, name, dir, flags = nargv, interp, interp, nil, 0
			continue
		}
		var rnd [16]byte
		s.random(rnd[:])
		img := &task.ExecImage{File: s.mapPages(t, f), Argv: argv, Envp: envp, Path: name, Random: rnd,
			Exe:   s.files.vfs.FilePath(fsctx(t), f),
			HWCap: s.files.hwcap, VDSO: s.files.vdso,
			Open: func(ip string) (loader.File, error) {
				inf, err := s.files.vfs.OpenAt(c, fsctx(t), nil, ip, abi.O_RDONLY, 0)
				if err != nil {
					return nil, err
				}
				return s.mapPages(t, inf), nil
			}}
		if name != path {
			img.CommFrom = img.Exe
		}
		err = t.Exec(img, s.fileHooks())
		if err != nil {
			f.DecRef()
		}
		return err
	}
}

func (s *System) openExec(c *vfs.Caller, t *task.Task, dir *vfs.File, path string, flags uint32) (*vfs.File, error) {
	if path == "" && flags&abi.AT_EMPTY_PATH == 0 {
		return nil, abi.ENOENT
	}
	if err := s.files.vfs.AccessAt(c, fsctx(t), dir, path, 1 /* X_OK */, flags&(abi.AT_EMPTY_PATH|abi.AT_SYMLINK_NOFOLLOW)); err != nil {
		return nil, err
	}
	var f *vfs.File
	var err error
	switch {
	case path != "":
		f, err = s.files.vfs.OpenAt(c, fsctx(t), dir, path, abi.O_RDONLY|flags&abi.AT_SYMLINK_NOFOLLOW<<9, 0)
	case dir == nil:
		// AT_EMPTY_PATH on AT_FDCWD names the working directory.
		err = abi.EACCES
	default:
		// fexecve: the file behind the descriptor, read through a new
		// description whatever the descriptor's own access mode.
		f, err = s.files.vfs.Reopen(c, dir, abi.O_RDONLY)
	}
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil || st.Mode&abi.S_IFMT != abi.S_IFREG {
		f.DecRef()
		return nil, abi.EACCES
	}
	return f, nil
}

func stringArray(m *mm.MM, addr uint64) ([]string, error) {
	var out []string
	if addr == 0 {
		return nil, nil
	}
	total := 0
	for i := 0; ; i++ {
		if i > 1<<17 {
			return nil, abi.E2BIG
		}
		p, err := m.ReadUint64(addr + uint64(i)*8)
		if err != nil {
			return nil, err
		}
		if p == 0 {
			return out, nil
		}
		str, err := m.CopyInString(p, 1<<17)
		if err != nil {
			if err == abi.ENAMETOOLONG {
				return nil, abi.E2BIG
			}
			return nil, err
		}
		total += len(str) + 1
		if total > 2<<20 {
			return nil, abi.E2BIG
		}
		out = append(out, str)
	}
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

// sysClose closes a descriptor; when it was the process's last descriptor
// for the file, epoll instances of the process stop watching the file, as
// Linux does when the open file description goes away.
func sysClose(s *System, t *task.Task, a Args) (uint64, error) {
	ft := fds(t)
	f, err := ft.Get(a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if err := ft.Close(a.Int(0)); err != nil {
		return 0, err
	}
	mqFlush(t, f)
	var eps []*event.Epoll
	for _, fd := range ft.Fds() {
		g, err := ft.Get(fd)
		if err != nil {
			continue
		}
		if g == f {
			g.DecRef()
			return 0, nil // still open here
		}
		if ep, ok := g.Impl.(*event.Epoll); ok {
			eps = append(eps, ep)
		}
		g.DecRef()
	}
	for _, ep := range eps {
		ep.Forget(f)
	}
	return 0, nil
}

// copyBetween moves up to count bytes from in (at *inOff if non-nil) to out
// (at *outOff if non-nil) through a kernel buffer.
func (s *System) copyBetween(t *task.Task, in, out *vfs.File, inOff, outOff *int64, count uint64) (uint64, error) {
	c := s.caller(t)
	buf := make([]byte, min(count, 64<<10))
	var done uint64
	for done < count {
		chunk := buf[:min(uint64(len(buf)), count-done)]
		var n int
		var err error
		if inOff != nil {
			n, err = in.Pread(c, chunk, *inOff)
		} else {
			n, err = in.Read(c, chunk)
		}
		if n == 0 {
			if done > 0 || err == io.EOF {
				return done, nil
			}
			return 0, err
		}
		if inOff != nil {
			*inOff += int64(n)
		}
		var w int
		if outOff != nil {
			w, err = out.Pwrite(c, chunk[:n], *outOff)
			*outOff += int64(w)
		} else {
			w, err = out.Write(c, chunk[:n])
		}
		done += uint64(w)
		if err != nil || w < n {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		if n < len(chunk) {
			// A short read is all there is for now (a pipe holds no more,
			// a file ends): return it rather than wait for more.
			return done, nil
		}
		if t.SignalPending() {
			// A long copy (2 GiB from /dev/zero) stops for a signal with
			// what it has done: it cannot hold off SIGKILL until it ends.
			return done, nil
		}
	}
	return done, nil
}

func sysSendfile(s *System, t *task.Task, a Args) (uint64, error) {
	out, err := fds(t).Get(a.Int(0))
	if err != nil {
		return 0, err
	}
	defer out.DecRef()
	in, err := fds(t).Get(a.Int(1))
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	if !in.Readable() || !out.Writable() {
		return 0, abi.EBADF
	}
	var off *int64
	if a[2] != 0 {
		v, err := t.MM().ReadUint64(a[2])
		if err != nil {
			return 0, err
		}
		o := int64(v)
		off = &o
	}
	n, err := s.copyBetween(t, in, out, off, nil, a[3])
	if off != nil && err == nil {
		err = t.MM().WriteUint64(a[2], uint64(*off))
	}
	return n, err
}

func sysCopyFileRange(s *System, t *task.Task, a Args) (uint64, error) {
	if a[5] != 0 {
		return 0, abi.EINVAL
	}
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
	m := t.MM()
	readOff := func(addr uint64) (*int64, error) {
		if addr == 0 {
			return nil, nil
		}
		v, err := m.ReadUint64(addr)
		o := int64(v)
		return &o, err
	}
	inOff, err := readOff(a[1])
	if err != nil {
		return 0, err
	}
	outOff, err := readOff(a[3])
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
