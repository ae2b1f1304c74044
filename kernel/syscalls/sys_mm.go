package syscalls

import (
	"io"
	"math"

	"aramid/kernel/abi"
	"aramid/kernel/loader"
	"aramid/kernel/machine"
	"aramid/kernel/mm"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

func init() {

	// Memory.
	full("brk", func(s *System, t *task.Task, a Args) (uint64, error) { return t.MM().Brk(a[0]), nil })
	partial("mmap", "anonymous and file mappings, private and shared (shared writable file mappings on tmpfs); MAP_POPULATE/MAP_LOCKED prefault; no huge pages", sysMmap)
	full("munmap", func(s *System, t *task.Task, a Args) (uint64, error) { return 0, t.MM().Munmap(a[0], a[1]) })
	full("mprotect", func(s *System, t *task.Task, a Args) (uint64, error) {
		if a[2]&^7 != 0 {
			return 0, abi.EINVAL
		}
		return 0, t.MM().Mprotect(a[0], a[1], protPerm(a[2]))
	})
	partial("mremap", "shrink, grow in place, MREMAP_MAYMOVE, MREMAP_FIXED; no MREMAP_DONTUNMAP", func(s *System, t *task.Task, a Args) (uint64, error) {
		const mayMove, fixed, dontUnmap = 1, 2, 4
		if a[3]&^(mayMove|fixed|dontUnmap) != 0 || a[3]&fixed != 0 && a[3]&mayMove == 0 {
			return 0, abi.EINVAL
		}
		if a[3]&dontUnmap != 0 {
			return 0, abi.EOPNOTSUPP
		}
		if a[3]&fixed != 0 {
			return t.MM().MremapFixed(a[0], a[1], a[2], a[4])
		}
		return t.MM().Mremap(a[0], a[1], a[2], a[3]&mayMove != 0)
	})
}

func protPerm(p uint64) machine.Perm {
	var perm machine.Perm
	if p&1 != 0 {
		perm |= machine.Read
	}
	if p&2 != 0 {
		perm |= machine.Write | machine.Read
	}
	if p&4 != 0 {
		perm |= machine.Exec | machine.Read
	}
	return perm
}

func sysMmap(s *System, t *task.Task, a Args) (uint64, error) {
	const (
		mapShared, mapPrivate, mapSharedValidate = 0x1, 0x2, 0x3
		mapFixed, mapAnon                        = 0x10, 0x20
		mapGrowsdown, mapFixedNoreplace          = 0x100, 0x100000
		mapLocked, mapPopulate                   = 0x2000, 0x8000
	)
	flags := a[3]
	typ := flags & 0xf
	if typ != mapShared && typ != mapPrivate && typ != mapSharedValidate || a[2]&^7 != 0 {
		return 0, abi.EINVAL
	}
	o := mm.MapOpts{Addr: a[0], Length: a[1], Perm: protPerm(a[2]), Shared: typ != mapPrivate,
		Fixed: flags&mapFixed != 0, NoReplace: flags&mapFixedNoreplace != 0, GrowsDown: flags&mapGrowsdown != 0,
		Offset: a[5]}
	if flags&mapAnon == 0 {
		if err := s.mapFile(t, int32(a[4]), &o); err != nil {
			return 0, err
		}
	}
	o.Locked = flags&mapLocked != 0
	if o.Locked || t.MM().FutureLocked() {
		if err := mayLock(t, o.Length); err != nil {
			return 0, abi.EAGAIN
		}
	}
	addr, err := t.MM().Mmap(o)
	if err == nil && flags&mapPopulate != 0 {
		t.MM().Populate(addr, a[1]) // best effort, as Linux: the mapping stands
	}
	return addr, err
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
	if st.Mode&abi.S_IFMT == abi.S_IFREG && sp == nil {
		if r, ok := f.Inode.Ops.(vfs.MmapRefuser); ok {
			return r.MmapError()
		}
		// Only files whose pages the filesystem keeps (tmpfs) map, as on
		// Linux, where files without an mmap method are ENODEV.
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

// Sync implements mm.Syncer: msync(MS_SYNC) of a shared mapping syncs
// the file as fsync(2) does.
func (r fileReader) Sync() error { return r.f.Fsync() }

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
func (r fileReader) Hold() { r.f.IncRef() }

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
