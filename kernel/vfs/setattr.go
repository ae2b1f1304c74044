package vfs

import "aramid/kernel/abi"

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
	p.Inode.noPrivs.Store(false)
	if err := attrChanged(p.Inode); err != nil {
		return err
	}
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
	if err := attrChanged(p.Inode); err != nil {
		return err
	}
	if !p.Inode.IsDir() {
		if err := p.Inode.dropCaps(); err != nil {
			return err
		}
	}
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
	if err := attrChanged(p.Inode); err != nil {
		return err
	}
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
	if err := p.Inode.GetWriteAccess(); err != nil {
		return err // a running program's file: ETXTBSY
	}
	defer p.Inode.PutWriteAccess()
	if err := p.Inode.removePrivs(c); err != nil {
		return err
	}
	return v.notifyTruncate(c, fsc, path, p.Inode, t.Truncate(p.Inode, size))
}
