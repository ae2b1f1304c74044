package syscalls

import (
	"encoding/binary"
	"strconv"

	"aramid/kernel/abi"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

// clone3(2): struct clone_args, with set_tid, a stack given as base and
// size, CLONE_CLEAR_SIGHAND and CLONE_INTO_CGROUP.
func init() {
	partial("clone3", "as clone; set_tid in the one PID namespace (root only); CLONE_INTO_CGROUP places the child through the directory's cgroup.procs before it first runs (a refused move leaves it in the parent's cgroup)", sysClone3)
}

// struct clone_args sizes: versions 0, 1 (set_tid) and 2 (cgroup).
const (
	cloneArgsVer0 = 64
	cloneArgsVer1 = 80
	cloneArgsVer2 = 88

	cloneClearSighand = 0x100000000
	cloneIntoCgroup   = 0x200000000
	cloneLegacyFlags  = 0xffffffff
	cloneParent       = 0x8000
)

// sysClone3 implements clone3(args, size).
func sysClone3(s *System, t *task.Task, a Args) (uint64, error) {
	addr, size := a[0], a[1]
	if size > 4096 {
		return 0, abi.E2BIG
	}
	if size < cloneArgsVer0 {
		return 0, abi.EINVAL
	}
	m := t.MM()
	b := make([]byte, size)
	if err := m.CopyIn(addr, b); err != nil {
		return 0, err
	}
	for _, c := range b[min(size, cloneArgsVer2):] {
		if c != 0 {
			return 0, abi.E2BIG
		}
	}
	full := make([]byte, cloneArgsVer2)
	copy(full, b)
	le := binary.LittleEndian
	u := func(i int) uint64 { return le.Uint64(full[i*8:]) }
	flags, childTID, parentTID, exitSignal := u(0), u(2), u(3), u(4)
	stack, stackSize, tls, setTID, setTIDSize, cgroup := u(5), u(6), u(7), u(8), u(9), u(10)

	if setTIDSize > 32 || setTID == 0 && setTIDSize > 0 || setTID != 0 && setTIDSize == 0 {
		return 0, abi.EINVAL
	}
	if exitSignal&^0xff != 0 || exitSignal >= uint64(abi.NSIG) {
		return 0, abi.EINVAL
	}
	if flags&cloneIntoCgroup != 0 && (cgroup > 1<<31-1 || size < cloneArgsVer2) {
		return 0, abi.EINVAL
	}
	var tids []uint32
	if setTID != 0 {
		tb := make([]byte, 4*setTIDSize)
		if err := m.CopyIn(setTID, tb); err != nil {
			return 0, err
		}
		for i := range setTIDSize {
			tids = append(tids, le.Uint32(tb[4*i:]))
		}
	}
	// clone3_args_valid.
	switch {
	case flags&^(cloneLegacyFlags|cloneClearSighand|cloneIntoCgroup) != 0,
		flags&(task.CloneDetached|0xff&^cloneNewTime) != 0,
		flags&(task.CloneSighand|cloneClearSighand) == task.CloneSighand|cloneClearSighand,
		flags&(task.CloneThread|cloneParent) != 0 && exitSignal != 0,
		stack == 0 && stackSize != 0,
		stack != 0 && (stackSize == 0 || stack+stackSize < stack || stack+stackSize > 1<<47):
		return 0, abi.EINVAL
	}
	// The one PID namespace has one level: a set_tid array names one id.
	var want int32
	if len(tids) > 1 {
		return 0, abi.EINVAL
	}
	if len(tids) == 1 {
		if int32(tids[0]) < 1 || tids[0] >= 4194304 {
			return 0, abi.EINVAL
		}
		if !capable(t, abi.CAP_CHECKPOINT_RESTORE) && !capable(t, abi.CAP_SYS_ADMIN) {
			return 0, abi.EPERM
		}
		want = int32(tids[0])
	}
	var procs *vfs.File
	if flags&cloneIntoCgroup != 0 {
		f, err := s.cgroupProcs(t, int32(cgroup))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		procs = f
	}
	sp := uint64(0)
	if stack != 0 {
		sp = stack + stackSize
	}
	ca := task.CloneArgs{Flags: flags & cloneLegacyFlags, Stack: sp, ParentTID: parentTID, ChildTID: childTID,
		TLS: tls, ExitSignal: abi.Signal(exitSignal), SetTID: want, ClearSighand: flags&cloneClearSighand != 0}
	if procs != nil {
		ca.BeforeStart = func(child *task.Task) {
			procs.Write(s.caller(t), []byte(strconv.Itoa(int(child.ID))))
		}
	}
	child, err := t.Clone(ca, s.fileHooks())
	if err != nil {
		return 0, err
	}
	if ca.Flags&task.CloneVfork != 0 {
		t.WaitVfork(child)
	}
	return uint64(child.ID), nil
}

// cgroupProcs opens cgroup.procs in the cgroup2 directory fd names;
// anything else is EBADF, as Linux's cgroup_get_from_file.
func (s *System) cgroupProcs(t *task.Task, fd int32) (*vfs.File, error) {
	dir, err := fds(t).Get(fd)
	if err != nil {
		return nil, abi.EBADF
	}
	defer dir.DecRef()
	if mode, err := fileMode(dir); err != nil || mode != abi.S_IFDIR {
		return nil, abi.EBADF
	}
	f, err := s.files.vfs.OpenAt(s.caller(t), fsctx(t), dir, "cgroup.procs", abi.O_WRONLY, 0)
	if err != nil {
		return nil, abi.EBADF
	}
	return f, nil
}
