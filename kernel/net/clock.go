package net

import (
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
)

// TimeSource is what the netstack reads the time from. The netstack
// reads its clock several times for every packet; time.Now costs system
// calls into the nucleus here, so the kernel gives it its own clocks,
// which read the TSC.
type TimeSource struct {
	// Monotonic is the time since boot (CLOCK_MONOTONIC).
	Monotonic func() time.Duration
	// Wall is the realtime clock (CLOCK_REALTIME, as clock_settime
	// leaves it).
	Wall func() time.Time
}

// timeSource is the clock New gives new stacks (zero: the netstack's
// own, time.Now).
var timeSource TimeSource

// SetTimeSource makes the stacks New returns from now on read ts; both
// functions must be set.
func SetTimeSource(ts TimeSource) { timeSource = ts }

// clock is a tcpip.Clock over a TimeSource; timers are the Go runtime's.
type clock struct{ ts TimeSource }

// newClock returns the clock for a new stack, nil for the netstack's
// default.
func newClock() tcpip.Clock {
	if timeSource.Monotonic == nil || timeSource.Wall == nil {
		return nil
	}
	return clock{timeSource}
}

// Now implements tcpip.Clock.
func (c clock) Now() time.Time { return c.ts.Wall() }

// NowMonotonic implements tcpip.Clock.
func (c clock) NowMonotonic() tcpip.MonotonicTime {
	return tcpip.MonotonicTime{}.Add(c.ts.Monotonic())
}

// AfterFunc implements tcpip.Clock.
func (c clock) AfterFunc(d time.Duration, f func()) tcpip.Timer {
	return timer{time.AfterFunc(d, f)}
}

// timer is a tcpip.Timer over a Go runtime timer.
type timer struct{ t *time.Timer }

// Stop implements tcpip.Timer.
func (t timer) Stop() bool { return t.t.Stop() }

// Reset implements tcpip.Timer.
func (t timer) Reset(d time.Duration) { t.t.Reset(d) }
