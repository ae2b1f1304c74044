package syscalls

import (
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/task"
)

// CPU-time clock ids: CLOCK_PROCESS_CPUTIME_ID (2), CLOCK_THREAD_CPUTIME_ID
// (3), and the negative ids of clock_getcpuclockid and
// pthread_getcpuclockid, which encode a pid or tid: ~pid << 3, bit 2 for a
// thread, the low two bits the kind (PROF, VIRT, SCHED). User time is the
// only CPU time accounted, so the three kinds read the same.

// cpuClockOf resolves a CPU-time clock id as seen by t: a process clock
// names a live process (any of its threads' ids will do for the caller's
// own), a thread clock a thread of t's process. For reading (gettime) a
// process clock may also name the caller's own thread id, which stands for
// its process (Linux's pid_for_clock).
func (s *System) cpuClockOf(t *task.Task, id int32, gettime bool) (task.CPUClock, bool) {
	switch id {
	case abi.CLOCK_PROCESS_CPUTIME_ID:
		return task.CPUClock{Group: t.TG()}, true
	case 3: // CLOCK_THREAD_CPUTIME_ID
		return task.CPUClock{Thread: t}, true
	}
	if id >= 0 || id&3 == 3 {
		return task.CPUClock{}, false
	}
	pid := ^(id >> 3)
	thread := id&4 != 0
	if thread {
		if pid == 0 {
			return task.CPUClock{Thread: t}, true
		}
		tt := s.K.Task(pid)
		if tt == nil || tt.TG() != t.TG() {
			return task.CPUClock{}, false
		}
		return task.CPUClock{Thread: tt}, true
	}
	if pid == 0 || gettime && pid == t.ID {
		return task.CPUClock{Group: t.TG()}, true
	}
	g := s.K.Group(pid)
	if g == nil || g.Zombie() {
		return task.CPUClock{}, false
	}
	return task.CPUClock{Group: g}, true
}

// cpuClockRes is clock_getres of a negative CPU-time clock id: Linux
// reports 1 ns for the SCHED kind and its tick (CONFIG_HZ=250, 4 ms) for
// PROF and VIRT, whose samples it takes at ticks. Aramid measures all three
// more finely than that, so the coarser figure is still a true bound.
func cpuClockRes(id int32) time.Duration {
	if id&3 == 2 { // CPUCLOCK_SCHED
		return time.Nanosecond
	}
	return time.Second / 250
}
