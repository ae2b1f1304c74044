package syscalls

import (
	"time"

	"aramid/kernel/task"
)

// CPU-time clocks named by negative clock ids, as glibc's
// pthread_getcpuclockid and clock_getcpuclockid make them (Linux's
// posix-cpu-timers encoding): bits 3 and up hold ~pid, bit 2 says "one
// thread" rather than "the process", bits 0-1 say which time: PROF
// (user+system), VIRT (user) or SCHED (run time). Aramid accounts user
// time only (see clock_gettime's note), so the three read the same.
const (
	cpuClockPerThread = 4
	cpuClockWhichMask = 3
	cpuClockMax       = 3 // CPUCLOCK_MAX: which == 3 is invalid
	cpuClockSched     = 2
	clockFD           = 3 // (id & 7) == 3 with bit 2 clear: a dynamic (fd) clock
)

// cpuClockTask resolves a negative clock id the way Linux's pid_for_clock
// does for clock_gettime: pid 0 is the caller's thread or process; a
// thread clock must name a thread of the caller's process; a process clock
// must name a process (or the calling thread's own tid, which stands for
// its process). ok is false for anything else (EINVAL).
func (s *System) cpuClockTask(id int32, t *task.Task) (thread *task.Task, group *task.ThreadGroup, ok bool) {
	if id&7 == clockFD || id&cpuClockWhichMask == cpuClockMax {
		return nil, nil, false
	}
	pid := ^(id >> 3)
	perThread := id&cpuClockPerThread != 0
	if pid == 0 {
		if perThread {
			return t, nil, true
		}
		return nil, t.TG(), true
	}
	if perThread {
		tt := s.K.Task(pid)
		if tt == nil || tt.TG() != t.TG() {
			return nil, nil, false
		}
		return tt, nil, true
	}
	if pid == t.ID {
		return nil, t.TG(), true
	}
	if g := s.K.Group(pid); g != nil {
		return nil, g, true
	}
	return nil, nil, false
}

// cpuClock reads a negative (CPU-time) clock id.
func (s *System) cpuClock(id int32, t *task.Task) (time.Duration, bool) {
	tt, g, ok := s.cpuClockTask(id, t)
	switch {
	case !ok:
		return 0, false
	case tt != nil:
		return tt.ThreadCPUTime(), true
	}
	return g.CPUTime(), true
}

// cpuClockRes is clock_getres for a CPU-time clock: SCHED counts in
// nanoseconds, PROF and VIRT in scheduler ticks on Linux (a 250 Hz tick on
// the reference kernel: 4 ms).
func cpuClockRes(id int32) time.Duration {
	if id&cpuClockWhichMask == cpuClockSched {
		return time.Nanosecond
	}
	return time.Second / 250
}
