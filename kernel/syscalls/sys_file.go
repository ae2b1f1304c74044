package syscalls

import (
	"encoding/binary"
	"io"
	"math"
	"strings"

	"aramid/kernel/abi"
	"aramid/kernel/event"
	"aramid/kernel/fs/notify"
	"aramid/kernel/mm"
	"aramid/kernel/pipe"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

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
		first, last, flags := uint32(a[0]), uint32(a[1]), uint32(a[2])
		if flags&^(abi.CLOSE_RANGE_CLOEXEC|abi.CLOSE_RANGE_UNSHARE) != 0 || first > last {
			return 0, abi.EINVAL
		}
		if flags&abi.CLOSE_RANGE_UNSHARE != 0 {
			// A table shared with another process (CLONE_FILES) is
			// copied first, as unshare(CLONE_FILES) does, so the
			// descriptors close in the caller's copy only.
			if g, ft := t.TG(), fds(t); s.filesShared(g, ft) {
				g.Files = ft.Fork()
			}
		}
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
	partial("fcntl", "record locks (classic and OFD) as Linux; O_ASYNC with F_SETOWN/F_SETSIG signals owners from pipes, sockets, terminals and inotify as Linux (other files do not take O_ASYNC, as on Linux), F_SETOWN_EX/F_GETOWN_EX with thread owners; F_NOTIFY (dnotify) as Linux; no leases (F_SETLEASE/F_GETLEASE: EINVAL)", sysFcntl)
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
		return 0, f.TruncateAs(s.caller(t), int64(a[1]))
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
	full("fsync", func(s *System, t *task.Task, a Args) (uint64, error) { return s.fsync(t, a.Int(0)) })
	partial("fdatasync", "as fsync (metadata is committed too)", func(s *System, t *task.Task, a Args) (uint64, error) { return s.fsync(t, a.Int(0)) })
	full("sync", func(s *System, t *task.Task, a Args) (uint64, error) {
		s.files.vfs.Sync() // sync(2) always succeeds
		return 0, nil
	})
	full("syncfs", func(s *System, t *task.Task, a Args) (uint64, error) { return s.syncfs(t, a.Int(0)) })
	full("flock", func(s *System, t *task.Task, a Args) (uint64, error) {
		f, err := fds(t).Get(a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		return 0, f.Flock(s.caller(t), int(int32(a[1])))
	})
	partial("fallocate", "preallocation (mode 0, FALLOC_FL_KEEP_SIZE) and FALLOC_FL_PUNCH_HOLE on tmpfs; collapse, insert and zero ranges: EOPNOTSUPP", sysFallocate)
}

func (s *System) rw(t *task.Task, fd int32, buf, n uint64, off int64, write bool) (uint64, error) {
	return s.rwOne(t, fd, buf, n, off, write, true)
}

// rwOne is rw; notify says whether a read that returns data reports
// IN_ACCESS (readv reports once for all its buffers).
func (s *System) rwOne(t *task.Task, fd int32, buf, n uint64, off int64, write, notify bool) (uint64, error) {
	f, err := fds(t).Get(fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	n = min(n, 1<<30)
	if err := directAligned(f, buf, n, off, write); err != nil {
		return 0, err
	}
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
		b, release := ioBuffer(t, f, n)
		defer release()
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
		n, err := readChunked(t, c, f, m, buf, n, off)
		if n > 0 && notify {
			f.NotifyAccess()
		}
		return n, err
	}
	b, release := ioBuffer(t, f, min(n, 1<<20))
	defer release()
	var r int
	if off >= 0 {
		r, err = f.Pread(c, b, off)
	} else {
		r, err = f.Read(c, b)
	}
	if r > 0 {
		if notify {
			f.NotifyAccess()
		}
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
	if !write {
		defer func() {
			if total == 0 {
				return
			}
			if f, err := fds(t).Get(fd); err == nil {
				f.NotifyAccess() // once for the call, as Linux's do_iter_read
				f.DecRef()
			}
		}()
	}
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
		n, err := s.rwOne(t, fd, base, l, o, write, false)
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
	dir, err := lookupDir(t, dirfd, p, flags)
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
	dir, err := lookupDir(t, a.Int(0), p, uint32(a[2]))
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
	dir, err := dirAt(t, dirfd, p)
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
	dir, err := dirAt(t, dirfd, p)
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
	dir, err := dirAt(t, dirfd, p)
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
	odir, err := dirAt(t, od, oldp)
	if err != nil {
		return 0, err
	}
	defer release(odir)
	ndir, err := dirAt(t, nd, newp)
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
	odir, err := dirAt(t, od, oldp)
	if err != nil {
		return 0, err
	}
	defer release(odir)
	ndir, err := dirAt(t, nd, newp)
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
	dir, err := dirAt(t, dirfd, p)
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
	dir, err := dirAt(t, dirfd, p)
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
	dir, err := dirAt(t, dirfd, p)
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
	dir, err := dirAt(t, dirfd, p)
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
	dir, err := lookupDir(t, dirfd, p, flags)
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

func (s *System) syncfs(t *task.Task, fd int32) (uint64, error) {
	f, err := fds(t).Get(fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if f.Inode == nil {
		return 0, nil // a pipe or socket: its pseudo filesystem has nothing to write
	}
	return 0, vfs.SyncFS(f.Inode)
}

func (s *System) fsync(t *task.Task, fd int32) (uint64, error) {
	f, err := fds(t).Get(fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return 0, f.Fsync()
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
		f.SetAsync(uint32(a[2])&abi.O_ASYNC != 0, fd)
		return 0, nil
	case abi.F_SETLK, abi.F_SETLKW, abi.F_OFD_SETLK, abi.F_OFD_SETLKW, abi.F_GETLK, abi.F_OFD_GETLK:
		return fcntlLock(s, t, fd, f, a[1], a[2])
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
	case abi.F_GETOWN, abi.F_SETOWN, abi.F_SETSIG, abi.F_GETSIG, abi.F_GETOWN_EX, abi.F_SETOWN_EX:
		return fcntlOwner(s, t, f, a[1], a[2])
	case abi.F_NOTIFY:
		if f.IsPath() {
			return 0, abi.EBADF
		}
		set, err := notify.Dnotify(f, ft, fd, uint32(a[2]))
		if set {
			c := t.TG().Creds()
			f.SetOwnerIfNone(t.TG().ID, c.UID, c.EUID)
		}
		return 0, err
	}
	return 0, abi.EINVAL
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
