package vfs

import "aramid/kernel/abi"

// MoveMount implements mount(2) with MS_MOVE (do_move_mount): the mount
// whose root is at source, with everything mounted below it, moves to
// target. EINVAL when source is not the root of a mount, is the root of
// the namespace, or sits under a shared mount, or when one of source and
// target is a directory and the other is not; ELOOP when target lies
// inside the moved tree.
func (v *VFS) MoveMount(c *Caller, fsc *FSContext, source, target string) error {
	if !c.Capable(abi.CAP_SYS_ADMIN) {
		return abi.EPERM
	}
	defer v.mountsChanged() // after the unlock below
	v.mu.Lock()
	defer v.mu.Unlock()
	w := v.walker(c, fsc)
	dst, err := w.resolve(fsc.Cwd(), target, true)
	if err != nil {
		return err
	}
	dstDir, dstName := w.lastDir.Inode, w.lastName
	src, err := w.resolve(fsc.Cwd(), source, true)
	if err != nil {
		return err
	}
	m := src.Mount
	if src.Inode != m.Root || m.parent == nil {
		return abi.EINVAL
	}
	if _, ok := v.mounts[m]; !ok {
		return abi.EINVAL
	}
	if m.parent.propagation.Load()&abi.MS_SHARED != 0 {
		return abi.EINVAL
	}
	dst = v.crossDown(dst) // onto whatever is mounted there already
	if dst.Inode.IsDir() != src.Inode.IsDir() {
		return abi.EINVAL
	}
	for p := dst.Mount; p != nil; p = p.parent {
		if p == m {
			return abi.ELOOP
		}
	}
	k := mountKey{m.parent, m.point}
	if v.covers[k] == m {
		delete(v.covers, k)
	}
	v.attach(m, dst)
	if !dst.Inode.IsDir() {
		m.pointDir, m.pointName = dstDir, dstName
	}
	return nil
}
