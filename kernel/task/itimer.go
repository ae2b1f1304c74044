package task

import (
	"time"

	"aramid/kernel/abi"
)

// itimerState is a process's ITIMER_REAL: it sends SIGALRM at the deadline
// and re-arms with the interval.
type itimerState struct {
	deadline time.Duration // on the monotonic clock; 0 disarmed
	interval time.Duration
	timer    *time.Timer
	gen      int
}

// SetITimerReal arms ITIMER_REAL (value 0 disarms) and returns the previous
// remaining time and interval.
func (g *ThreadGroup) SetITimerReal(value, interval time.Duration) (oldValue, oldInterval time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	it := &g.itimer
	oldValue, oldInterval = g.itimerRemainingLocked(), it.interval
	if it.timer != nil {
		it.timer.Stop()
		it.timer = nil
	}
	it.gen++
	it.interval = interval
	if value == 0 {
		it.deadline = 0
		return
	}
	it.deadline = g.k.Monotonic() + value
	g.armItimerLocked()
	return
}

// ITimerReal returns ITIMER_REAL's remaining time and interval.
func (g *ThreadGroup) ITimerReal() (value, interval time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.itimerRemainingLocked(), g.itimer.interval
}

func (g *ThreadGroup) itimerRemainingLocked() time.Duration {
	if g.itimer.deadline == 0 {
		return 0
	}
	return max(g.itimer.deadline-g.k.Monotonic(), time.Microsecond)
}

func (g *ThreadGroup) armItimerLocked() {
	gen := g.itimer.gen
	g.itimer.timer = time.AfterFunc(max(g.itimer.deadline-g.k.Monotonic(), 0), func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if gen != g.itimer.gen || g.itimer.deadline == 0 || g.zombie {
			return
		}
		g.sendLocked(sigInfo{signo: abi.SIGALRM, code: siKernel})
		if g.itimer.interval > 0 {
			g.itimer.deadline += g.itimer.interval
			g.armItimerLocked()
		} else {
			g.itimer.deadline = 0
		}
	})
}

// CPU-time interval timers: ITIMER_VIRTUAL (1) and ITIMER_PROF (2) count
// down with the process's CPU time and send SIGVTALRM and SIGPROF. Aramid
// accounts only time in user mode, so both run down with user time.
type cpuItimer struct {
	remaining time.Duration // 0 disarmed
	interval  time.Duration
}

// SetITimerCPU arms ITIMER_VIRTUAL or ITIMER_PROF and returns the previous
// setting.
func (g *ThreadGroup) SetITimerCPU(which int, value, interval time.Duration) (oldValue, oldInterval time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	it := &g.cpuItimers[which-1]
	oldValue, oldInterval = it.remaining, it.interval
	it.remaining, it.interval = value, interval
	armed := uint32(0)
	for _, c := range g.cpuItimers {
		if c.remaining > 0 {
			armed = 1
		}
	}
	g.cpuItimersArmed.Store(armed)
	return
}

// ITimerCPU returns ITIMER_VIRTUAL's or ITIMER_PROF's setting.
func (g *ThreadGroup) ITimerCPU(which int) (value, interval time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	it := g.cpuItimers[which-1]
	return it.remaining, it.interval
}

// chargeCPU charges user and sys time: ITIMER_VIRTUAL runs down by the
// user time, ITIMER_PROF, RLIMIT_CPU and the process CPU clock by both.
func (g *ThreadGroup) chargeCPU(user, sys time.Duration) {
	d := user + sys
	if d <= 0 {
		return
	}
	g.cpuTotal.Add(int64(d))
	// The common case (RLIMIT_CPU unlimited, the limits published) without
	// RlimitCur's call.
	if !(g.limPublished.Load() && g.limCur[RlimitCPU].Load() == RlimInfinity) && g.RlimitCur(RlimitCPU) != RlimInfinity {
		g.checkCPULimit(time.Duration(g.cpuTotal.Load()))
	}
	if g.cpuItimersArmed.Load() == 0 {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	armed := uint32(0)
	for i := range g.cpuItimers {
		it := &g.cpuItimers[i]
		if it.remaining <= 0 {
			continue
		}
		if i == 0 {
			it.remaining -= user // ITIMER_VIRTUAL: user time only
		} else {
			it.remaining -= d
		}
		if it.remaining <= 0 {
			sig := abi.SIGVTALRM
			if i == 1 {
				sig = abi.SIGPROF
			}
			g.sendLocked(sigInfo{signo: sig, code: siKernel})
			it.remaining = 0
			if it.interval > 0 {
				it.remaining = it.interval
			}
		}
		if it.remaining > 0 {
			armed = 1
		}
	}
	g.cpuItimersArmed.Store(armed)
}
