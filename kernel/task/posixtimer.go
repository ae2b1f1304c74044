package task

import (
	"time"

	"aramid/kernel/abi"
)

// POSIX per-process timers (timer_create and friends). A timer lives in
// its thread group, fires on the monotonic clock (callers convert absolute
// and realtime deadlines), and notifies by signal to the process or to one
// thread, or not at all. While its signal is still queued, further expiries
// only count as overruns, as on Linux.

// Notification kinds (sigevent.sigev_notify).
const (
	SigevSignal   = 0
	SigevNone     = 1
	SigevThreadID = 4
)

const siTimer = -2 // SI_TIMER

type posixTimer struct {
	id       int32
	clock    int32 // the clockid it was created on (for TIMER_ABSTIME)
	notify   int32
	signo    abi.Signal
	value    uint64
	target   *Task // SigevThreadID
	deadline time.Duration
	interval time.Duration
	// overrunLast is what timer_getoverrun reports: the overrun count of
	// the timer's most recently delivered signal (set when the signal is
	// dequeued, as on Linux; a queued signal carries its own count).
	overrunLast int32
	timer       *time.Timer
	gen         int
	// cpu is the measured process or thread of a CPU-time timer (zero
	// otherwise): deadline is then in its CPU time.
	cpu CPUClock
}

func (pt *posixTimer) isCPU() bool { return pt.cpu.Group != nil || pt.cpu.Thread != nil }

// TimerCreate implements timer_create(2) once the sigevent is decoded;
// useID makes the signal value the timer's id (a NULL sigevent).
func (t *Task) TimerCreate(clock, notify int32, signo abi.Signal, value uint64, tid int32, useID bool, cpu CPUClock) (int32, error) {
	g := t.tg
	var target *Task
	switch notify {
	case SigevNone:
	case SigevSignal, SigevThreadID:
		if signo < 1 || signo > abi.SIGRTMAX {
			return 0, abi.EINVAL
		}
		if notify == SigevThreadID {
			if target = t.k.Task(tid); target == nil || target.tg != g {
				return 0, abi.EINVAL
			}
		}
	default:
		return 0, abi.EINVAL
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.timers == nil {
		g.timers = map[int32]*posixTimer{}
	}
	id := g.nextTimer
	for g.timers[id] != nil {
		id++
	}
	g.nextTimer = id + 1
	if useID {
		value = uint64(id)
	}
	g.timers[id] = &posixTimer{id: id, clock: clock, notify: notify, signo: signo, value: value, target: target, cpu: cpu}
	return id, nil
}

func (g *ThreadGroup) timerLocked(id int32) (*posixTimer, error) {
	pt := g.timers[id]
	if pt == nil {
		return nil, abi.EINVAL
	}
	return pt, nil
}

func (g *ThreadGroup) remainingLocked(pt *posixTimer) time.Duration {
	if pt.deadline == 0 {
		return 0
	}
	if pt.isCPU() {
		return max(pt.deadline-pt.cpu.Now(), 1)
	}
	return max(pt.deadline-g.k.Monotonic(), 1)
}

// TimerSet arms timer id to fire after value (0 disarms) and then every
// interval; it returns the previous remaining time and interval.
func (g *ThreadGroup) TimerSet(id int32, value, interval time.Duration) (oldValue, oldInterval time.Duration, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	pt, err := g.timerLocked(id)
	if err != nil {
		return 0, 0, err
	}
	oldValue, oldInterval = g.remainingLocked(pt), pt.interval
	g.stopTimerLocked(pt)
	pt.interval = interval
	pt.overrunLast = 0
	if value > 0 && pt.isCPU() {
		pt.deadline = pt.cpu.Now() + value
		g.k.cpuTimers.add(pt, g)
	} else if value > 0 {
		pt.deadline = g.k.Monotonic() + value
		g.armTimerLocked(pt)
	}
	return oldValue, oldInterval, nil
}

// TimerClock returns the clock timer id was created on.
func (g *ThreadGroup) TimerClock(id int32) (int32, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	pt, err := g.timerLocked(id)
	if err != nil {
		return 0, err
	}
	return pt.clock, nil
}

// TimerGet returns timer id's remaining time and interval.
func (g *ThreadGroup) TimerGet(id int32) (value, interval time.Duration, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	pt, err := g.timerLocked(id)
	if err != nil {
		return 0, 0, err
	}
	return g.remainingLocked(pt), pt.interval, nil
}

// TimerOverrun returns the overrun count of timer id's latest signal.
func (g *ThreadGroup) TimerOverrun(id int32) (int32, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	pt, err := g.timerLocked(id)
	if err != nil {
		return 0, err
	}
	return pt.overrunLast, nil
}

// TimerDelete implements timer_delete(2).
func (g *ThreadGroup) TimerDelete(id int32) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	pt, err := g.timerLocked(id)
	if err != nil {
		return err
	}
	g.stopTimerLocked(pt)
	delete(g.timers, id)
	return nil
}

// deleteTimersLocked drops every timer (exec, exit).
func (g *ThreadGroup) deleteTimersLocked() {
	for id, pt := range g.timers {
		g.stopTimerLocked(pt)
		delete(g.timers, id)
	}
}

func (g *ThreadGroup) stopTimerLocked(pt *posixTimer) {
	pt.gen++
	pt.deadline = 0
	if pt.isCPU() {
		g.k.cpuTimers.remove(pt)
	}
	if pt.timer != nil {
		pt.timer.Stop()
		pt.timer = nil
	}
}

func (g *ThreadGroup) armTimerLocked(pt *posixTimer) {
	gen := pt.gen
	pt.timer = time.AfterFunc(max(pt.deadline-g.k.Monotonic(), 0), func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if gen != pt.gen || pt.deadline == 0 || g.zombie {
			return
		}
		expiries := int64(1)
		if pt.interval > 0 {
			pt.deadline += pt.interval
			if now := g.k.Monotonic(); pt.deadline <= now {
				// Periods missed while late (a slow machine) expired
				// too: they count as overruns.
				missed := (now-pt.deadline)/pt.interval + 1
				pt.deadline += missed * pt.interval
				expiries += int64(missed)
			}
			g.armTimerLocked(pt)
		} else {
			pt.deadline = 0
		}
		g.fireTimerLocked(pt, expiries)
	})
}

// fireTimerLocked queues the timer's signal for expiries expirations: all
// but one are overruns, and if the signal is still queued from before, all
// of them are.
func (g *ThreadGroup) fireTimerLocked(pt *posixTimer, expiries int64) {
	if pt.notify == SigevNone || g.ignored(pt.signo) {
		return
	}
	q := &g.pending
	if pt.target != nil {
		pt.target.mu.Lock()
		defer pt.target.mu.Unlock()
		if pt.target.exited {
			return
		}
		q = &pt.target.pending
	}
	const maxOverrun = 1<<31 - 1
	if si := q.find(pt.signo, func(si *sigInfo) bool { return si.code == siTimer && si.pid == pt.id }); si != nil {
		si.uid = uint32(min(int64(si.uid)+expiries, maxOverrun))
		return
	}
	si := sigInfo{signo: pt.signo, code: siTimer, pid: pt.id, value: pt.value, uid: uint32(min(expiries-1, maxOverrun))}
	if pt.target == nil {
		g.sendLocked(si)
		return
	}
	pt.target.pending.add(si)
	pt.target.attn.Store(1)
	g.notifyWatchersLocked()
	pt.target.kick()
}
