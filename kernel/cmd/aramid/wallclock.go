package main

import (
	"sync/atomic"
	"time"

	"aramid/kernel/vdso"
	"aramid/platform/x64"
)

// vvarWall is the vvar word holding the Unix time at the time base's zero
// (platform/x64.VVar): the vDSO's CLOCK_REALTIME adds the elapsed ticks to
// it.
const vvarWall = 2

// wallClock is CLOCK_REALTIME as user programs see it: the platform's clock
// plus the offset clock_settime steps it by. The kernel's own timekeeping
// (the Go runtime, CLOCK_MONOTONIC) is not moved.
type wallClock struct {
	offset atomic.Int64 // ns added to the platform's clock
	vdso   *vdso.Mapper
	base   uint64 // the vvar wall word at boot
}

func newWallClock() *wallClock {
	return &wallClock{base: x64.VVar()[vvarWall]}
}

// Now reads the wall clock.
func (w *wallClock) Now() time.Time {
	return time.Now().Add(time.Duration(w.offset.Load()))
}

// Set steps the wall clock to t for the kernel's readers and, through the
// vvar page, for every process's vDSO.
func (w *wallClock) Set(t time.Time) {
	off := t.Sub(time.Now())
	w.offset.Store(int64(off))
	if w.vdso != nil {
		w.vdso.SetWord(vvarWall, w.base+uint64(off))
	}
}
