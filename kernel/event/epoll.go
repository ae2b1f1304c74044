package event

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// Epoll is an epoll instance. Watched files are identified by (file, fd),
// as Linux does; the instance holds a reference to each watched file.
//
// Items are level-triggered (reported while ready), edge-triggered
// (EPOLLET: reported once per wake-up of the file) or exclusive
// (EPOLLEXCLUSIVE: the file wakes the exclusive watchers one at a time, so
// an item is reported only after its own wake-up, and then while it stays
// ready, as Linux's ready list does).
type Epoll struct {
	vfs.FileDefaults
	mu     sync.Mutex
	items  map[itemKey]*item
	order  []*item // registration order, for fairness in reporting
	waiter *vfs.Waiter
	queue  vfs.Queue // this epoll's own readiness (it can be watched too)
	// sleepers counts threads blocked in Wait: an exclusive wake-up is
	// taken only by an instance someone sleeps on.
	sleepers atomic.Int32
	// parents are the epoll instances watching this one, with how many
	// items they have for it (for the nesting depth check).
	parents map[*Epoll]int
}

// Nesting limits (Linux's EP_MAX_NESTS) and the epoll_wait bound
// (EP_MAX_EVENTS: INT_MAX / sizeof(struct epoll_event)).
const (
	MaxNests  = 4
	MaxEvents = (1<<31 - 1) / 12
)

// nestMu serialises adding epoll instances to epoll instances (Linux's
// epnested_mutex), so the loop and depth checks see a stable graph. It is
// taken before any Epoll.mu.
var nestMu sync.Mutex

// exclusiveOK are the event bits EPOLLEXCLUSIVE may come with.
const exclusiveOK = abi.EPOLLIN | abi.EPOLLOUT | abi.EPOLLERR | abi.EPOLLHUP | abi.EPOLLWAKEUP | abi.EPOLLET | abi.EPOLLEXCLUSIVE

type itemKey struct {
	f  *vfs.File
	fd int32
}

type item struct {
	key      itemKey
	events   uint32
	data     uint64
	disabled bool        // one-shot fired
	ready    bool        // exclusive: woken, or reported and still ready
	w        *vfs.Waiter // child of the epoll's waiter: this file notified
	q        *vfs.Queue
}

// NewEpoll returns an empty epoll instance.
func NewEpoll() *Epoll {
	e := &Epoll{items: map[itemKey]*item{}, waiter: vfs.NewWaiter()}
	return e
}

// Ctl implements epoll_ctl for file f open as fd. events has what the
// caller asked for; EPOLLERR and EPOLLHUP are always added, as Linux does.
func (e *Epoll) Ctl(op int, fd int32, f *vfs.File, events uint32, data uint64) error {
	if f.Impl == vfs.FileImpl(e) {
		return abi.EINVAL
	}
	child, nested := f.Impl.(*Epoll)
	if op == abi.EPOLL_CTL_ADD || op == abi.EPOLL_CTL_MOD {
		if events&abi.EPOLLEXCLUSIVE != 0 &&
			(op == abi.EPOLL_CTL_MOD || nested || events&^exclusiveOK != 0) {
			return abi.EINVAL
		}
		events |= abi.EPOLLERR | abi.EPOLLHUP
	}
	if nested && op == abi.EPOLL_CTL_ADD {
		nestMu.Lock()
		defer nestMu.Unlock()
		if !e.nestOK(child) {
			return abi.ELOOP
		}
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
		if nested {
			child.mu.Lock()
			if child.parents == nil {
				child.parents = map[*Epoll]int{}
			}
			child.parents[e]++
			child.mu.Unlock()
		}
		if it.q != nil {
			if events&abi.EPOLLEXCLUSIVE != 0 {
				it.q.RegisterExclusive(it.w, events, func() bool { return e.sleepers.Load() > 0 })
			} else {
				it.q.Register(it.w, events)
			}
		}
		// A file ready at registration is reported, ET included, as
		// Linux's ep_insert puts it on the ready list; one that is not
		// gets no pending edge (with another CPU writing meanwhile, a
		// stale edge would report that write twice).
		if e.readyNow(it) {
			it.ready = true
			it.w.Notify()
		}
	case abi.EPOLL_CTL_MOD:
		if it == nil {
			return abi.ENOENT
		}
		if it.events&abi.EPOLLEXCLUSIVE != 0 {
			return abi.EINVAL
		}
		it.events, it.data, it.disabled = events, data, false
		if it.q != nil {
			it.q.Register(it.w, events)
		}
		if e.readyNow(it) { // ep_modify: queued again only if ready
			it.w.Notify()
		}
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

// nestOK is Linux's ep_loop_check for adding child to e: no path from
// child back to e (a loop), and the longest chain of instances through
// the new edge at most MaxNests deep. nestMu is held.
func (e *Epoll) nestOK(child *Epoll) bool {
	down, loop := child.depthDown(e, 0)
	return !loop && down <= MaxNests && down+1+e.depthUp(0) <= MaxNests
}

// depthDown returns the longest chain of epoll instances below ep (0 for
// none), and whether target is among them.
func (ep *Epoll) depthDown(target *Epoll, depth int) (int, bool) {
	if depth > MaxNests+1 {
		return depth, false // deep enough to fail; stop walking
	}
	ep.mu.Lock()
	var kids []*Epoll
	for _, it := range ep.order {
		if c, ok := it.key.f.Impl.(*Epoll); ok {
			kids = append(kids, c)
		}
	}
	ep.mu.Unlock()
	best := depth
	for _, c := range kids {
		if c == target {
			return best, true
		}
		d, loop := c.depthDown(target, depth+1)
		if loop {
			return d, true
		}
		best = max(best, d)
	}
	return best, false
}

// depthUp returns the longest chain of epoll instances watching ep.
func (ep *Epoll) depthUp(depth int) int {
	if depth > MaxNests+1 {
		return depth
	}
	ep.mu.Lock()
	var ps []*Epoll
	for p := range ep.parents {
		ps = append(ps, p)
	}
	ep.mu.Unlock()
	best := depth
	for _, p := range ps {
		best = max(best, p.depthUp(depth+1))
	}
	return best
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
	if c, ok := it.key.f.Impl.(*Epoll); ok {
		c.mu.Lock()
		if c.parents[e]--; c.parents[e] <= 0 {
			delete(c.parents, e)
		}
		c.mu.Unlock()
	}
	it.key.f.DecRef()
}

// Event is one reported readiness.
type Event struct {
	Events uint32
	Data   uint64
	it     *item
}

// Unsend puts back events that could not be delivered (the copy to user
// memory failed), as Linux returns them to the ready list: edge-triggered
// and exclusive items stay pending, one-shot items armed.
func (e *Epoll) Unsend(evs []Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range evs {
		if it := ev.it; it != nil && e.items[it.key] == it {
			it.disabled = false
			it.ready = true
			it.w.Notify()
		}
	}
}

// readyNow reports whether it's file has any of its events now.
func (e *Epoll) readyNow(it *item) bool {
	mask := it.events & pollMask
	return it.key.f.Readiness(mask)&mask != 0
}

// pollMask is the readiness bits an item can report.
const pollMask = abi.POLLIN | abi.POLLOUT | abi.POLLPRI | abi.POLLERR | abi.POLLHUP |
	abi.POLLRDNORM | abi.POLLRDBAND | abi.POLLWRNORM | abi.POLLWRBAND | abi.POLLMSG | abi.POLLRDHUP

// collect gathers up to max ready events.
func (e *Epoll) collect(out []Event, max int) []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	out = out[:0]
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
		} else if it.events&abi.EPOLLEXCLUSIVE != 0 {
			// Exclusive: on the ready list once woken, kept there while
			// ready.
			select {
			case <-it.w.C():
				it.ready = true
			default:
			}
			if !it.ready {
				continue
			}
		}
		mask := it.events & pollMask
		r := it.key.f.Readiness(mask) & mask
		if r == 0 {
			it.ready = false
			continue
		}
		out = append(out, Event{Events: r, Data: it.data, it: it})
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
// (negative: forever; zero: poll). The events are appended to buf[:0]
// (which may be nil), so a caller can keep them off the heap.
func (e *Epoll) Wait(c *vfs.Caller, buf []Event, max int, timeout time.Duration) ([]Event, error) {
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
		if ev := e.collect(buf, max); len(ev) > 0 || timeout == 0 {
			return ev, nil
		}
		wait := time.Duration(-1)
		if timeout > 0 {
			if wait = time.Until(deadline); wait <= 0 {
				return nil, nil
			}
		}
		e.sleepers.Add(1)
		err := c.Block(e.waiter.C(), wait)
		e.sleepers.Add(-1)
		if err != nil {
			if err == abi.ETIMEDOUT {
				return nil, nil
			}
			return nil, abi.EINTR
		}
	}
}

// Readiness: an epoll file is readable when epoll_wait on it would report
// something (Linux: its ready list holds a ready item). An edge-triggered
// item counts only after a wake-up not yet reported, as collect sees it: a
// file that is merely ready (a pipe with data already reported,
// /proc/self/mountinfo, which is always readable) does not make the epoll
// readable, or a watcher of it would spin (libmount's mount monitor puts
// mountinfo in its epoll with EPOLLET, and systemd watches that epoll).
func (e *Epoll) Readiness(f *vfs.File, mask uint32) uint32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, it := range e.order {
		if it.disabled {
			continue
		}
		if it.events&abi.EPOLLET != 0 {
			select {
			case <-it.w.C():
				it.w.Notify() // still pending: the next collect reports it
			default:
				continue
			}
		} else if it.events&abi.EPOLLEXCLUSIVE != 0 {
			select {
			case <-it.w.C():
				it.ready = true
			default:
			}
			if !it.ready {
				continue
			}
		}
		if it.key.f.Readiness(it.events|abi.POLLERR|abi.POLLHUP) != 0 {
			return mask & abi.POLLIN
		}
	}
	return 0
}

func (e *Epoll) EventQueue() *vfs.Queue { return &e.queue }

// FDInfo implements vfs.FDInfoer: a "tfd:" line per item, as Linux's
// ep_show_fdinfo.
func (e *Epoll) FDInfo() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var b strings.Builder
	for _, it := range e.order {
		var ino, dev uint64
		if st, err := it.key.f.Stat(); err == nil {
			ino, dev = st.Ino, st.Dev
		}
		fmt.Fprintf(&b, "tfd: %8d events: %8x data: %16x  pos:%d ino:%x sdev:%x\n",
			it.key.fd, it.events, it.data, it.key.f.Offset(), ino, dev)
	}
	return b.String()
}

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
