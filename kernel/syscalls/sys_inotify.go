package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/fs/notify"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

func init() {
	full("inotify_init", func(s *System, t *task.Task, a Args) (uint64, error) { return s.inotifyInit(t, 0) })
	full("inotify_init1", func(s *System, t *task.Task, a Args) (uint64, error) { return s.inotifyInit(t, uint32(a[0])) })
	partial("inotify_add_watch", "IN_ACCESS and IN_UNMOUNT are never sent; IN_EXCL_UNLINK tells an unlinked file by its link count", sysInotifyAddWatch)
	full("inotify_rm_watch", func(s *System, t *task.Task, a Args) (uint64, error) {
		n, f, err := inotifyOf(t, a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		return 0, n.RmWatch(a.Int(1))
	})
}

// inotifyInit implements inotify_init1(2) (inotify_init with flags 0).
func (s *System) inotifyInit(t *task.Task, flags uint32) (uint64, error) {
	if flags&^(abi.IN_NONBLOCK|abi.IN_CLOEXEC) != 0 {
		return 0, abi.EINVAL
	}
	n, err := notify.New(t.TG().Creds().UID)
	if err != nil {
		return 0, err
	}
	// (A failed install releases the file, and with it the charge.)
	return s.installAnon(t, n, "anon_inode:inotify", abi.O_RDONLY|flags&abi.IN_NONBLOCK, flags&abi.IN_CLOEXEC != 0)
}

// inotifyOf returns the instance behind fd (EINVAL for another file).
func inotifyOf(t *task.Task, fd int32) (*notify.Inotify, *vfs.File, error) {
	f, err := fds(t).Get(fd)
	if err != nil {
		return nil, nil, err
	}
	n, ok := f.Impl.(*notify.Inotify)
	if !ok {
		f.DecRef()
		return nil, nil, abi.EINVAL
	}
	return n, f, nil
}

// sysInotifyAddWatch implements inotify_add_watch(2): the caller needs
// read permission on the file, as on Linux.
func sysInotifyAddWatch(s *System, t *task.Task, a Args) (uint64, error) {
	n, f, err := inotifyOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	path, err := s.path(t, a[1])
	if err != nil {
		return 0, err
	}
	mask := uint32(a[2])
	var flags uint32
	if mask&abi.IN_DONT_FOLLOW != 0 {
		flags = abi.AT_SYMLINK_NOFOLLOW
	}
	c := s.caller(t)
	p, err := s.files.vfs.LookupAt(c, fsctx(t), nil, path, flags)
	if err != nil {
		return 0, err
	}
	attr := p.Inode.Attr()
	if err := vfs.CheckPermission(&c.Creds, &attr, vfs.MayRead); err != nil {
		return 0, err
	}
	wd, err := n.AddWatch(p.Inode, mask)
	return uint64(wd), err
}
