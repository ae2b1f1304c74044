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
