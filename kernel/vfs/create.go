package vfs

import "aramid/kernel/abi"

// mayCreate checks that c may add or remove entries in dir.
func mayModifyDir(c *Caller, dir Path) error {
	a := dir.Inode.Attr()
	if err := CheckPermission(&c.Creds, &a, MayWrite|MayExec); err != nil {
		return err
	}
	if dir.Mount.ReadOnly() {
		return abi.EROFS
	}
	return nil
}

// newAttrs fills ownership for a new inode in dir: the caller's uid, and
// the directory's gid if it is set-group-ID (new directories inherit the
// bit).
func newArgs(c *Caller, dir *Inode, mode uint32) CreateArgs {
	a := dir.Attr()
	args := CreateArgs{Mode: mode, UID: c.UID, GID: c.GID, Caller: c}
	if a.Mode&abi.S_ISGID != 0 {
		args.GID = a.GID
		if mode&abi.S_IFMT == abi.S_IFDIR {
			args.Mode |= abi.S_ISGID
		}
	}
	return args
}

func dirOps(p Path) (DirOps, error) {
	d, ok := p.Inode.Ops.(DirOps)
	if !ok || !p.Inode.IsDir() {
		return nil, abi.ENOTDIR
	}
	return d, nil
}

// MkdirAt implements mkdirat(2).
func (v *VFS) MkdirAt(c *Caller, fsc *FSContext, dir *File, path string, mode uint32) error {
	return v.create(c, fsc, dir, path, CreateArgs{Mode: abi.S_IFDIR | mode&0o1777&^fsc.Umask()}, true)
}

// MknodAt implements mknodat(2): regular files, FIFOs, sockets and (for
// root) character and block devices.
func (v *VFS) MknodAt(c *Caller, fsc *FSContext, dir *File, path string, mode uint32, dev uint64) error {
	typ := mode & abi.S_IFMT
	switch typ {
	case 0:
		typ = abi.S_IFREG
	case abi.S_IFREG, abi.S_IFIFO, abi.S_IFSOCK:
	case abi.S_IFCHR, abi.S_IFBLK:
		if !c.Capable(abi.CAP_MKNOD) {
			return abi.EPERM
		}
	case abi.S_IFDIR:
		return abi.EPERM
	default:
		return abi.EINVAL
	}
	args := CreateArgs{Mode: typ | mode&0o7777&^fsc.Umask()}
	if typ == abi.S_IFCHR || typ == abi.S_IFBLK {
		args.Rdev = dev
	}
	return v.create(c, fsc, dir, path, args, false)
}

// SymlinkAt implements symlinkat(2).
func (v *VFS) SymlinkAt(c *Caller, fsc *FSContext, target string, dir *File, path string) error {
	if target == "" {
		return abi.ENOENT
	}
	if len(target) >= abi.PATH_MAX {
		return abi.ENAMETOOLONG
	}
	return v.create(c, fsc, dir, path, CreateArgs{Mode: abi.S_IFLNK | 0o777, Target: target}, false)
}

// create adds a new name for mkdir, mknod and symlink.
func (v *VFS) create(c *Caller, fsc *FSContext, dir *File, path string, args CreateArgs, isDir bool) error {
	s, err := start(fsc, dir, path)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	w := v.walker(c, fsc)
	d, last, trailing, err := w.parent(s, path)
	if err != nil {
		return err
	}
	if last == "." || last == ".." {
		return abi.EEXIST
	}
	if _, err := w.step(d, last, false); err == nil {
		return abi.EEXIST
	} else if err != abi.ENOENT {
		return err
	}
	if trailing && !isDir {
		return abi.ENOENT
	}
	if err := mayModifyDir(c, d); err != nil {
		return err
	}
	ops, err := dirOps(d)
	if err != nil {
		return err
	}
	full := newArgs(c, d.Inode, args.Mode)
	full.Rdev, full.Target = args.Rdev, args.Target
	return createdAt{d.Inode, last}.created(ops.Create(d.Inode, last, full))
}

// LinkAt implements linkat(2); flags may hold AT_SYMLINK_FOLLOW and
// AT_EMPTY_PATH.
func (v *VFS) LinkAt(c *Caller, fsc *FSContext, olddir *File, oldpath string, newdir *File, newpath string, flags uint32) error {
	if flags&^(abi.AT_SYMLINK_FOLLOW|abi.AT_EMPTY_PATH) != 0 {
		return abi.EINVAL
	}
	ns, err := start(fsc, newdir, newpath)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	w := v.walker(c, fsc)
	lf := abi.AT_SYMLINK_NOFOLLOW | flags&abi.AT_EMPTY_PATH
	if flags&abi.AT_SYMLINK_FOLLOW != 0 {
		lf &^= abi.AT_SYMLINK_NOFOLLOW
	}
	old, err := v.lookupAt(w, fsc, olddir, oldpath, uint32(lf))
	if err != nil {
		return err
	}
	if old.Inode.IsDir() {
		return abi.EPERM
	}
	d, last, trailing, err := w.parent(ns, newpath)
	if err != nil {
		return err
	}
	if last == "." || last == ".." {
		return abi.EEXIST
	}
	if _, err := w.step(d, last, false); err == nil {
		return abi.EEXIST
	} else if err != abi.ENOENT {
		return err
	}
	if trailing {
		return abi.ENOENT
	}
	if d.Mount != old.Mount {
		return abi.EXDEV
	}
	if err := mayModifyDir(c, d); err != nil {
		return err
	}
	if a := old.Inode.Attr(); a.Nlink == 0 && !old.Inode.tmpfileLinkable() {
		return abi.ENOENT
	}
	ops, err := dirOps(d)
	if err != nil {
		return err
	}
	err = ops.Link(d.Inode, last, old.Inode)
	if err == nil {
		old.Inode.setTmpfileLinkable(false)
	}
	return notifyLink(d.Inode, last, old.Inode, err)
}

// UnlinkAt implements unlinkat(2) (rmdir with AT_REMOVEDIR).
func (v *VFS) UnlinkAt(c *Caller, fsc *FSContext, dir *File, path string, flags uint32) error {
	if flags&^abi.AT_REMOVEDIR != 0 {
		return abi.EINVAL
	}
	rmdir := flags&abi.AT_REMOVEDIR != 0
	s, err := start(fsc, dir, path)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	w := v.walker(c, fsc)
	d, last, trailing, err := w.parent(s, path)
	if err != nil {
		return err
	}
	switch {
	case rmdir && last == ".":
		return abi.EINVAL
	case rmdir && last == "..":
		return abi.ENOTEMPTY
	case last == "." || last == "..":
		return abi.EISDIR
	}
	child, err := w.step(d, last, false)
	if err != nil {
		return err
	}
	ca := child.Inode.Attr()
	if rmdir {
		if !ca.IsDir() {
			return abi.ENOTDIR
		}
	} else {
		if ca.IsDir() {
			return abi.EISDIR
		}
		if trailing {
			return abi.ENOTDIR
		}
	}
	if err := mayModifyDir(c, d); err != nil {
		return err
	}
	da := d.Inode.Attr()
	if stickyDenied(&c.Creds, &da, &ca) {
		return abi.EPERM
	}
	if child.Mount != d.Mount { // something is mounted on it
		return abi.EBUSY
	}
	ops, err := dirOps(d)
	if err != nil {
		return err
	}
	return notifyRemove(d.Inode, last, child.Inode, ops.Remove(d.Inode, last, child.Inode))
}
