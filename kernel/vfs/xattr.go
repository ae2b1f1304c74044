package vfs

import (
	"sort"
	"strings"

	"aramid/kernel/abi"
)

// Extended attributes, kept in memory on the inode for filesystems that
// opt in (XattrFS). As on Linux 6.1's tmpfs, the trusted.* and security.*
// namespaces are supported; user.* and the rest are EOPNOTSUPP.
// Filesystems that store attributes themselves (a disk filesystem)
// implement XattrOps on their inodes: the VFS checks names and
// permissions, user.* included, and delegates.

// XattrOps is implemented by the InodeOps of filesystems that store
// extended attributes (ext4). Names are full ("user.foo"); flags are
// XATTR_CREATE and XATTR_REPLACE; a missing attribute is abi.ENODATA.
type XattrOps interface {
	GetXattr(in *Inode, name string) ([]byte, error)
	SetXattr(in *Inode, name string, value []byte, flags int) error
	ListXattr(in *Inode) ([]string, error)
	RemoveXattr(in *Inode, name string) error
}

func xattrOpsOf(in *Inode) XattrOps {
	x, _ := in.Ops.(XattrOps)
	return x
}

// userXattrPermission is Linux's xattr_permission for user.*: only
// regular files and directories have them (writing elsewhere is EPERM,
// reading ENODATA), a sticky directory takes them only from its owner,
// and the file's read or write permission decides.
func userXattrPermission(c *Caller, in *Inode, write bool) error {
	a := in.Attr()
	if t := a.Type(); t != abi.S_IFREG && t != abi.S_IFDIR {
		if write {
			return abi.EPERM
		}
		return abi.ENODATA
	}
	mask := uint32(MayRead)
	if write {
		mask = MayWrite
		if a.IsDir() && a.Mode&abi.S_ISVTX != 0 && !isOwner(&c.Creds, &a) {
			return abi.EPERM
		}
	}
	return CheckPermission(&c.Creds, &a, mask)
}

// XattrFS is implemented by filesystems whose inodes hold extended
// attributes.
type XattrFS interface {
	SupportsXattr() bool
}

// setxattr(2) flags and limits.
const (
	XATTR_CREATE  = 1
	XATTR_REPLACE = 2
	xattrNameMax  = 255
	XattrSizeMax  = 65536 // largest value (E2BIG beyond)
)

func xattrCheck(c *Caller, in *Inode, name string, write bool) error {
	if len(name) == 0 || len(name) > xattrNameMax {
		return abi.ERANGE
	}
	fs, ok := in.FS.(XattrFS)
	if !ok || !fs.SupportsXattr() {
		return abi.EOPNOTSUPP
	}
	// A namespace prefix with nothing after it names no attribute
	// (Linux's xattr_resolve_name).
	for _, ns := range []string{"trusted.", "security.", "user."} {
		if name == ns && (ns != "user." || xattrOpsOf(in) != nil) {
			return abi.EINVAL
		}
	}
	switch {
	case strings.HasPrefix(name, "trusted."):
		if !c.Capable(abi.CAP_SYS_ADMIN) {
			return abi.EPERM
		}
	case isSecurityXattr(name):
		if write {
			a := in.Attr()
			if err := CheckPermission(&c.Creds, &a, MayWrite); err != nil && !isOwner(&c.Creds, &a) {
				return err
			}
		}
	case strings.HasPrefix(name, "user.") && xattrOpsOf(in) != nil:
		return userXattrPermission(c, in, write)
	default:
		return abi.EOPNOTSUPP
	}
	return nil
}

// SetXattr implements setxattr(2) on in.
func (in *Inode) SetXattr(c *Caller, name string, value []byte, flags int) error {
	if flags&^(XATTR_CREATE|XATTR_REPLACE) != 0 {
		return abi.EINVAL
	}
	if len(value) > XattrSizeMax {
		return abi.E2BIG
	}
	if err := xattrCheck(c, in, name, true); err != nil {
		return err
	}
	if name == XattrCaps {
		if err := capsWrite(c); err != nil {
			return err
		}
		v, err := convertCaps(value)
		if err != nil {
			return err
		}
		value = v
		in.noPrivs.Store(false)
	}
	if x := xattrOpsOf(in); x != nil {
		return x.SetXattr(in, name, value, flags)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	_, exists := in.xattrs[name]
	switch {
	case flags&XATTR_CREATE != 0 && exists:
		return abi.EEXIST
	case flags&XATTR_REPLACE != 0 && !exists:
		return abi.ENODATA
	}
	if in.xattrs == nil {
		in.xattrs = map[string][]byte{}
	}
	in.xattrs[name] = append([]byte(nil), value...)
	return nil
}

// GetXattr implements getxattr(2) on in.
func (in *Inode) GetXattr(c *Caller, name string) ([]byte, error) {
	if err := xattrCheck(c, in, name, false); err != nil {
		return nil, err
	}
	return in.rawXattr(name)
}

// ListXattr implements listxattr(2): the names c may see, each followed
// by a NUL, sorted. A filesystem's read error gives an empty list;
// ListXattrs reports it.
func (in *Inode) ListXattr(c *Caller) []byte {
	b, _ := in.ListXattrs(c)
	return b
}

// ListXattrs is ListXattr with the error of a filesystem that stores
// attributes itself (XattrOps).
func (in *Inode) ListXattrs(c *Caller) ([]byte, error) {
	var all []string
	if x := xattrOpsOf(in); x != nil {
		var err error
		if all, err = x.ListXattr(in); err != nil {
			return nil, err
		}
	} else {
		in.mu.Lock()
		for n := range in.xattrs {
			all = append(all, n)
		}
		in.mu.Unlock()
	}
	names := make([]string, 0, len(all))
	for _, n := range all {
		if strings.HasPrefix(n, "trusted.") && !c.Capable(abi.CAP_SYS_ADMIN) {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	var b []byte
	for _, n := range names {
		b = append(append(b, n...), 0)
	}
	return b, nil
}

// RemoveXattr implements removexattr(2) on in.
func (in *Inode) RemoveXattr(c *Caller, name string) error {
	if err := xattrCheck(c, in, name, true); err != nil {
		return err
	}
	if x := xattrOpsOf(in); x != nil {
		return x.RemoveXattr(in, name)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if _, ok := in.xattrs[name]; !ok {
		return abi.ENODATA
	}
	delete(in.xattrs, name)
	return nil
}

// InodeAt resolves path (relative to dir) to its inode for the *xattr
// calls; flags may hold AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH.
func (v *VFS) InodeAt(c *Caller, fsc *FSContext, dir *File, path string, flags uint32) (*Inode, error) {
	p, err := v.lookupInode(c, fsc, dir, path, flags)
	if err != nil {
		return nil, err
	}
	return p.Inode, nil
}

// XattrWritableAt resolves path like InodeAt for setxattr(2) and
// removexattr(2), which change the inode: on a read-only mount they
// fail with EROFS, as Linux's mnt_want_write makes them.
func (v *VFS) XattrWritableAt(c *Caller, fsc *FSContext, dir *File, path string, flags uint32) (*Inode, error) {
	p, err := v.lookupInode(c, fsc, dir, path, flags)
	if err != nil {
		return nil, err
	}
	if p.Mount != nil && p.Mount.ReadOnly() {
		return nil, abi.EROFS
	}
	return p.Inode, nil
}
