package mm

import "time"

// Watchdog keeps the kernel's own heap inside physical memory. User frames
// and the kernel heap come from one pool; the platform refuses user frames
// once only its reserve is free, so the heap can always grow into the
// reserve. The watchdog makes sure it need not grow past it: it keeps the
// runtime's soft memory limit at what the heap holds plus what is free
// above half the reserve (so the collector works harder as memory fills),
// and when free memory falls below half the reserve anyway it returns the
// runtime's unused pages and then has the OOM killer free memory by
// killing a process.
//
// It runs as one goroutine (Run); Check is one round, for tests.
type Watchdog struct {
	// Stats reports physical memory in bytes: all of it, what is free, and
	// the reserve user allocations leave alone.
	Stats func() (total, free, reserve uint64)
	// RuntimeMapped reports the bytes the Go runtime holds in physical
	// memory (everything it mapped and has not released).
	RuntimeMapped func() uint64
	// SetLimit sets the runtime's soft memory limit (debug.SetMemoryLimit).
	SetLimit func(int64) int64
	// Reclaim returns the runtime's free pages to the platform
	// (debug.FreeOSMemory: a full collection, then scavenging).
	Reclaim func()
	// Shrink, if set, asks the page caches to free pages (ShrinkCaches);
	// it runs while free memory is below twice the reserve, before any
	// collection or kill.
	Shrink func(pages int) int
	// OOM runs the OOM killer; false means no process could be killed.
	OOM func() bool
	// Logf writes a kernel log line.
	Logf func(format string, args ...any)

	limit       int64
	lastReclaim time.Time
	warned      bool
	killed      bool // the last round killed: reclaim before the next kill
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Poll intervals: relaxed while memory is plentiful, quick near the reserve.
const (
	watchSlow = 50 * time.Millisecond
	watchFast = 10 * time.Millisecond
	// reclaimEvery bounds how often a full collection is forced.
	reclaimEvery = 100 * time.Millisecond
	// limitStep is the smallest change of the soft limit worth making.
	limitStep = 1 << 20
)

func (w *Watchdog) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// Check runs one round and returns how long to wait before the next.
func (w *Watchdog) Check() time.Duration {
	_, free, reserve := w.Stats()
	mapped := w.RuntimeMapped()
	// The runtime may use what it holds plus what is free down to half the
	// reserve; the other half is slack for the allocations the collector
	// cannot prevent between two rounds.
	limit := int64(mapped) + int64(free) - int64(reserve/2)
	if d := limit - w.limit; d > limitStep || d < -limitStep {
		w.limit = limit
		w.SetLimit(limit)
	}
	if w.Shrink != nil && free < 2*reserve {
		// Caches give back what keeps free memory at twice the reserve.
		if w.Shrink(int((2*reserve-free)/pageSize)) > 0 {
			_, free, _ = w.Stats()
		}
	}
	if free >= reserve/2 {
		w.warned = false
		if free > 2*reserve {
			return watchSlow
		}
		return watchFast
	}
	// Reclaim first; after a kill always, since what the victim held in
	// the kernel (pipe buffers, file data) comes back only through a
	// collection, and killing again before one would kill for nothing.
	if now := w.now(); w.killed || now.Sub(w.lastReclaim) >= reclaimEvery {
		w.lastReclaim = now
		w.killed = false
		w.Reclaim()
		if _, free, _ = w.Stats(); free >= reserve/2 {
			return watchFast
		}
	}
	if w.OOM() {
		w.killed = true
	} else if !w.warned {
		w.warned = true
		w.Logf("Out of memory: the kernel heap is in its reserve (%d KiB free) and no process can be killed", free>>10)
	}
	return watchFast
}

// Run checks memory until stop is closed.
func (w *Watchdog) Run(stop <-chan struct{}) {
	t := time.NewTimer(w.Check())
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			t.Reset(w.Check())
		}
	}
}
