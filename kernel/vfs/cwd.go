package vfs

import "aramid/kernel/abi"

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
