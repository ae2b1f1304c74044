package vfs

import (
	"fmt"
	"sync/atomic"

	"aramid/kernel/abi"
)

// The operations in open.go, create.go, rename.go, stat.go, setattr.go,
// cwd.go and perm.go implement the path-based system calls. dir is the
// file of the dirfd argument, or nil for AT_FDCWD; it is ignored for
// absolute paths. Use GetAt to turn a dirfd into dir.

// GetAt returns the file for dirfd (with a reference to drop), or nil for
// AT_FDCWD or an absolute path.
func GetAt(t *FDTable, dirfd int32, path string) (*File, error) {
	if dirfd == abi.AT_FDCWD || (path != "" && path[0] == '/') {
		return nil, nil
	}
	return t.Get(dirfd)
}

// start returns where a relative path begins.
func start(fsc *FSContext, dir *File, path string) (Path, error) {
	if dir == nil || (path != "" && path[0] == '/') {
		return fsc.Cwd(), nil
	}
	if dir.Path.IsZero() || !dir.Path.Inode.IsDir() {
		return Path{}, abi.ENOTDIR
	}
	return dir.Path, nil
}

// lookupAt resolves dir+path honouring AT_EMPTY_PATH and
// AT_SYMLINK_NOFOLLOW. Caller holds v.mu.
func (v *VFS) lookupAt(w *walker, fsc *FSContext, dir *File, path string, flags uint32) (Path, error) {
	if path == "" {
		if flags&abi.AT_EMPTY_PATH == 0 {
			return Path{}, abi.ENOENT
		}
		if dir == nil {
			return fsc.Cwd(), nil
		}
		if dir.Path.IsZero() {
			return Path{}, abi.EBADF // anonymous: callers handle dir.Inode themselves
		}
		return dir.Path, nil
	}
	s, err := start(fsc, dir, path)
	if err != nil {
		return Path{}, err
	}
	return w.resolve(s, path, flags&abi.AT_SYMLINK_NOFOLLOW == 0)
}

// OpenAt implements openat(2). mode is used with O_CREAT.
func (v *VFS) OpenAt(c *Caller, fsc *FSContext, dir *File, path string, flags, mode uint32) (*File, error) {
	if flags&abi.O_TMPFILE == abi.O_TMPFILE {
		return v.openTmpfile(c, fsc, dir, path, flags, mode)
	}
	if flags&abi.O_PATH != 0 {
		flags &= abi.O_PATH | abi.O_DIRECTORY | abi.O_NOFOLLOW | abi.O_CLOEXEC
	}
	creat := flags&abi.O_CREAT != 0
	if creat && flags&abi.O_DIRECTORY != 0 {
		return nil, abi.EINVAL
	}
	s, err := start(fsc, dir, path)
	if err != nil {
		return nil, err
	}
	var p Path
	var created bool
	var w *walker
	if creat {
		v.mu.Lock()
		w = v.walker(c, fsc)
		p, created, err = v.openCreate(w, fsc, s, path, flags, mode)
		v.mu.Unlock()
	} else {
		v.mu.RLock()
		w = v.walker(c, fsc)
		p, err = v.openExisting(w, s, path, flags)
		v.mu.RUnlock()
	}
	if err != nil {
		return nil, err
	}
	return v.open(c, p, w.lastDir, w.lastName, flags, created)
}

func (v *VFS) openExisting(w *walker, s Path, path string, flags uint32) (Path, error) {
	dir, last, trailing, err := w.parent(s, path)
	if err != nil {
		return Path{}, err
	}
	p, err := w.step(dir, last, false)
	if err != nil {
		return Path{}, err
	}
	if p.Inode.Mode()&abi.S_IFMT == abi.S_IFLNK {
		if flags&abi.O_NOFOLLOW != 0 && !trailing {
			if flags&abi.O_PATH != 0 {
				return p, nil
			}
			return Path{}, abi.ELOOP
		}
		w.lastDir, w.lastName = dir, last
		if p, err = w.follow(dir, p); err != nil {
			return Path{}, err
		}
	}
	if trailing && !p.Inode.IsDir() {
		return Path{}, abi.ENOTDIR
	}
	return p, nil
}

func (v *VFS) openCreate(w *walker, fsc *FSContext, s Path, path string, flags, mode uint32) (Path, bool, error) {
	dir, last, trailing, err := w.parent(s, path)
	for {
		if err != nil {
			return Path{}, false, err
		}
		if last == "." || last == ".." {
			return Path{}, false, abi.EISDIR
		}
		p, err := w.step(dir, last, false)
		if err == abi.ENOENT {
			if trailing {
				return Path{}, false, abi.EISDIR
			}
			if err := mayModifyDir(w.c, dir); err != nil {
				return Path{}, false, err
			}
			d, err := dirOps(dir)
			if err != nil {
				return Path{}, false, err
			}
			m := abi.S_IFREG | mode&0o7777&^fsc.Umask()
			in, err := d.Create(dir.Inode, last, newArgs(w.c, dir.Inode, m))
			if err != nil {
				return Path{}, false, err
			}
			notifyCreate(dir.Inode, last, in)
			w.lastDir, w.lastName = dir, last
			return Path{dir.Mount, in}, true, nil
		}
		if err != nil {
			return Path{}, false, err
		}
		if flags&abi.O_EXCL != 0 {
			return Path{}, false, abi.EEXIST
		}
		if p.Inode.Mode()&abi.S_IFMT == abi.S_IFLNK {
			if flags&abi.O_NOFOLLOW != 0 {
				return Path{}, false, abi.ELOOP
			}
			// Follow the link; a dangling one creates its target.
			w.links++
			if w.links > abi.MAXSYMLINKS {
				return Path{}, false, abi.ELOOP
			}
			if m, ok := p.Inode.Ops.(MagicLinkOps); ok {
				t, merr := m.ResolveLink(w.c, p.Inode)
				if merr != nil {
					return Path{}, false, merr
				}
				w.lastDir, w.lastName = t.Dir, t.Name
				return t.Path, false, nil
			}
			target, rerr := readlinkFor(w.c, p.Inode)
			if rerr != nil {
				return Path{}, false, rerr
			}
			if target == "" {
				return Path{}, false, abi.ENOENT
			}
			dir, last, trailing, err = w.parent(dir, target)
			continue
		}
		if p.Inode.IsDir() {
			return Path{}, false, abi.EISDIR
		}
		if trailing {
			return Path{}, false, abi.ENOTDIR
		}
		return p, false, nil
	}
}

// open makes the file description for the resolved p.
func (v *VFS) open(c *Caller, p Path, dir Path, base string, flags uint32, created bool) (*File, error) {
	a := p.Inode.Attr()
	typ := a.Type()
	if flags&abi.O_DIRECTORY != 0 && typ != abi.S_IFDIR {
		return nil, abi.ENOTDIR
	}
	mk := func(impl FileImpl) *File {
		f := NewFile(impl, p.Inode, p, flags)
		if typ != abi.S_IFDIR {
			f.dir, f.base = dir, base
		}
		return f
	}
	if flags&abi.O_PATH != 0 {
		return mk(pathFile{}), nil
	}
	acc := flags & abi.O_ACCMODE
	write := acc == abi.O_WRONLY || acc == abi.O_RDWR || acc == abi.O_ACCMODE
	if typ == abi.S_IFDIR && (write || flags&abi.O_CREAT != 0) {
		return nil, abi.EISDIR
	}
	if !created {
		var mask uint32
		switch acc {
		case abi.O_RDONLY:
			mask = MayRead
		case abi.O_WRONLY:
			mask = MayWrite
		default:
			mask = MayRead | MayWrite
		}
		if flags&abi.O_TRUNC != 0 {
			mask |= MayWrite
		}
		if err := CheckPermission(&c.Creds, &a, mask); err != nil {
			return nil, err
		}
		if (write || flags&abi.O_TRUNC != 0) && (typ == abi.S_IFREG || typ == abi.S_IFDIR || typ == abi.S_IFLNK) && p.Mount.ReadOnly() {
			return nil, abi.EROFS
		}
	}
	var impl FileImpl
	var err error
	// A regular file opened for writing (or truncated) counts as written
	// while the description lives; a running program's file refuses.
	holdWrite := typ == abi.S_IFREG && (write || flags&abi.O_TRUNC != 0)
	if holdWrite {
		if err := p.Inode.GetWriteAccess(); err != nil {
			return nil, err
		}
	}
	switch typ {
	case abi.S_IFREG, abi.S_IFDIR:
		impl, err = p.Inode.Ops.Open(c, p.Inode, flags)
	case abi.S_IFCHR, abi.S_IFBLK:
		if p.Mount.Flags()&abi.MS_NODEV != 0 {
			return nil, abi.EACCES
		}
		if v.devices == nil {
			return nil, abi.ENXIO
		}
		impl, err = v.devices.OpenDevice(c, typ, a.Rdev, p.Inode, flags)
	case abi.S_IFIFO:
		if v.fifos == nil {
			return nil, abi.EOPNOTSUPP
		}
		impl, err = v.fifos.OpenFIFO(c, p.Inode, flags)
	case abi.S_IFSOCK:
		return nil, abi.ENXIO
	default:
		return nil, abi.ELOOP // a symlink that was not followed
	}
	if err != nil {
		if holdWrite {
			p.Inode.PutWriteAccess()
		}
		return nil, err
	}
	if flags&abi.O_TRUNC != 0 && !created && typ == abi.S_IFREG && write {
		if t, ok := p.Inode.Ops.(TruncateOps); ok {
			if err := t.Truncate(p.Inode, 0); err != nil {
				impl.Release(nil)
				p.Inode.PutWriteAccess()
				return nil, err
			}
		}
	}
	if holdWrite && !write {
		p.Inode.PutWriteAccess() // O_RDONLY|O_TRUNC: only while truncating
		holdWrite = false
	}
	f := mk(impl)
	f.heldWrite = holdWrite
	return opened(f), nil
}

// pathFile is the implementation of O_PATH descriptors: every I/O
// operation fails with EBADF (File checks O_PATH first).
type pathFile struct{ FileDefaults }

// FilePath returns the path of f as /proc/<pid>/fd shows it, relative to
// fsc's root, with " (deleted)" appended to an unlinked file.
func (v *VFS) FilePath(fsc *FSContext, f *File) string {
	if f.Path.IsZero() {
		return f.Name
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	root := fsc.Root()
	var s string
	if f.Inode.IsDir() || f.dir.IsZero() {
		s, _ = v.pathStringLocked(root, f.Path)
	} else {
		d, _ := v.pathStringLocked(root, f.dir)
		s = joinPath(d, f.base)
	}
	if a := f.Inode.Attr(); a.Nlink == 0 {
		s += " (deleted)"
	}
	return s
}

var tmpfileSeq atomic.Uint64

// openTmpfile implements O_TMPFILE: a regular file created in the
// directory at path with no name (link count 0), which linkat may name
// later unless O_EXCL was given.
func (v *VFS) openTmpfile(c *Caller, fsc *FSContext, dir *File, path string, flags, mode uint32) (*File, error) {
	if acc := flags & abi.O_ACCMODE; acc != abi.O_WRONLY && acc != abi.O_RDWR {
		return nil, abi.EINVAL
	}
	flags &^= abi.O_TMPFILE | abi.O_CREAT
	s, err := start(fsc, dir, path)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	w := v.walker(c, fsc)
	dp, err := v.openExisting(w, s, path, abi.O_DIRECTORY)
	if err == nil && !dp.Inode.IsDir() {
		err = abi.ENOTDIR
	}
	if err == nil {
		err = mayModifyDir(c, dp)
	}
	var d DirOps
	if err == nil {
		d, err = dirOps(dp)
	}
	var in *Inode
	if err == nil {
		name := fmt.Sprintf(".#tmpfile.%d", tmpfileSeq.Add(1))
		in, err = d.Create(dp.Inode, name, newArgs(c, dp.Inode, abi.S_IFREG|mode&0o7777&^fsc.Umask()))
		if err == nil {
			err = d.Remove(dp.Inode, name, in)
		}
	}
	v.mu.Unlock()
	if err != nil {
		return nil, err
	}
	in.setTmpfileLinkable(flags&abi.O_EXCL == 0)
	return v.open(c, Path{dp.Mount, in}, Path{}, "", flags&^abi.O_EXCL, true)
}
