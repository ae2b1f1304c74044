package vfs

import "aramid/kernel/abi"

// Access bits for CheckPermission (the MAY_* of Linux).
const (
	MayExec  = 1
	MayWrite = 2
	MayRead  = 4
)

// CheckPermission checks whether creds may access an inode with attributes
// a in the way mask (MayRead|MayWrite|MayExec) asks, by owner, group and
// other bits. Root passes every check except execution of a non-directory
// that has no execute bit at all.
func CheckPermission(creds *Creds, a *Attr, mask uint32) error {
	if creds.Root() {
		if mask&MayExec != 0 && a.Mode&abi.S_IFMT != abi.S_IFDIR && a.Mode&0o111 == 0 {
			return abi.EACCES
		}
		return nil
	}
	var bits uint32
	switch {
	case creds.UID == a.UID:
		bits = a.Mode >> 6
	case creds.InGroup(a.GID):
		bits = a.Mode >> 3
	default:
		bits = a.Mode
	}
	if bits&7&mask != mask {
		return abi.EACCES
	}
	return nil
}

// isOwner reports whether creds own the inode or are root (CAP_FOWNER).
func isOwner(creds *Creds, a *Attr) bool { return creds.Root() || creds.UID == a.UID }

// stickyDenied reports whether the sticky bit of dir forbids creds to
// remove or rename child.
func stickyDenied(creds *Creds, dir, child *Attr) bool {
	if dir.Mode&abi.S_ISVTX == 0 || creds.Root() {
		return false
	}
	return creds.UID != dir.UID && creds.UID != child.UID
}
