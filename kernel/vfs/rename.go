package vfs

import "aramid/kernel/abi"

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
