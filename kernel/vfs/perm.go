package vfs

import "aramid/kernel/abi"

// Access bits for CheckPermission (the MAY_* of Linux).
const (
	MayExec  = 1
	MayWrite = 2
	MayRead  = 4
)

// CheckPermission checks whether creds may access an inode with attributes
// a in the way mask (MayRead|MayWrite|MayExec) asks, as generic_permission
// does: by owner, group and other bits, then CAP_DAC_READ_SEARCH (reading
// and searching) and CAP_DAC_OVERRIDE (anything but executing a
// non-directory that has no execute bit at all).
func CheckPermission(creds *Creds, a *Attr, mask uint32) error {
	var bits uint32
	switch {
	case creds.UID == a.UID:
		bits = a.Mode >> 6
	case creds.InGroup(a.GID):
		bits = a.Mode >> 3
	default:
		bits = a.Mode
	}
	if bits&7&mask == mask {
		return nil
	}
	if a.Mode&abi.S_IFMT == abi.S_IFDIR {
		if mask&MayWrite == 0 && creds.Capable(abi.CAP_DAC_READ_SEARCH) {
			return nil
		}
		if creds.Capable(abi.CAP_DAC_OVERRIDE) {
			return nil
		}
		return abi.EACCES
	}
	if mask == MayRead && creds.Capable(abi.CAP_DAC_READ_SEARCH) {
		return nil
	}
	if (mask&MayExec == 0 || a.Mode&0o111 != 0) && creds.Capable(abi.CAP_DAC_OVERRIDE) {
		return nil
	}
	return abi.EACCES
}

// isOwner reports whether creds own the inode or hold CAP_FOWNER.
func isOwner(creds *Creds, a *Attr) bool { return creds.UID == a.UID || creds.Capable(abi.CAP_FOWNER) }

// stickyDenied reports whether the sticky bit of dir forbids creds to
// remove or rename child.
func stickyDenied(creds *Creds, dir, child *Attr) bool {
	if dir.Mode&abi.S_ISVTX == 0 || creds.UID == dir.UID || creds.UID == child.UID {
		return false
	}
	return !creds.Capable(abi.CAP_FOWNER)
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
