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
type TimerFD struct {
	vfs.FileDefaults
	clock func() time.Duration // the timer's clock (monotonic or realtime as ns)

	mu       sync.Mutex
	expiries uint64
	deadline time.Duration // 0: disarmed
	interval time.Duration
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
// timer's clock. It returns the previous remaining time and interval.
func (t *TimerFD) Set(value, interval time.Duration, abs bool) (oldValue, oldInterval time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	oldValue, oldInterval = t.remainingLocked(), t.interval
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
	t.gen++
	t.expiries = 0
	t.interval = interval
	if value == 0 {
		t.deadline = 0
		return
	}
	if !abs {
		value += t.clock()
	}
	t.deadline = value
	t.scheduleLocked()
	return
}

// Get returns the remaining time and interval.
func (t *TimerFD) Get() (value, interval time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.remainingLocked(), t.interval
}

func (t *TimerFD) remainingLocked() time.Duration {
	if t.deadline == 0 {
		return 0
	}
	return max(t.deadline-t.clock(), 1)
}

func (t *TimerFD) scheduleLocked() {
	gen := t.gen
	t.timer = time.AfterFunc(max(t.deadline-t.clock(), 0), func() { t.fire(gen) })
}

func (t *TimerFD) fire(gen int) {
	t.mu.Lock()
	if gen != t.gen || t.deadline == 0 {
		t.mu.Unlock()
		return
	}
	now := t.clock()
	if t.interval > 0 {
		n := uint64((now-t.deadline)/t.interval) + 1
		t.expiries += n
		t.deadline += time.Duration(n) * t.interval
		t.scheduleLocked()
	} else {
		t.expiries++
		t.deadline = 0
	}
	close(t.changed)
	t.changed = make(chan struct{})
	t.mu.Unlock()
	t.queue.Notify(abi.POLLIN)
}

func (t *TimerFD) Read(c *vfs.Caller, f *vfs.File, dst []byte, off int64) (int, error) {
	if len(dst) < 8 {
		return 0, abi.EINVAL
	}
	for {
		t.mu.Lock()
		if t.expiries > 0 {
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
	if t.expiries > 0 {
		return mask & (abi.POLLIN | abi.POLLRDNORM)
	}
	return 0
}

func (t *TimerFD) EventQueue() *vfs.Queue { return &t.queue }

func (t *TimerFD) Release(f *vfs.File) {
	t.mu.Lock()
	if t.timer != nil {
		t.timer.Stop()
	}
	t.gen++
	t.mu.Unlock()
}

// FDInfo implements vfs.FDInfoer: the counter, as /proc/<pid>/fdinfo shows it.
func (e *EventFD) FDInfo() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return fmt.Sprintf("eventfd-count: %16x\n", e.count)
}
