package vfs

import "sync"

// Waiter is one sleeper's notification channel. It can be registered on
// several queues at once (poll, epoll).
type Waiter struct {
	c      chan struct{}
	parent *Waiter
	// fn, when set, is called with the events instead of waking a
	// channel (O_ASYNC, fown.go). It runs after the queue's lock is
	// released.
	fn func(events uint32)
}

// NewWaiter returns a waiter with a one-slot channel.
func NewWaiter() *Waiter { return &Waiter{c: make(chan struct{}, 1)} }

// C returns the channel to pass to Blocker.Block. It receives one value
// after any number of notifications since the last receive.
func (w *Waiter) C() <-chan struct{} { return w.c }

// NewChildWaiter returns a waiter whose notifications also wake parent:
// epoll keeps one per watched file, to tell which file changed, while it
// sleeps on the parent.
func NewChildWaiter(parent *Waiter) *Waiter {
	return &Waiter{c: make(chan struct{}, 1), parent: parent}
}

// Notify wakes the waiter (and its parent) without blocking.
func (w *Waiter) Notify() {
	select {
	case w.c <- struct{}{}:
	default:
	}
	if w.parent != nil {
		w.parent.Notify()
	}
}

// Queue is a set of waiters interested in readiness events (POLL* bits).
// The zero value is ready to use.
type Queue struct {
	mu      sync.Mutex
	waiters map[*Waiter]uint32
	// exclusive waiters are woken one at a time, in registration order
	// (EPOLLEXCLUSIVE), after every other waiter.
	exclusive []exclusiveWaiter
}

type exclusiveWaiter struct {
	w      *Waiter
	mask   uint32
	active func() bool
}

// RegisterExclusive adds w as an exclusive waiter: an event wakes the
// exclusive waiters in the order they came until one whose active reports
// true (someone is there to take it) has been woken, as Linux's
// exclusive wake-ups do.
func (q *Queue) RegisterExclusive(w *Waiter, mask uint32, active func() bool) {
	q.mu.Lock()
	q.exclusive = append(q.exclusive, exclusiveWaiter{w, mask, active})
	q.mu.Unlock()
}

// Register adds w, interested in the events of mask, to the queue.
func (q *Queue) Register(w *Waiter, mask uint32) {
	q.mu.Lock()
	if q.waiters == nil {
		q.waiters = make(map[*Waiter]uint32)
	}
	q.waiters[w] = mask
	q.mu.Unlock()
}

// Unregister removes w.
func (q *Queue) Unregister(w *Waiter) {
	q.mu.Lock()
	delete(q.waiters, w)
	for i, x := range q.exclusive {
		if x.w == w {
			q.exclusive = append(q.exclusive[:i:i], q.exclusive[i+1:]...)
			break
		}
	}
	q.mu.Unlock()
}

// Notify wakes every waiter whose mask intersects events.
func (q *Queue) Notify(events uint32) {
	var calls []func()
	q.mu.Lock()
	for w, m := range q.waiters {
		if m&events != 0 {
			if w.fn != nil {
				fn, ev := w.fn, m&events
				calls = append(calls, func() { fn(ev) })
				continue
			}
			w.Notify()
		}
	}
	for _, x := range q.exclusive {
		if x.mask&events != 0 {
			x.w.Notify()
			if x.active() {
				break
			}
		}
	}
	q.mu.Unlock()
	for _, call := range calls {
		call()
	}
}

// NotifyAsync runs only the O_ASYNC callbacks interested in events, for
// the calls after which Linux signals fasync owners without waking
// pollers (a pipe write that found no room).
func (q *Queue) NotifyAsync(events uint32) {
	var calls []func()
	q.mu.Lock()
	for w, m := range q.waiters {
		if m&events != 0 && w.fn != nil {
			fn, ev := w.fn, m&events
			calls = append(calls, func() { fn(ev) })
		}
	}
	q.mu.Unlock()
	for _, call := range calls {
		call()
	}
}
