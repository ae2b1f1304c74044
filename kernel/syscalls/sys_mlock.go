package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/task"
)

// Memory locking. Nothing is ever paged out, so a lock's effect is that
// the pages are faulted in and counted (VmLck, RLIMIT_MEMLOCK for
// unprivileged callers; privilege, CAP_IPC_LOCK, is euid 0 here).
func init() {
	full("mlock", func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, t.MM().Mlock(a[0], a[1], privileged(t), false)
	})
	full("mlock2", func(s *System, t *task.Task, a Args) (uint64, error) {
		const mlockOnfault = 1
		if a[2]&^mlockOnfault != 0 {
			return 0, abi.EINVAL
		}
		return 0, t.MM().Mlock(a[0], a[1], privileged(t), a[2]&mlockOnfault != 0)
	})
	full("munlock", func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, t.MM().Munlock(a[0], a[1])
	})
	full("mlockall", func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, t.MM().Mlockall(int(int32(a[0])), privileged(t))
	})
	full("munlockall", func(s *System, t *task.Task, a Args) (uint64, error) {
		t.MM().Munlockall()
		return 0, nil
	})
}
