package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/mm"
	"aramid/kernel/task"
)

func init() {
	full("mlock", func(s *System, t *task.Task, a Args) (uint64, error) { return sysMlock(t, a[0], a[1], 0) })
	full("mlock2", func(s *System, t *task.Task, a Args) (uint64, error) { return sysMlock(t, a[0], a[1], a[2]) })
	full("munlock", sysMunlock)
	full("mlockall", sysMlockall)
	full("munlockall", func(s *System, t *task.Task, a Args) (uint64, error) {
		t.MM().Mlockall(0)
		return 0, nil
	})
}

const mlockOnfault = 1 // MLOCK_ONFAULT

// lockRange is the page-aligned range mlock and munlock act on.
func lockRange(addr, length uint64) (start, end uint64) {
	start = addr &^ (pageSize - 1)
	end = start + (length+addr-start+pageSize-1)&^(pageSize-1)
	return start, end
}

// mayLock applies RLIMIT_MEMLOCK to locking more bytes: root
// (CAP_IPC_LOCK) is not limited; others need a non-zero limit (EPERM) and
// room under it (ENOMEM).
func mayLock(t *task.Task, more uint64) error {
	if capable(t, abi.CAP_IPC_LOCK) {
		return nil
	}
	lim, _ := t.TG().Rlimit(task.RlimitMemlock, nil, false)
	if lim.Cur == 0 {
		return abi.EPERM
	}
	if more+t.MM().LockedBytes() > lim.Cur {
		return abi.ENOMEM
	}
	return nil
}

// sysMlock implements mlock(2) and mlock2(2).
func sysMlock(t *task.Task, addr, length, flags uint64) (uint64, error) {
	if flags&^mlockOnfault != 0 {
		return 0, abi.EINVAL
	}
	start, end := lockRange(addr, length)
	if end < start {
		return 0, abi.EINVAL
	}
	if !capable(t, abi.CAP_IPC_LOCK) {
		lim, _ := t.TG().Rlimit(task.RlimitMemlock, nil, false)
		if lim.Cur == 0 {
			return 0, abi.EPERM
		}
		if err := mayLock(t, t.MM().UnlockedIn(start, end)); err != nil {
			return 0, err
		}
	}
	return 0, t.MM().Mlock(start, end, true, flags&mlockOnfault != 0)
}

// sysMunlock implements munlock(2).
func sysMunlock(s *System, t *task.Task, a Args) (uint64, error) {
	start, end := lockRange(a[0], a[1])
	return 0, t.MM().Mlock(start, end, false, false)
}

// sysMlockall implements mlockall(2).
func sysMlockall(s *System, t *task.Task, a Args) (uint64, error) {
	flags := int(a.Int(0))
	if flags == 0 || flags&^(mm.MclCurrent|mm.MclFuture|mm.MclOnfault) != 0 || flags == mm.MclOnfault {
		return 0, abi.EINVAL
	}
	if !capable(t, abi.CAP_IPC_LOCK) {
		lim, _ := t.TG().Rlimit(task.RlimitMemlock, nil, false)
		if lim.Cur == 0 {
			return 0, abi.EPERM
		}
		if flags&mm.MclCurrent != 0 && t.MM().Size() > lim.Cur {
			return 0, abi.ENOMEM
		}
	}
	t.MM().Mlockall(flags)
	return 0, nil
}
