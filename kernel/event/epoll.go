package event

import (
	"sync"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// Epoll is an epoll instance. Watched files are identified by (file, fd),
// as Linux does; the instance holds a reference to each watched file.
type Epoll struct {
	vfs.FileDefaults
	mu     sync.Mutex
	items  map[itemKey]*item
	order  []*item // registration order, for fairness in reporting
	waiter *vfs.Waiter
	queue  vfs.Queue // this epoll's own readiness (it can be watched too)
}

type itemKey struct {
	f  *vfs.File
	fd int32
}

type item struct {
	key      itemKey
	events   uint32
	data     uint64
	disabled bool        // one-shot fired
	w        *vfs.Waiter // child of the epoll's waiter: this file notified
	q        *vfs.Queue
}

// NewEpoll returns an empty epoll instance.
func NewEpoll() *Epoll {
	e := &Epoll{items: map[itemKey]*item{}, waiter: vfs.NewWaiter()}
	return e
}

// Ctl implements epoll_ctl for file f open as fd.
func (e *Epoll) Ctl(op int, fd int32, f *vfs.File, events uint32, data uint64) error {
	if f.Impl == vfs.FileImpl(e) {
		return abi.EINVAL
	}
	if _, ok := f.Impl.(*Epoll); ok && op == abi.EPOLL_CTL_ADD {
		// Nesting is allowed by Linux; loops are not detected here.
	}
	k := itemKey{f, fd}
	e.mu.Lock()
	defer e.mu.Unlock()
	it := e.items[k]
	switch op {
	case abi.EPOLL_CTL_ADD:
		if it != nil {
			return abi.EEXIST
		}
		it = &item{key: k, events: events, data: data, q: f.EventQueue(), w: vfs.NewChildWaiter(e.waiter)}
		f.IncRef()
		e.items[k] = it
		e.order = append(e.order, it)
		if it.q != nil {
			it.q.Register(it.w, events|abi.POLLERR|abi.POLLHUP)
		}
		it.w.Notify() // a file ready at registration is reported, ET included
	case abi.EPOLL_CTL_MOD:
		if it == nil {
			return abi.ENOENT
		}
		it.events, it.data, it.disabled = events, data, false
		if it.q != nil {
			it.q.Register(it.w, events|abi.POLLERR|abi.POLLHUP)
		}
		it.w.Notify()
	case abi.EPOLL_CTL_DEL:
		if it == nil {
			return abi.ENOENT
		}
		e.removeLocked(it)
	default:
		return abi.EINVAL
	}
	e.waiter.Notify()
	e.queue.Notify(abi.POLLIN)
	return nil
}

func (e *Epoll) removeLocked(it *item) {
	delete(e.items, it.key)
	for i, o := range e.order {
		if o == it {
			e.order = append(e.order[:i], e.order[i+1:]...)
			break
		}
	}
	if it.q != nil {
		it.q.Unregister(it.w)
	}
	it.key.f.DecRef()
}

// Event is one reported readiness.
type Event struct {
	Events uint32
	Data   uint64
}

// collect gathers up to max ready events.
func (e *Epoll) collect(max int) []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Event
	for _, it := range e.order {
		if len(out) >= max {
			break
		}
		if it.disabled {
			continue
		}
		if it.events&abi.EPOLLET != 0 {
			// Edge-triggered: only a file that notified since the last
			// report is reported, as Linux reports each wake-up once.
			select {
			case <-it.w.C():
			default:
				continue
			}
		}
		mask := it.events | abi.POLLERR | abi.POLLHUP
		r := it.key.f.Readiness(mask) & mask
		if r == 0 {
			continue
		}
		out = append(out, Event{Events: r, Data: it.data})
		if it.events&abi.EPOLLONESHOT != 0 {
			it.disabled = true
		}
	}
	// Rotate so that a busy early item does not starve later ones.
	if len(out) > 0 && len(out) == max && len(e.order) > 1 {
		e.order = append(e.order[1:], e.order[0])
	}
	return out
}

// Wait implements epoll_wait: up to max events, waiting up to timeout
// (negative: forever; zero: poll).
func (e *Epoll) Wait(c *vfs.Caller, max int, timeout time.Duration) ([]Event, error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		// Drain stale notifications before checking, so none is lost.
		select {
		case <-e.waiter.C():
		default:
		}
		if ev := e.collect(max); len(ev) > 0 || timeout == 0 {
			return ev, nil
		}
		wait := time.Duration(-1)
		if timeout > 0 {
			if wait = time.Until(deadline); wait <= 0 {
				return nil, nil
			}
		}
		if err := c.Block(e.waiter.C(), wait); err != nil {
			if err == abi.ETIMEDOUT {
				return nil, nil
			}
			return nil, abi.EINTR
		}
	}
}

// Readiness: an epoll file is readable when any watched item is ready.
func (e *Epoll) Readiness(f *vfs.File, mask uint32) uint32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, it := range e.order {
		if !it.disabled && it.key.f.Readiness(it.events|abi.POLLERR|abi.POLLHUP) != 0 {
			return mask & abi.POLLIN
		}
	}
	return 0
}

func (e *Epoll) EventQueue() *vfs.Queue { return &e.queue }

// Release drops every watched file.
func (e *Epoll) Release(f *vfs.File) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, it := range append([]*item(nil), e.order...) {
		e.removeLocked(it)
	}
}

// Forget removes registrations of fd (when the descriptor is closed and
// the file's last descriptor in this table is gone, Linux drops the item).
func (e *Epoll) Forget(f *vfs.File) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, it := range append([]*item(nil), e.order...) {
		if it.key.f == f {
			e.removeLocked(it)
		}
	}
}
