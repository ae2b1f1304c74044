package vfs

import (
	"aramid/kernel/abi"
)

// isAncestor reports whether directory a is b or one of b's ancestors
// within one filesystem.
func isAncestor(a, b *Inode) bool {
	for i := 0; i < 1<<16; i++ {
		if a == b {
			return true
		}
		p, _ := b.Parent()
		if p == nil || p == b {
			return false
		}
		b = p
	}
	return false
}

// RenameAt implements renameat2(2) with RENAME_NOREPLACE and
// RENAME_EXCHANGE (RENAME_WHITEOUT is EINVAL).
func (v *VFS) RenameAt(c *Caller, fsc *FSContext, olddir *File, oldpath string, newdir *File, newpath string, flags uint32) error {
	if flags&^(abi.RENAME_NOREPLACE|abi.RENAME_EXCHANGE) != 0 {
		return abi.EINVAL
	}
	if flags&abi.RENAME_NOREPLACE != 0 && flags&abi.RENAME_EXCHANGE != 0 {
		return abi.EINVAL
	}
	os, err := start(fsc, olddir, oldpath)
	if err != nil {
		return err
	}
	ns, err := start(fsc, newdir, newpath)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	w := v.walker(c, fsc)
	od, olast, otrail, err := w.parent(os, oldpath)
	if err != nil {
		return err
	}
	nd, nlast, ntrail, err := w.parent(ns, newpath)
	if err != nil {
		return err
	}
	if olast == "." || olast == ".." || nlast == "." || nlast == ".." {
		return abi.EBUSY
	}
	if od.Mount != nd.Mount {
		return abi.EXDEV
	}
	src, err := w.step(od, olast, false)
	if err != nil {
		return err
	}
	dst, err := w.step(nd, nlast, false)
	exists := err == nil
	if err != nil && err != abi.ENOENT {
		return err
	}
	sa := src.Inode.Attr()
	if !sa.IsDir() && (otrail || ntrail) {
		return abi.ENOTDIR
	}
	exchange := flags&abi.RENAME_EXCHANGE != 0
	if exchange && !exists {
		return abi.ENOENT
	}
	if exists && flags&abi.RENAME_NOREPLACE != 0 {
		return abi.EEXIST
	}
	if err := mayModifyDir(c, od); err != nil {
		return err
	}
	if err := mayModifyDir(c, nd); err != nil {
		return err
	}
	oda := od.Inode.Attr()
	if stickyDenied(&c.Creds, &oda, &sa) {
		return abi.EPERM
	}
	if src.Mount != od.Mount || (exists && dst.Mount != nd.Mount) {
		return abi.EBUSY // a mount point
	}
	if exists && dst.Inode == src.Inode {
		return nil // two names of one inode: nothing to do
	}
	if sa.IsDir() && isAncestor(src.Inode, nd.Inode) {
		return abi.EINVAL
	}
	if exists {
		da := dst.Inode.Attr()
		nda := nd.Inode.Attr()
		if stickyDenied(&c.Creds, &nda, &da) {
			return abi.EPERM
		}
		if exchange {
			if da.IsDir() && isAncestor(dst.Inode, od.Inode) {
				return abi.EINVAL
			}
		} else {
			switch {
			case sa.IsDir() && !da.IsDir():
				return abi.ENOTDIR
			case !sa.IsDir() && da.IsDir():
				return abi.EISDIR
			case da.IsDir() && isAncestor(dst.Inode, od.Inode):
				return abi.ENOTEMPTY
			}
		}
	}
	// Moving a directory to a new parent rewrites its "..".
	if od.Inode != nd.Inode {
		if sa.IsDir() {
			if err := CheckPermission(&c.Creds, &sa, MayWrite); err != nil {
				return err
			}
		}
		if exchange {
			if da := dst.Inode.Attr(); da.IsDir() {
				if err := CheckPermission(&c.Creds, &da, MayWrite); err != nil {
					return err
				}
			}
		}
	}
	ops, err := dirOps(od)
	if err != nil {
		return err
	}
	return notifyRename(od.Inode, olast, nd.Inode, nlast, src.Inode, dst.Inode, flags, ops.Rename(od.Inode, olast, nd.Inode, nlast, flags))
}

// ReadlinkAt implements readlinkat(2); an empty path reads the symlink
// dir refers to (an O_PATH|O_NOFOLLOW descriptor).
func (v *VFS) ReadlinkAt(c *Caller, fsc *FSContext, dir *File, path string) (string, error) {
	// The link's text is read after the lock is released: a procfs link
	// (cwd, root, fd/N) computes it from paths under v.mu itself, and a
	// read lock taken twice deadlocks once a writer waits in between.
	v.mu.RLock()
	w := v.walker(c, fsc)
	p, err := v.lookupAt(w, fsc, dir, path, abi.AT_SYMLINK_NOFOLLOW|abi.AT_EMPTY_PATH)
	v.mu.RUnlock()
	if err != nil {
		if err == abi.EBADF {
			return "", abi.EINVAL
		}
		return "", err
	}
	if p.Inode.Mode()&abi.S_IFMT != abi.S_IFLNK {
		if path == "" {
			return "", abi.ENOENT
		}
		return "", abi.EINVAL
	}
	return readlinkFor(c, p.Inode)
}

const statFlags = abi.AT_SYMLINK_NOFOLLOW | abi.AT_EMPTY_PATH | abi.AT_NO_AUTOMOUNT

// lookupInode resolves for the stat family, allowing an anonymous file
// (pipe) with AT_EMPTY_PATH.
func (v *VFS) lookupInode(c *Caller, fsc *FSContext, dir *File, path string, flags uint32) (Path, error) {
	if path == "" && flags&abi.AT_EMPTY_PATH != 0 && dir != nil && dir.Path.IsZero() {
		if dir.Inode == nil {
			return Path{}, abi.EBADF
		}
		return Path{Inode: dir.Inode}, nil
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.lookupAt(v.walker(c, fsc), fsc, dir, path, flags)
}

// StatAt implements newfstatat(2) (and stat, lstat).
func (v *VFS) StatAt(c *Caller, fsc *FSContext, dir *File, path string, flags uint32) (abi.Stat, error) {
	if flags&^statFlags != 0 {
		return abi.Stat{}, abi.EINVAL
	}
	p, err := v.lookupInode(c, fsc, dir, path, flags)
	if err != nil {
		return abi.Stat{}, err
	}
	return p.Inode.Stat(), nil
}

// Statx implements statx(2). Every basic field is always returned.
func (v *VFS) Statx(c *Caller, fsc *FSContext, dir *File, path string, flags, mask uint32) (abi.Statx, error) {
	if flags&^(statFlags|abi.AT_STATX_SYNC_TYPE) != 0 || flags&abi.AT_STATX_SYNC_TYPE == abi.AT_STATX_SYNC_TYPE {
		return abi.Statx{}, abi.EINVAL
	}
	if mask&abi.STATX__RESERVED != 0 {
		return abi.Statx{}, abi.EINVAL
	}
	p, err := v.lookupInode(c, fsc, dir, path, flags)
	if err != nil {
		return abi.Statx{}, err
	}
	sx := p.Inode.Statx()
	sx.AttributesMask = abi.STATX_ATTR_MOUNT_ROOT
	if p.Mount != nil {
		sx.Mask |= abi.STATX_MNT_ID
		sx.MntID = uint64(p.Mount.ID)
		if p.Inode == p.Mount.Root {
			sx.Attributes |= abi.STATX_ATTR_MOUNT_ROOT
		}
	}
	return sx, nil
}

// AccessAt implements faccessat2(2). The caller chooses the credentials:
// the real ids, or the effective ones with AT_EACCESS.
func (v *VFS) AccessAt(c *Caller, fsc *FSContext, dir *File, path string, mode, flags uint32) error {
	if mode&^(abi.R_OK|abi.W_OK|abi.X_OK) != 0 {
		return abi.EINVAL
	}
	if flags&^(abi.AT_EACCESS|abi.AT_SYMLINK_NOFOLLOW|abi.AT_EMPTY_PATH) != 0 {
		return abi.EINVAL
	}
	p, err := v.lookupInode(c, fsc, dir, path, flags)
	if err != nil {
		return err
	}
	if mode == abi.F_OK {
		return nil
	}
	a := p.Inode.Attr()
	if mode&abi.W_OK != 0 && p.Mount != nil && p.Mount.ReadOnly() {
		switch a.Type() {
		case abi.S_IFREG, abi.S_IFDIR, abi.S_IFLNK:
			return abi.EROFS
		}
	}
	return CheckPermission(&c.Creds, &a, mode)
}

// setattr resolves for chmod, chown and utimens and checks the mount.
func (v *VFS) setattrTarget(c *Caller, fsc *FSContext, dir *File, path string, flags uint32) (Path, error) {
	p, err := v.lookupInode(c, fsc, dir, path, flags)
	if err != nil {
		return Path{}, err
	}
	if p.Mount != nil && p.Mount.ReadOnly() {
		return Path{}, abi.EROFS
	}
	return p, nil
}

// ChmodAt implements fchmodat2(2) (and chmod, fchmod with AT_EMPTY_PATH).
// Changing a symlink's mode is EOPNOTSUPP, as on Linux.
func (v *VFS) ChmodAt(c *Caller, fsc *FSContext, dir *File, path string, mode, flags uint32) error {
	if flags&^(abi.AT_SYMLINK_NOFOLLOW|abi.AT_EMPTY_PATH) != 0 {
		return abi.EINVAL
	}
	p, err := v.setattrTarget(c, fsc, dir, path, flags)
	if err != nil {
		return err
	}
	a := p.Inode.Attr()
	if a.Type() == abi.S_IFLNK {
		return abi.EOPNOTSUPP
	}
	if !isOwner(&c.Creds, &a) {
		return abi.EPERM
	}
	mode &= 0o7777
	if !c.InGroup(a.GID) && !c.Capable(abi.CAP_FSETID) {
		mode &^= abi.S_ISGID
	}
	now := v.now()
	p.Inode.Update(func(a *Attr) {
		a.Mode = a.Mode&abi.S_IFMT | mode
		a.Ctime = now
	})
	v.notifyAt(c, fsc, dir, path, p.Inode, abi.IN_ATTRIB)
	return nil
}

// NoChange is the uid or gid argument of ChownAt that leaves it alone
// ((uid_t)-1).
const NoChange = ^uint32(0)

// ChownAt implements fchownat(2) (and chown, lchown, fchown).
func (v *VFS) ChownAt(c *Caller, fsc *FSContext, dir *File, path string, uid, gid, flags uint32) error {
	if flags&^(abi.AT_SYMLINK_NOFOLLOW|abi.AT_EMPTY_PATH) != 0 {
		return abi.EINVAL
	}
	p, err := v.setattrTarget(c, fsc, dir, path, flags)
	if err != nil {
		return err
	}
	a := p.Inode.Attr()
	if !c.Capable(abi.CAP_CHOWN) {
		if uid != NoChange && uid != a.UID {
			return abi.EPERM
		}
		if gid != NoChange && gid != a.GID && (c.UID != a.UID || !c.InGroup(gid)) {
			return abi.EPERM
		}
		if (uid != NoChange || gid != NoChange) && c.UID != a.UID {
			return abi.EPERM
		}
	}
	now := v.now()
	p.Inode.Update(func(a *Attr) {
		if uid != NoChange {
			a.UID = uid
		}
		if gid != NoChange {
			a.GID = gid
		}
		if (uid != NoChange || gid != NoChange) && a.Type() != abi.S_IFDIR {
			a.Mode &^= abi.S_ISUID
			if a.Mode&abi.S_IXGRP != 0 {
				a.Mode &^= abi.S_ISGID
			}
		}
		a.Ctime = now
	})
	v.notifyAt(c, fsc, dir, path, p.Inode, abi.IN_ATTRIB)
	return nil
}

// UtimensAt implements utimensat(2). times nil means both now; each
// timestamp may be UTIME_NOW or UTIME_OMIT.
func (v *VFS) UtimensAt(c *Caller, fsc *FSContext, dir *File, path string, times *[2]abi.Timespec, flags uint32) error {
	if flags&^(abi.AT_SYMLINK_NOFOLLOW|abi.AT_EMPTY_PATH) != 0 {
		return abi.EINVAL
	}
	now := v.now()
	t := [2]abi.Timespec{{Nsec: abi.UTIME_NOW}, {Nsec: abi.UTIME_NOW}}
	if times != nil {
		t = *times
	}
	for _, ts := range t {
		if ts.Nsec != abi.UTIME_NOW && ts.Nsec != abi.UTIME_OMIT && (ts.Nsec < 0 || ts.Nsec >= 1e9) {
			return abi.EINVAL
		}
	}
	p, err := v.setattrTarget(c, fsc, dir, path, flags)
	if err != nil {
		return err
	}
	if t[0].Nsec == abi.UTIME_OMIT && t[1].Nsec == abi.UTIME_OMIT {
		return nil
	}
	a := p.Inode.Attr()
	if t[0].Nsec == abi.UTIME_NOW && t[1].Nsec == abi.UTIME_NOW {
		if !isOwner(&c.Creds, &a) && CheckPermission(&c.Creds, &a, MayWrite) != nil {
			return abi.EACCES
		}
	} else if !isOwner(&c.Creds, &a) {
		return abi.EPERM
	}
	p.Inode.Update(func(a *Attr) {
		for i, dst := range []*abi.Timespec{&a.Atime, &a.Mtime} {
			switch t[i].Nsec {
			case abi.UTIME_OMIT:
			case abi.UTIME_NOW:
				*dst = now
			default:
				*dst = t[i]
			}
		}
		a.Ctime = now
	})
	v.notifyAt(c, fsc, dir, path, p.Inode, abi.IN_ATTRIB)
	return nil
}

// Truncate implements truncate(2).
func (v *VFS) Truncate(c *Caller, fsc *FSContext, path string, size int64) error {
	if size < 0 {
		return abi.EINVAL
	}
	p, err := v.lookupInode(c, fsc, nil, path, 0)
	if err != nil {
		return err
	}
	a := p.Inode.Attr()
	switch a.Type() {
	case abi.S_IFDIR:
		return abi.EISDIR
	case abi.S_IFREG:
	default:
		return abi.EINVAL
	}
	if err := CheckPermission(&c.Creds, &a, MayWrite); err != nil {
		return err
	}
	if p.Mount.ReadOnly() {
		return abi.EROFS
	}
	t, ok := p.Inode.Ops.(TruncateOps)
	if !ok {
		return abi.EINVAL
	}
	return v.notifyTruncate(c, fsc, path, p.Inode, t.Truncate(p.Inode, size))
}

// Chdir implements chdir(2), and fchdir(2) with dir set and path "".
func (v *VFS) Chdir(c *Caller, fsc *FSContext, dir *File, path string) error {
	p, err := v.dirTarget(c, fsc, dir, path)
	if err != nil {
		return err
	}
	fsc.setCwd(p)
	return nil
}

// Chroot implements chroot(2) (CAP_SYS_CHROOT). The working directory is left
// alone, as on Linux.
func (v *VFS) Chroot(c *Caller, fsc *FSContext, path string) error {
	p, err := v.dirTarget(c, fsc, nil, path)
	if err != nil {
		return err
	}
	if !c.Capable(abi.CAP_SYS_CHROOT) {
		return abi.EPERM
	}
	fsc.setRoot(p)
	return nil
}

func (v *VFS) dirTarget(c *Caller, fsc *FSContext, dir *File, path string) (Path, error) {
	flags := uint32(0)
	if path == "" && dir != nil {
		flags = abi.AT_EMPTY_PATH
	}
	p, err := v.lookupInode(c, fsc, dir, path, flags)
	if err != nil {
		return Path{}, err
	}
	if p.Mount == nil || !p.Inode.IsDir() {
		return Path{}, abi.ENOTDIR
	}
	a := p.Inode.Attr()
	if err := CheckPermission(&c.Creds, &a, MayExec); err != nil {
		return Path{}, err
	}
	return p, nil
}

// Getcwd implements getcwd(2): ENOENT if the directory was removed, and
// Linux's "(unreachable)" prefix if it lies outside the root.
func (v *VFS) Getcwd(fsc *FSContext) (string, error) {
	cwd := fsc.Cwd()
	if a := cwd.Inode.Attr(); a.Nlink == 0 {
		return "", abi.ENOENT
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	s, ok := v.pathStringLocked(fsc.Root(), cwd)
	if !ok {
		s = "(unreachable)" + s
	}
	return s, nil
}

// StatfsAt implements statfs(2) for a path, or fstatfs(2) with dir set and
// path "".
func (v *VFS) StatfsAt(c *Caller, fsc *FSContext, dir *File, path string) (abi.Statfs, error) {
	flags := uint32(0)
	if path == "" && dir != nil {
		flags = abi.AT_EMPTY_PATH
	}
	p, err := v.lookupInode(c, fsc, dir, path, flags)
	if err != nil {
		return abi.Statfs{}, err
	}
	st := p.Inode.FS.Statfs()
	st.Flags = abi.ST_VALID
	if p.Mount != nil {
		mf := p.Mount.Flags()
		for _, b := range [][2]uint32{
			{abi.MS_RDONLY, abi.ST_RDONLY}, {abi.MS_NOSUID, abi.ST_NOSUID}, {abi.MS_NODEV, abi.ST_NODEV},
			{abi.MS_NOEXEC, abi.ST_NOEXEC}, {abi.MS_SYNCHRONOUS, abi.ST_SYNCHRONOUS},
			{abi.MS_NOATIME, abi.ST_NOATIME}, {abi.MS_NODIRATIME, abi.ST_NODIRATIME},
			{abi.MS_RELATIME, abi.ST_RELATIME}, {abi.MS_NOSYMFOLLOW, abi.ST_NOSYMFOLLOW},
		} {
			if mf&b[0] != 0 {
				st.Flags |= int64(b[1])
			}
		}
	}
	return st, nil
}
