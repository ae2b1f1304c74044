package vfs

import "aramid/kernel/abi"

// PivotRoot implements pivot_root(2) for the caller whose root is fsc's:
// the mount at newRoot takes the place of the caller's root mount, which
// moves to putOld. It returns the old and new root paths; the caller then
// moves every process whose root or working directory is the old root to
// the new one (Repoint), as Linux's chroot_fs_refs.
//
// Errors, in Linux's order: EPERM without CAP_SYS_ADMIN; the lookups'
// errors, ENOTDIR for a non-directory; EINVAL when put_old, new_root's
// parent mount or the root's parent mount is shared; ENOENT when new_root
// was removed; EBUSY when new_root or put_old is on the root mount itself;
// EINVAL when the root is not the root of a mount or is the namespace's
// first mount (an initramfs: use MS_MOVE and chroot, as switch_root
// does), when new_root is not the root of an attached mount, or when
// put_old is not at or under new_root.
func (v *VFS) PivotRoot(c *Caller, fsc *FSContext, newRoot, putOld string) (from, to Path, err error) {
	if !c.Capable(abi.CAP_SYS_ADMIN) {
		return Path{}, Path{}, abi.EPERM
	}
	defer v.mountsChanged() // after the unlock below
	v.mu.Lock()
	defer v.mu.Unlock()
	w := v.walker(c, fsc)
	np, err := w.resolve(fsc.Cwd(), newRoot, true)
	if err != nil {
		return Path{}, Path{}, err
	}
	if !np.Inode.IsDir() {
		return Path{}, Path{}, abi.ENOTDIR
	}
	op, err := w.resolve(fsc.Cwd(), putOld, true)
	if err != nil {
		return Path{}, Path{}, err
	}
	if !op.Inode.IsDir() {
		return Path{}, Path{}, abi.ENOTDIR
	}
	op = v.crossDown(op)
	root := fsc.Root()
	rootMnt, newMnt, oldMnt := root.Mount, np.Mount, op.Mount
	shared := func(m *Mount) bool { return m != nil && m.propagation.Load()&abi.MS_SHARED != 0 }
	if shared(oldMnt) || shared(newMnt.parent) || shared(rootMnt.parent) {
		return Path{}, Path{}, abi.EINVAL
	}
	_, rootIn := v.mounts[rootMnt]
	_, newIn := v.mounts[newMnt]
	if !rootIn || !newIn {
		return Path{}, Path{}, abi.EINVAL
	}
	if np.Inode.Attr().Nlink == 0 {
		return Path{}, Path{}, abi.ENOENT
	}
	if newMnt == rootMnt || oldMnt == rootMnt {
		return Path{}, Path{}, abi.EBUSY
	}
	if root.Inode != rootMnt.Root || rootMnt.parent == nil ||
		np.Inode != newMnt.Root || newMnt.parent == nil {
		return Path{}, Path{}, abi.EINVAL
	}
	// put_old must be reachable from new_root (new_root is a mount's
	// root, so any place in a mount below it is), and new_root from the
	// root.
	below := func(m, top *Mount) bool {
		for ; m != nil; m = m.parent {
			if m == top {
				return true
			}
		}
		return false
	}
	if !below(oldMnt, newMnt) || !below(newMnt, rootMnt) {
		return Path{}, Path{}, abi.EINVAL
	}
	v.unhookLocked(newMnt)
	rootParent, rootPoint := rootMnt.parent, rootMnt.point
	v.unhookLocked(rootMnt)
	v.attach(rootMnt, op)
	v.attach(newMnt, Path{rootParent, rootPoint})
	return root, Path{newMnt, newMnt.Root}, nil
}

// unhookLocked takes m off its mount point (it stays in the namespace, to
// be attached elsewhere). Caller holds v.mu.
func (v *VFS) unhookLocked(m *Mount) {
	k := mountKey{m.parent, m.point}
	if v.covers[k] == m {
		delete(v.covers, k)
	}
	m.parent, m.point = nil, nil
}

// Repoint moves fsc's root and working directory from one path to
// another where they are exactly from (pivot_root's chroot_fs_refs).
func (f *FSContext) Repoint(from, to Path) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.root == from {
		f.root = to
	}
	if f.cwd == from {
		f.cwd = to
	}
}
