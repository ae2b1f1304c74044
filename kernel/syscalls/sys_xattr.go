package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

func init() {
	const note = "tmpfs (and devtmpfs): trusted.* and security.*; user.* is EOPNOTSUPP as on Linux 6.1's tmpfs"
	for _, v := range []struct {
		prefix string
		how    xattrTarget
	}{{"", xattrPath}, {"l", xattrLink}, {"f", xattrFD}} {
		how := v.how
		partial(v.prefix+"setxattr", note, func(s *System, t *task.Task, a Args) (uint64, error) {
			return s.setxattr(t, how, a)
		})
		partial(v.prefix+"getxattr", note, func(s *System, t *task.Task, a Args) (uint64, error) {
			return s.getxattr(t, how, a)
		})
		partial(v.prefix+"listxattr", note, func(s *System, t *task.Task, a Args) (uint64, error) {
			return s.listxattr(t, how, a)
		})
		partial(v.prefix+"removexattr", note, func(s *System, t *task.Task, a Args) (uint64, error) {
			return s.removexattr(t, how, a)
		})
	}
}

type xattrTarget int

const (
	xattrPath xattrTarget = iota // follows a final symlink
	xattrLink                    // the symlink itself
	xattrFD                      // a descriptor
)

// xattrInode resolves the first argument of an *xattr call.
func (s *System) xattrInode(t *task.Task, how xattrTarget, arg uint64) (*vfs.Inode, error) {
	return s.xattrResolve(t, how, arg, s.files.vfs.InodeAt)
}

// xattrResolve resolves the first argument of an *xattr call with at
// (InodeAt, or XattrWritableAt for the calls that change attributes).
func (s *System) xattrResolve(t *task.Task, how xattrTarget, arg uint64,
	at func(*vfs.Caller, *vfs.FSContext, *vfs.File, string, uint32) (*vfs.Inode, error)) (*vfs.Inode, error) {
	if how == xattrFD {
		f, err := fds(t).Get(int32(arg))
		if err != nil {
			return nil, err
		}
		defer f.DecRef()
		if f.IsPath() {
			return nil, abi.EBADF
		}
		return at(s.caller(t), fsctx(t), f, "", abi.AT_EMPTY_PATH)
	}
	p, err := s.path(t, arg)
	if err != nil {
		return nil, err
	}
	var flags uint32
	if how == xattrLink {
		flags = abi.AT_SYMLINK_NOFOLLOW
	}
	return at(s.caller(t), fsctx(t), nil, p, flags)
}

func xattrName(t *task.Task, addr uint64) (string, error) {
	name, err := t.MM().CopyInString(addr, 256)
	if err == abi.ENAMETOOLONG {
		return "", abi.ERANGE
	}
	return name, err
}

// xattrNamed resolves the target and the attribute name, the first two
// arguments of set/get/removexattr.
func (s *System) xattrNamed(t *task.Task, how xattrTarget, a Args, write bool) (*vfs.Inode, string, error) {
	at := s.files.vfs.InodeAt
	if write {
		at = s.files.vfs.XattrWritableAt
	}
	in, err := s.xattrResolve(t, how, a[0], at)
	if err != nil {
		return nil, "", err
	}
	name, err := xattrName(t, a[1])
	return in, name, err
}

func (s *System) setxattr(t *task.Task, how xattrTarget, a Args) (uint64, error) {
	in, name, err := s.xattrNamed(t, how, a, true)
	if err != nil {
		return 0, err
	}
	if a[3] > vfs.XattrSizeMax {
		return 0, abi.E2BIG
	}
	value := make([]byte, a[3])
	if err := t.MM().CopyIn(a[2], value); err != nil {
		return 0, err
	}
	return 0, in.SetXattr(s.caller(t), name, value, int(int32(a[4])))
}

func (s *System) getxattr(t *task.Task, how xattrTarget, a Args) (uint64, error) {
	in, name, err := s.xattrNamed(t, how, a, false)
	if err != nil {
		return 0, err
	}
	v, err := in.GetXattr(s.caller(t), name)
	if err != nil {
		return 0, err
	}
	return copySized(t, a[2], a[3], v)
}

func (s *System) listxattr(t *task.Task, how xattrTarget, a Args) (uint64, error) {
	in, err := s.xattrInode(t, how, a[0])
	if err != nil {
		return 0, err
	}
	names, err := in.ListXattrs(s.caller(t))
	if err != nil {
		return 0, err
	}
	return copySized(t, a[1], a[2], names)
}

func (s *System) removexattr(t *task.Task, how xattrTarget, a Args) (uint64, error) {
	in, name, err := s.xattrNamed(t, how, a, true)
	if err != nil {
		return 0, err
	}
	return 0, in.RemoveXattr(s.caller(t), name)
}

// copySized answers the getxattr/listxattr convention: size 0 asks for the
// length, a buffer too small is ERANGE.
func copySized(t *task.Task, addr, size uint64, v []byte) (uint64, error) {
	if size == 0 {
		return uint64(len(v)), nil
	}
	if size < uint64(len(v)) {
		return 0, abi.ERANGE
	}
	return uint64(len(v)), t.MM().CopyOut(addr, v)
}
