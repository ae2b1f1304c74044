package task

import (
	"sync"
	"sync/atomic"
	"time"
)

// POSIX timers on CPU-time clocks (CLOCK_PROCESS_CPUTIME_ID,
// CLOCK_THREAD_CPUTIME_ID and the ids clock_getcpuclockid and
// pthread_getcpuclockid make). Their deadlines are in CPU time of the
// measured process or thread; every charge of user time checks the armed
// ones. Lock order: a timer owner's ThreadGroup.mu before cpuTimers.mu.

// CPUClock names what a CPU-time clock measures: a process, or one thread.
type CPUClock struct {
	Group  *ThreadGroup
	Thread *Task
}

// Now returns the clock's reading.
func (c CPUClock) Now() time.Duration {
	if c.Thread != nil {
		return c.Thread.ThreadCPUTime()
	}
	return time.Duration(c.Group.cpuTotal.Load())
}

// cpuTimers is the kernel's set of armed CPU-time timers.
type cpuTimers struct {
	mu    sync.Mutex
	armed map[*posixTimer]*ThreadGroup // timer → owner
	count atomic.Int32
}

func (ct *cpuTimers) add(pt *posixTimer, owner *ThreadGroup) {
	ct.mu.Lock()
	if ct.armed == nil {
		ct.armed = map[*posixTimer]*ThreadGroup{}
	}
	if _, ok := ct.armed[pt]; !ok {
		ct.armed[pt] = owner
		ct.count.Add(1)
	}
	ct.mu.Unlock()
}

func (ct *cpuTimers) remove(pt *posixTimer) {
	ct.mu.Lock()
	if _, ok := ct.armed[pt]; ok {
		delete(ct.armed, pt)
		ct.count.Add(-1)
	}
	ct.mu.Unlock()
}

// checkCPUTimers fires the armed CPU-time timers that measure t or its
// process and have reached their deadline.
func (k *Kernel) checkCPUTimers(t *Task) {
	ct := &k.cpuTimers
	type due struct {
		pt    *posixTimer
		owner *ThreadGroup
		gen   int
	}
	var fire []due
	ct.mu.Lock()
	for pt, owner := range ct.armed {
		if pt.cpu.Thread != t && pt.cpu.Group != t.tg {
			continue
		}
		if pt.cpu.Now() >= pt.deadline {
			fire = append(fire, due{pt, owner, pt.gen})
		}
	}
	ct.mu.Unlock()
	for _, d := range fire {
		g, pt := d.owner, d.pt
		g.mu.Lock()
		if d.gen == pt.gen && pt.deadline != 0 && !g.zombie {
			expiries := int64(1)
			if pt.interval > 0 {
				now := pt.cpu.Now()
				pt.deadline += pt.interval
				if pt.deadline <= now {
					missed := (now-pt.deadline)/pt.interval + 1
					pt.deadline += missed * pt.interval
					expiries += int64(missed)
				}
			} else {
				pt.deadline = 0
				k.cpuTimers.remove(pt)
			}
			g.fireTimerLocked(pt, expiries)
		}
		g.mu.Unlock()
	}
}
