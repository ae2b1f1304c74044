package syscalls

import "aramid/kernel/task"

// rseq(2): restartable sequences (see kernel/task/rseq.go).
func init() {
	partial("rseq", "the 32-byte struct rseq of Linux 6.1; cpu_id is always 0 (one CPU); critical sections restart on signal delivery and on every timer preemption", func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, t.Rseq(a[0], uint32(a[1]), int32(a[2]), uint32(a[3]))
	})
}
