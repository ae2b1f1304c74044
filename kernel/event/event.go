// Package event implements the file-descriptor event mechanisms: epoll
// (level-triggered, edge-triggered and one-shot), eventfd (counter and
// semaphore modes) and timerfd (relative, absolute, periodic). They are
// vfs.FileImpl values built on the VFS's readiness model: each file
// reports a level-triggered readiness mask and notifies its vfs.Queue when
// that may have changed.
//
// Locking: an Epoll's mu is taken after the watched file's queue lock is
// released (notifications arrive through a Waiter's channel, never by a
// callback into the epoll under another lock).
package event

import (
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// EventFD is an eventfd(2) counter.
type EventFD struct {
	vfs.FileDefaults
	mu        sync.Mutex
	count     uint64
	semaphore bool
	queue     vfs.Queue
	changed   chan struct{}
}

// NewEventFD returns an eventfd with an initial value.
func NewEventFD(initval uint64, semaphore bool) *EventFD {
	return &EventFD{count: initval, semaphore: semaphore, changed: make(chan struct{})}
}

func (e *EventFD) Stream() bool { return true }

func (e *EventFD) notifyLocked() {
	close(e.changed)
	e.changed = make(chan struct{})
}

func (e *EventFD) Read(c *vfs.Caller, f *vfs.File, dst []byte, off int64) (int, error) {
	if len(dst) < 8 {
		return 0, abi.EINVAL
	}
	for {
		e.mu.Lock()
		if e.count > 0 {
			v := e.count
			if e.semaphore {
				v = 1
			}
			e.count -= v
			e.notifyLocked()
			e.mu.Unlock()
			binary.LittleEndian.PutUint64(dst, v)
			e.queue.Notify(abi.POLLOUT)
			return 8, nil
		}
		ch := e.changed
		e.mu.Unlock()
		if f.Nonblocking() {
			return 0, abi.EAGAIN
		}
		if err := c.Block(ch, -1); err != nil {
			return 0, err
		}
	}
}

func (e *EventFD) Write(c *vfs.Caller, f *vfs.File, src []byte, off int64) (int, error) {
	if len(src) < 8 {
		return 0, abi.EINVAL
	}
	v := binary.LittleEndian.Uint64(src)
	if v == ^uint64(0) {
		return 0, abi.EINVAL
	}
	for {
		e.mu.Lock()
		if e.count+v > e.count && e.count+v < ^uint64(0) || v == 0 {
			e.count += v
			e.notifyLocked()
			e.mu.Unlock()
			if v != 0 {
				e.queue.Notify(abi.POLLIN)
			}
			return 8, nil
		}
		ch := e.changed
		e.mu.Unlock()
		if f.Nonblocking() {
			return 0, abi.EAGAIN
		}
		if err := c.Block(ch, -1); err != nil {
			return 0, err
		}
	}
}

func (e *EventFD) Readiness(f *vfs.File, mask uint32) uint32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	var r uint32
	if e.count > 0 {
		r |= abi.POLLIN | abi.POLLRDNORM
	}
	if e.count < ^uint64(0)-1 {
		r |= abi.POLLOUT | abi.POLLWRNORM
	}
	return r & mask
}

func (e *EventFD) EventQueue() *vfs.Queue { return &e.queue }

// TimerFD is a timerfd(2).
//
// A periodic timer behaves as Linux's: when it expires it counts one
// expiry and stops; the next read (or timerfd_gettime, or timerfd_settime)
// "forwards" it, counting every period that has passed since, and arms it
// again for the first period still ahead. So a timer whose interval is far
// shorter than the reader's pace costs one wake-up per read, never one per
// period: a 1 µs timer re-armed from its own expiry would keep the CPU busy
// forever (it did: the stress suite's timerfd workload wedged the kernel).
type TimerFD struct {
	vfs.FileDefaults
	clock func() time.Duration // the timer's clock (monotonic or realtime as ns)

	mu       sync.Mutex
	expiries uint64
	deadline time.Duration // the next (or, when expired, the last) expiry; 0: disarmed
	interval time.Duration
	expired  bool // a periodic timer reached deadline and waits to be forwarded
	timer    *time.Timer
	gen      int
	queue    vfs.Queue
	changed  chan struct{}
}

// NewTimerFD returns a disarmed timer on clock.
func NewTimerFD(clock func() time.Duration) *TimerFD {
	return &TimerFD{clock: clock, changed: make(chan struct{})}
}

func (t *TimerFD) Stream() bool { return true }

// Set arms (value > 0) or disarms the timer; abs means value is on the
// timer's clock. It returns the previous remaining time and interval. A
// time already past expires at once, before Set returns, as on Linux.
func (t *TimerFD) Set(value, interval time.Duration, abs bool) (oldValue, oldInterval time.Duration) {
	t.mu.Lock()
	now := t.clock()
	t.catchUpLocked(now)
	t.forwardLocked(now)
	oldValue, oldInterval = t.remainingLocked(now), t.interval
	t.stopLocked()
	t.expiries = 0
	t.expired = false
	t.interval = interval
	if value == 0 {
		t.deadline = 0
		t.mu.Unlock()
		return
	}
	if !abs {
		value += now
	}
	t.deadline = value
	fired := t.armLocked(now)
	t.mu.Unlock()
	if fired {
		t.queue.Notify(abi.POLLIN)
	}
	return
}

// Get returns the remaining time and interval.
func (t *TimerFD) Get() (value, interval time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock()
	t.catchUpLocked(now)
	t.forwardLocked(now)
	return t.remainingLocked(now), t.interval
}

func (t *TimerFD) remainingLocked(now time.Duration) time.Duration {
	if t.deadline == 0 {
		return 0
	}
	return max(t.deadline-now, 1)
}

// stopLocked cancels the pending Go timer; a callback already on its way
// sees a new generation and does nothing.
func (t *TimerFD) stopLocked() {
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
	t.gen++
}

// armLocked starts the Go timer for t.deadline, or expires the timer at
// once when the deadline is not in the future; it reports the latter (the
// caller notifies the queue after unlocking).
func (t *TimerFD) armLocked(now time.Duration) (fired bool) {
	if t.deadline <= now {
		t.expireLocked()
		return true
	}
	t.stopLocked()
	gen := t.gen
	t.timer = time.AfterFunc(t.deadline-now, func() { t.fire(gen) })
	return false
}

// expireLocked records the expiry at t.deadline (which has passed): one
// more expiry; a one-shot timer is done, a periodic one waits to be
// forwarded.
func (t *TimerFD) expireLocked() {
	t.expiries++
	if t.interval > 0 {
		t.expired = true
	} else {
		t.deadline = 0
	}
	close(t.changed)
	t.changed = make(chan struct{})
}

// forwardLocked counts the periods an expired periodic timer has passed
// since its last expiry and arms it for the next one after now (Linux's
// hrtimer_forward_now on read). The new deadline is always after now.
func (t *TimerFD) forwardLocked(now time.Duration) {
	if !t.expired {
		return
	}
	t.expired = false
	n := max(now-t.deadline, 0) / t.interval
	t.expiries += uint64(n)
	t.deadline += (n + 1) * t.interval
	t.armLocked(now)
}

// catchUpLocked expires a timer whose deadline has passed while its Go
// timer callback has not run yet (the callback can lag behind the clock by
// a scheduling delay): what a reader sees follows the clock, not the
// callback's punctuality. It reports an expiry (the caller notifies).
func (t *TimerFD) catchUpLocked(now time.Duration) bool {
	if t.deadline == 0 || t.expired || t.deadline > now {
		return false
	}
	t.stopLocked()
	t.expireLocked()
	return true
}

// fire is the Go timer's callback for generation gen.
func (t *TimerFD) fire(gen int) {
	t.mu.Lock()
	if gen != t.gen || t.deadline == 0 || t.expired {
		t.mu.Unlock()
		return
	}
	t.timer = nil
	// The timer's clock may be behind the Go timer's (a realtime clock
	// set back): then it is not due yet, and is armed again.
	fired := t.armLocked(t.clock())
	t.mu.Unlock()
	if fired {
		t.queue.Notify(abi.POLLIN)
	}
}

func (t *TimerFD) Read(c *vfs.Caller, f *vfs.File, dst []byte, off int64) (int, error) {
	if len(dst) < 8 {
		return 0, abi.EINVAL
	}
	for {
		t.mu.Lock()
		now := t.clock()
		t.catchUpLocked(now)
		if t.expiries > 0 {
			t.forwardLocked(now)
			binary.LittleEndian.PutUint64(dst, t.expiries)
			t.expiries = 0
			t.mu.Unlock()
			return 8, nil
		}
		ch := t.changed
		t.mu.Unlock()
		if f.Nonblocking() {
			return 0, abi.EAGAIN
		}
		if err := c.Block(ch, -1); err != nil {
			return 0, err
		}
	}
}

func (t *TimerFD) Readiness(f *vfs.File, mask uint32) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.catchUpLocked(t.clock())
	if t.expiries > 0 {
		return mask & (abi.POLLIN | abi.POLLRDNORM)
	}
	return 0
}

func (t *TimerFD) EventQueue() *vfs.Queue { return &t.queue }

func (t *TimerFD) Release(f *vfs.File) {
	t.mu.Lock()
	t.stopLocked()
	t.mu.Unlock()
}

// FDInfo implements vfs.FDInfoer: the counter, as /proc/<pid>/fdinfo shows it.
func (e *EventFD) FDInfo() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return fmt.Sprintf("eventfd-count: %16x\n", e.count)
}
