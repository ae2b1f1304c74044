package vfs

import "aramid/kernel/abi"

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
		// Linux mounts relatime unless told noatime or strictatime
		// (procfs's mount options say so too).
		if mf&(abi.MS_NOATIME|abi.MS_STRICTATIME) == 0 {
			st.Flags |= abi.ST_RELATIME
		}
	}
	return st, nil
}
