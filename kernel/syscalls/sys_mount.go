package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

func init() {
	partial("mount", "tmpfs/proc/sysfs/devtmpfs/cgroup2 and disk filesystems from block devices as registered; bind, remount, move; propagation flags recorded", sysMount)
	full("umount2", func(s *System, t *task.Task, a Args) (uint64, error) {
		p, err := s.path(t, a[0])
		if err != nil {
			return 0, err
		}
		return 0, s.files.vfs.Umount(s.caller(t), fsctx(t), p, uint32(a[1]))
	})
	full("pivot_root", sysPivotRoot)
}

// sysPivotRoot implements pivot_root(2): the mount swap is the VFS's; then
// every process whose root or working directory was the old root moves to
// the new one.
func sysPivotRoot(s *System, t *task.Task, a Args) (uint64, error) {
	newRoot, err := s.path(t, a[0])
	if err != nil {
		return 0, err
	}
	putOld, err := s.path(t, a[1])
	if err != nil {
		return 0, err
	}
	from, to, err := s.files.vfs.PivotRoot(s.caller(t), fsctx(t), newRoot, putOld)
	if err != nil {
		return 0, err
	}
	seen := map[*vfs.FSContext]bool{}
	for _, g := range s.K.Groups() {
		if fsc, ok := g.FS.(*vfs.FSContext); ok && !seen[fsc] {
			seen[fsc] = true
			fsc.Repoint(from, to)
		}
	}
	return 0, nil
}

func sysMount(s *System, t *task.Task, a Args) (uint64, error) {
	if !capable(t, abi.CAP_SYS_ADMIN) {
		return 0, abi.EPERM
	}
	m := t.MM()
	var src, typ, data string
	var err error
	if a[0] != 0 {
		if src, err = m.CopyInString(a[0], pathMax); err != nil {
			return 0, err
		}
	}
	target, err := s.path(t, a[1])
	if err != nil {
		return 0, err
	}
	if a[2] != 0 {
		if typ, err = m.CopyInString(a[2], 256); err != nil {
			return 0, err
		}
	}
	if a[4] != 0 {
		if data, err = m.CopyInString(a[4], 4096); err != nil {
			data = ""
		}
	}
	flags := uint32(a[3])
	c, fsc, v := s.caller(t), fsctx(t), s.files.vfs
	switch {
	case flags&abi.MS_REMOUNT != 0:
		return 0, v.Remount(c, fsc, target, flags, data)
	case flags&abi.MS_BIND != 0:
		return 0, v.BindMount(c, fsc, src, target, flags)
	case flags&(abi.MS_SHARED|abi.MS_PRIVATE|abi.MS_SLAVE|abi.MS_UNBINDABLE) != 0:
		return 0, v.SetPropagation(c, fsc, target, flags)
	case flags&abi.MS_MOVE != 0:
		return 0, v.MoveMount(c, fsc, src, target)
	}
	return 0, v.MountByType(c, fsc, src, target, typ, flags, data)
}
