package vfs

import (
	"sync"
	"sync/atomic"

	"aramid/kernel/abi"
)

// FileImpl is the behaviour of one open file. Embed FileDefaults to get
// Linux's defaults for everything a file does not support.
//
// off is the file position for seekable files and is ignored by stream
// files (pipes, terminals); for an O_APPEND write the VFS passes -1, which
// means "at the current end of file, atomically".
type FileImpl interface {
	Read(c *Caller, f *File, dst []byte, off int64) (int, error)
	Write(c *Caller, f *File, src []byte, off int64) (int, error)
	// Seek computes a new position; cur is the current one.
	Seek(f *File, cur, off int64, whence int) (int64, error)
	// Readiness returns the POLL* events currently true among mask.
	Readiness(f *File, mask uint32) uint32
	// EventQueue returns the queue notified when readiness changes, or
	// nil if it never changes.
	EventQueue() *Queue
	Ioctl(c *Caller, f *File, cmd uint32, arg uintptr) (uintptr, error)
	Fsync(f *File) error
	// Release is called once, when the last reference is dropped.
	Release(f *File)
}

// Streamer is implemented by files without a position (pipes, terminals):
// pread and pwrite fail with ESPIPE and reads ignore the offset.
type Streamer interface{ Stream() bool }

// DirFileDefaults is an open directory's behaviour for filesystems whose
// directories the VFS lists (IterDir): read(2) and write(2) are EISDIR, and
// lseek sets the getdents position (SEEK_SET and SEEK_CUR to any
// non-negative position).
type DirFileDefaults struct{ FileDefaults }

func (DirFileDefaults) Read(*Caller, *File, []byte, int64) (int, error)  { return 0, abi.EISDIR }
func (DirFileDefaults) Write(*Caller, *File, []byte, int64) (int, error) { return 0, abi.EISDIR }

// Seek implements FileImpl for a directory position.
func (DirFileDefaults) Seek(_ *File, cur, off int64, whence int) (int64, error) {
	var n int64
	switch whence {
	case abi.SEEK_SET:
		n = off
	case abi.SEEK_CUR:
		n = cur + off
	default:
		return 0, abi.EINVAL
	}
	if n < 0 {
		return 0, abi.EINVAL
	}
	return n, nil
}

// FileDefaults gives Linux's answers for unsupported file operations.
type FileDefaults struct{}

// Read fails with EINVAL.
func (FileDefaults) Read(*Caller, *File, []byte, int64) (int, error) { return 0, abi.EINVAL }

// Write fails with EINVAL.
func (FileDefaults) Write(*Caller, *File, []byte, int64) (int, error) { return 0, abi.EINVAL }

// Seek implements the standard lseek rules against the inode's size.
func (FileDefaults) Seek(f *File, cur, off int64, whence int) (int64, error) {
	return GenericSeek(f, cur, off, whence)
}

// Readiness reports a file always readable and writable, like Linux's
// DEFAULT_POLLMASK.
func (FileDefaults) Readiness(_ *File, mask uint32) uint32 {
	return mask & (abi.POLLIN | abi.POLLOUT | abi.POLLRDNORM | abi.POLLWRNORM)
}

// EventQueue returns nil: readiness never changes.
func (FileDefaults) EventQueue() *Queue { return nil }

// Ioctl fails with ENOTTY.
func (FileDefaults) Ioctl(*Caller, *File, uint32, uintptr) (uintptr, error) { return 0, abi.ENOTTY }

// Fsync succeeds.
func (FileDefaults) Fsync(*File) error { return nil }

// Release does nothing.
func (FileDefaults) Release(*File) {}

// GenericSeek implements lseek(2) for a file whose size is the inode's:
// SEEK_SET/CUR/END, SEEK_DATA/SEEK_HOLE treating the whole file as data,
// EINVAL for a negative result.
func GenericSeek(f *File, cur, off int64, whence int) (int64, error) {
	var size int64
	if f.Inode != nil {
		a := f.Inode.Attr()
		size = a.Size
	}
	var n int64
	switch whence {
	case abi.SEEK_SET:
		n = off
	case abi.SEEK_CUR:
		n = cur + off
	case abi.SEEK_END:
		n = size + off
	case abi.SEEK_DATA:
		if off < 0 || off >= size {
			return 0, abi.ENXIO
		}
		n = off
	case abi.SEEK_HOLE:
		if off < 0 || off >= size {
			return 0, abi.ENXIO
		}
		n = size
	default:
		return 0, abi.EINVAL
	}
	if n < 0 || (whence == abi.SEEK_CUR && off > 0 && n < cur) || (whence == abi.SEEK_END && off > 0 && n < size) {
		return 0, abi.EINVAL // negative or overflowed
	}
	return n, nil
}

// File is an open file description: shared by descriptors made with dup
// and by fork, with one position and one set of status flags.
type File struct {
	Impl  FileImpl
	Inode *Inode // nil for anonymous files (pipes, sockets)
	// Path is where the file was opened, for /proc/<pid>/fd and fchdir;
	// zero for anonymous files.
	Path Path
	// Name names an anonymous file, e.g. "pipe:[12]".
	Name string

	// Where a non-directory was opened: its directory and name.
	dir  Path
	base string

	refs   atomic.Int64
	flags  atomic.Uint32 // O_* status and access mode
	stream bool

	mu  sync.Mutex
	off int64

	// owner and sig are what F_SETOWN and F_SETSIG recorded (fown.go).
	owner atomic.Int32
	sig   atomic.Int32
	async asyncState // O_ASYNC registration (fown.go)
	// heldWrite: the description counts as a writer of Inode
	// (writeaccess.go) until its last reference goes.
	heldWrite bool
	// mountWriter: the description counts as a writer of its mount
	// (Mount.writers) until its last reference goes.
	mountWriter bool
}

// Status flags F_SETFL may change. O_ASYNC is not among them: as on
// Linux, only files that do signal-driven I/O take it (SetAsync).
const setflMask = abi.O_APPEND | abi.O_NONBLOCK | abi.O_DIRECT | abi.O_NOATIME

// NewFile returns a file description with one reference. flags are the
// open flags (creation flags and O_CLOEXEC are dropped).
func NewFile(impl FileImpl, in *Inode, p Path, flags uint32) *File {
	f := &File{Impl: impl, Inode: in, Path: p}
	f.flags.Store(flags &^ (abi.O_CREAT | abi.O_EXCL | abi.O_NOCTTY | abi.O_TRUNC | abi.O_CLOEXEC))
	if s, ok := impl.(Streamer); ok && s.Stream() {
		f.stream = true
	}
	f.refs.Store(1)
	if p.Mount != nil {
		p.Mount.openFiles.Add(1)
		// Linux's do_dentry_open takes mount write access for a file
		// opened for writing unless it is a device, FIFO or socket.
		if in != nil && f.Writable() {
			switch in.Mode() & abi.S_IFMT {
			case abi.S_IFCHR, abi.S_IFBLK, abi.S_IFIFO, abi.S_IFSOCK:
			default:
				f.mountWriter = true
				p.Mount.writers.Add(1)
			}
		}
	}
	if in != nil {
		in.files.Add(1)
	}
	return f
}

// IncRef adds a reference.
func (f *File) IncRef() { f.refs.Add(1) }

// DecRef drops a reference; the last one releases the file.
func (f *File) DecRef() {
	if f.refs.Add(-1) == 0 {
		if f.Path.Mount != nil {
			f.Path.Mount.openFiles.Add(-1)
			if f.mountWriter {
				f.Path.Mount.writers.Add(-1)
			}
		}
		f.releaseFlock()
		f.releaseAsync()
		if f.heldWrite {
			f.Inode.PutWriteAccess()
		}
		f.ReleaseRecordLocks(f) // OFD locks go with the description
		f.closed()
		f.Impl.Release(f)
		if f.Inode != nil && f.Inode.files.Add(-1) == 0 && f.Inode.deleteSelf.Swap(false) {
			self(f.Inode, abi.IN_DELETE_SELF)
		}
	}
}

// Flags returns the status flags and access mode (what F_GETFL reports).
func (f *File) Flags() uint32 { return f.flags.Load() }

// SetFlags implements F_SETFL: only O_APPEND, O_NONBLOCK, O_DIRECT and
// O_NOATIME change; other bits are ignored (O_ASYNC: see SetAsync).
func (f *File) SetFlags(flags uint32) {
	for {
		old := f.flags.Load()
		n := old&^setflMask | flags&setflMask
		if f.flags.CompareAndSwap(old, n) {
			return
		}
	}
}

// Nonblocking reports whether O_NONBLOCK is set.
func (f *File) Nonblocking() bool { return f.Flags()&abi.O_NONBLOCK != 0 }

// Readable reports whether the file was opened for reading.
func (f *File) Readable() bool {
	fl := f.Flags()
	return fl&abi.O_PATH == 0 && (fl&abi.O_ACCMODE == abi.O_RDONLY || fl&abi.O_ACCMODE == abi.O_RDWR)
}

// Writable reports whether the file was opened for writing.
func (f *File) Writable() bool {
	fl := f.Flags()
	return fl&abi.O_PATH == 0 && (fl&abi.O_ACCMODE == abi.O_WRONLY || fl&abi.O_ACCMODE == abi.O_RDWR)
}

// IsPath reports whether the file is an O_PATH descriptor.
func (f *File) IsPath() bool { return f.Flags()&abi.O_PATH != 0 }

// Offset returns the file position.
func (f *File) Offset() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.off
}

// Read implements read(2).
func (f *File) Read(c *Caller, dst []byte) (int, error) {
	if !f.Readable() {
		return 0, abi.EBADF
	}
	if f.stream {
		return f.Impl.Read(c, f, dst, 0)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.Impl.Read(c, f, dst, f.off)
	f.off += int64(n)
	return n, err
}

// Pread implements pread64(2).
func (f *File) Pread(c *Caller, dst []byte, off int64) (int, error) {
	if !f.Readable() {
		return 0, abi.EBADF
	}
	if f.stream {
		return 0, abi.ESPIPE
	}
	if off < 0 {
		return 0, abi.EINVAL
	}
	return f.Impl.Read(c, f, dst, off)
}

// write is write(2) without the notification (see notify.go).
func (f *File) write(c *Caller, src []byte) (int, error) {
	if !f.Writable() {
		return 0, abi.EBADF
	}
	if f.stream {
		return f.Impl.Write(c, f, src, 0)
	}
	if err := f.removePrivs(c, len(src)); err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Flags()&abi.O_APPEND != 0 {
		n, err := f.Impl.Write(c, f, src, -1)
		if f.Inode != nil {
			a := f.Inode.Attr()
			f.off = a.Size
		}
		return n, err
	}
	n, err := f.Impl.Write(c, f, src, f.off)
	f.off += int64(n)
	return n, err
}

// pwrite is pwrite64(2) without the notification (see notify.go).
func (f *File) pwrite(c *Caller, src []byte, off int64) (int, error) {
	if !f.Writable() {
		return 0, abi.EBADF
	}
	if f.stream {
		return 0, abi.ESPIPE
	}
	if off < 0 {
		return 0, abi.EINVAL
	}
	if f.Flags()&abi.O_APPEND != 0 {
		off = -1
	}
	if err := f.removePrivs(c, len(src)); err != nil {
		return 0, err
	}
	return f.Impl.Write(c, f, src, off)
}

// removePrivs drops set-id bits and file capabilities before a write of n
// bytes to a regular file (none for an empty write, as Linux).
func (f *File) removePrivs(c *Caller, n int) error {
	if n == 0 || f.Inode == nil {
		return nil
	}
	return f.Inode.removePrivs(c)
}

// Seek implements lseek(2).
func (f *File) Seek(off int64, whence int) (int64, error) {
	if f.IsPath() {
		return 0, abi.EBADF
	}
	if f.stream {
		return 0, abi.ESPIPE
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.Impl.Seek(f, f.off, off, whence)
	if err != nil {
		return 0, err
	}
	f.off = n
	return n, nil
}

// Getdents64 implements getdents64(2): it encodes linux_dirent64 records
// into at most size bytes from the directory position and advances it.
// Too small a buffer for the first record is EINVAL.
func (f *File) Getdents64(size int) ([]byte, error) {
	if f.IsPath() {
		return nil, abi.EBADF
	}
	if f.Inode == nil {
		return nil, abi.ENOTDIR
	}
	d, ok := f.Inode.Ops.(DirOps)
	if !ok || !f.Inode.IsDir() {
		return nil, abi.ENOTDIR
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var buf []byte
	short := false
	err := d.IterDir(f.Inode, f.off, func(name string, ino uint64, typ uint8, next int64) bool {
		var ok bool
		buf, ok = abi.AppendDirent64(buf, size, ino, next, typ, name)
		if !ok {
			short = len(buf) == 0
			return false
		}
		f.off = next
		return true
	})
	if err != nil {
		return nil, err
	}
	f.NotifyAccess() // as Linux's iterate_dir, even when the buffer is too small
	if short {
		return nil, abi.EINVAL
	}
	return buf, nil
}

// Stat implements fstat(2).
func (f *File) Stat() (abi.Stat, error) {
	if f.Inode == nil {
		return abi.Stat{}, abi.EBADF
	}
	return f.Inode.Stat(), nil
}

// Truncate truncates for the kernel's own use (set-id bits are dropped as
// for a caller without CAP_FSETID).
func (f *File) Truncate(size int64) error { return f.TruncateAs(nil, size) }

// TruncateAs implements ftruncate(2) for caller c.
func (f *File) TruncateAs(c *Caller, size int64) error {
	if size < 0 {
		return abi.EINVAL
	}
	if f.Inode == nil || !f.Writable() {
		return abi.EINVAL
	}
	a := f.Inode.Attr()
	if a.Type() != abi.S_IFREG {
		return abi.EINVAL
	}
	if f.Path.Mount != nil && f.Path.Mount.ReadOnly() {
		return abi.EROFS
	}
	t, ok := f.Inode.Ops.(TruncateOps)
	if !ok {
		return abi.EINVAL
	}
	if err := f.Inode.removePrivs(c); err != nil {
		return err
	}
	return f.notifyModify(t.Truncate(f.Inode, size))
}

// Ioctl implements the file-specific part of ioctl(2); FIOCLEX, FIONCLEX
// and FIONBIO belong to the descriptor layer (see FDTable.Ioctl).
func (f *File) Ioctl(c *Caller, cmd uint32, arg uintptr) (uintptr, error) {
	if f.IsPath() {
		return 0, abi.EBADF
	}
	return f.Impl.Ioctl(c, f, cmd, arg)
}

// Readiness returns the events of mask that are true now; an O_PATH file
// reports POLLNVAL as Linux does.
func (f *File) Readiness(mask uint32) uint32 {
	if f.IsPath() {
		return abi.POLLNVAL
	}
	return f.Impl.Readiness(f, mask|abi.POLLERR|abi.POLLHUP)
}

// EventQueue returns the queue to wait on for readiness changes, or nil.
func (f *File) EventQueue() *Queue { return f.Impl.EventQueue() }

// Fsync implements fsync(2) and fdatasync(2).
func (f *File) Fsync() error {
	if f.IsPath() {
		return abi.EBADF
	}
	return f.Impl.Fsync(f)
}

// Discarder is implemented by files that throw written data away unread
// (/dev/null). write(2) to one succeeds without reading the caller's
// buffer, so a bad pointer is no error there, as on Linux.
type Discarder interface {
	DiscardsWrites() bool
}

// SharedPagesOps is implemented by inodes whose pages can be mapped into
// user address spaces directly, so MAP_SHARED mappings and read/write all
// see one copy of the data (tmpfs with a page source).
type SharedPagesOps interface {
	// CanMapShared reports whether MapPage will work.
	CanMapShared() bool
	// MapPage returns the frame holding page pg of the file, with a
	// reference the caller must take its own of (the file keeps its).
	MapPage(in *Inode, pg int64) (frame uint64, err error)
}

// MmapRefuser is implemented by inodes of regular files that cannot be
// mapped, with the error mmap(2) fails with (procfs: ENODEV or EIO as on
// Linux). Regular files that are neither this nor SharedPagesOps are
// ENODEV.
type MmapRefuser interface {
	MmapError() error
}

// AllocateOps is implemented by inodes that support fallocate(2) beyond
// extending the size: preallocation and punching holes.
type AllocateOps interface {
	Allocate(in *Inode, off, length int64, keepSize bool) error
	PunchHole(in *Inode, off, length int64) error
}

// FDInfoer is implemented by files that add lines to their
// /proc/<pid>/fdinfo entry (eventfd's counter, for one).
type FDInfoer interface {
	FDInfo() string
}
