package task

import (
	"sync"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/machine"
	"aramid/kernel/mm"
)

// Futexes are keyed as Linux keys them: a futex word in private memory by
// its address space and address (a copy-on-write split of the page, after
// a fork, changes its frame but not its key), one in shared memory
// (MAP_SHARED, across fork or processes) by the physical frame and offset.
// Linux also keys every FUTEX_PRIVATE_FLAG futex by address space; here a
// private-flagged futex in shared memory is keyed by frame, which differs
// only when another process wakes it (Linux would not).

type futexKey struct {
	mm    *mm.MM // private memory: the address space, with addr
	addr  uint64
	frame machine.Frame // shared memory: the frame, with off
	off   uint64
	// private separates FUTEX_PRIVATE_FLAG operations from shared ones
	// on the same word, as Linux's keys do (a private wait is not woken
	// by a shared wake).
	private bool
}

type futexWaiter struct {
	key    futexKey
	bitset uint32
	ch     chan struct{}
	woken  bool
	// vec is the futex_waitv wait this waiter is one futex of (nil for a
	// plain wait): its waiters share ch, closed by the first wake.
	vec *futexVec
}

// futexVec is one futex_waitv call's state, under futexTable.mu.
type futexVec struct{ closed bool }

// wakeLocked marks w woken and releases its waiting task; ft.mu is held.
func (w *futexWaiter) wakeLocked() {
	w.woken = true
	if w.vec == nil {
		close(w.ch)
	} else if !w.vec.closed {
		w.vec.closed = true
		close(w.ch)
	}
}

type futexTable struct {
	mu      sync.Mutex
	waiters map[futexKey][]*futexWaiter
}

func (ft *futexTable) init() { ft.waiters = map[futexKey][]*futexWaiter{} }

// keyFor resolves addr to its key, faulting the page in for reading. A
// FUTEX_PRIVATE_FLAG operation is keyed by address space and address
// whatever the mapping (Linux's get_futex_key with fshared false).
func keyFor(m *mm.MM, addr uint64, private bool) (futexKey, error) {
	if addr&3 != 0 {
		return futexKey{}, abi.EINVAL
	}
	f, shared, err := m.FutexFrame(addr)
	if err != nil {
		return futexKey{}, abi.EFAULT
	}
	if private || !shared {
		return futexKey{mm: m, addr: addr, private: private}, nil
	}
	return futexKey{frame: f, off: addr & (machine.PageSize - 1)}, nil
}

// FutexWait blocks while *addr == val until woken (with a bitset match),
// the timeout (negative: none; an absolute deadline is converted by the
// caller) or a signal.
func (t *Task) FutexWait(addr uint64, val uint32, bitset uint32, timeout time.Duration, private bool) error {
	if bitset == 0 {
		return abi.EINVAL
	}
	ft := &t.k.futexes
	m := t.MM()
	ft.mu.Lock()
	key, err := keyFor(m, addr, private)
	if err != nil {
		ft.mu.Unlock()
		return err
	}
	cur, err := m.ReadUint32(addr)
	if err != nil {
		ft.mu.Unlock()
		return abi.EFAULT
	}
	if cur != val {
		ft.mu.Unlock()
		return abi.EAGAIN
	}
	w := &futexWaiter{key: key, bitset: bitset, ch: make(chan struct{})}
	ft.waiters[key] = append(ft.waiters[key], w)
	ft.mu.Unlock()

	err = t.Block(w.ch, timeout)
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if w.woken {
		return nil
	}
	ft.removeLocked(w)
	if err == abi.ERESTARTSYS {
		return abi.ERESTARTSYS
	}
	return err
}

func (ft *futexTable) removeLocked(w *futexWaiter) {
	ws := ft.waiters[w.key]
	for i, o := range ws {
		if o == w {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(ft.waiters, w.key)
	} else {
		ft.waiters[w.key] = ws
	}
}

func (ft *futexTable) wakeKeyLocked(key futexKey, n int, bitset uint32) int {
	woken := 0
	ws := ft.waiters[key]
	kept := ws[:0]
	for _, w := range ws {
		if woken < n && w.bitset&bitset != 0 {
			w.wakeLocked()
			woken++
			continue
		}
		kept = append(kept, w)
	}
	if len(kept) == 0 {
		delete(ft.waiters, key)
	} else {
		ft.waiters[key] = kept
	}
	return woken
}

func (ft *futexTable) wake(m *mm.MM, addr uint64, n int, bitset uint32, private bool) (int, error) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	key, err := keyFor(m, addr, private)
	if err != nil {
		return 0, err
	}
	return ft.wakeKeyLocked(key, n, bitset), nil
}

// FutexWake wakes up to n waiters on addr whose bitset intersects bitset.
func (t *Task) FutexWake(addr uint64, n int, bitset uint32, private bool) (int, error) {
	if bitset == 0 {
		return 0, abi.EINVAL
	}
	return t.k.futexes.wake(t.MM(), addr, n, bitset, private)
}

// FutexRequeue wakes n waiters on addr and moves up to n2 others to addr2;
// with check, *addr must equal val (FUTEX_CMP_REQUEUE).
func (t *Task) FutexRequeue(addr, addr2 uint64, n, n2 int, check bool, val uint32, private bool) (int, error) {
	ft := &t.k.futexes
	m := t.MM()
	ft.mu.Lock()
	defer ft.mu.Unlock()
	k1, err := keyFor(m, addr, private)
	if err != nil {
		return 0, err
	}
	k2, err := keyFor(m, addr2, private)
	if err != nil {
		return 0, err
	}
	if check {
		cur, err := m.ReadUint32(addr)
		if err != nil {
			return 0, abi.EFAULT
		}
		if cur != val {
			return 0, abi.EAGAIN
		}
	}
	woken := ft.wakeKeyLocked(k1, n, ^uint32(0))
	moved := 0
	ws := ft.waiters[k1]
	kept := ws[:0]
	for _, w := range ws {
		if moved < n2 {
			w.key = k2
			ft.waiters[k2] = append(ft.waiters[k2], w)
			moved++
			continue
		}
		kept = append(kept, w)
	}
	if len(kept) == 0 {
		delete(ft.waiters, k1)
	} else {
		ft.waiters[k1] = kept
	}
	return woken + moved, nil
}

// FutexWakeOp implements FUTEX_WAKE_OP: atomically apply op to *addr2, wake
// n on addr, and n2 on addr2 if the old value passes the comparison.
func (t *Task) FutexWakeOp(addr, addr2 uint64, n, n2 int, op uint32, private bool) (int, error) {
	ft := &t.k.futexes
	m := t.MM()
	ft.mu.Lock()
	defer ft.mu.Unlock()
	k1, err := keyFor(m, addr, private)
	if err != nil {
		return 0, err
	}
	k2, err := keyFor(m, addr2, private)
	if err != nil {
		return 0, err
	}
	old, err := m.ReadUint32(addr2)
	if err != nil {
		return 0, abi.EFAULT
	}
	opcode, cmp := op>>28&7, op>>24&15
	oparg, cmparg := op>>12&0xfff, op&0xfff
	if op>>28&8 != 0 {
		oparg = 1 << (oparg & 31)
	}
	var nv uint32
	switch opcode {
	case 0:
		nv = oparg
	case 1:
		nv = old + oparg
	case 2:
		nv = old | oparg
	case 3:
		nv = old &^ oparg
	case 4:
		nv = old ^ oparg
	default:
		return 0, abi.ENOSYS
	}
	if err := m.WriteUint32(addr2, nv); err != nil {
		return 0, abi.EFAULT
	}
	woken := ft.wakeKeyLocked(k1, n, ^uint32(0))
	var ok bool
	switch cmp {
	case 0:
		ok = old == cmparg
	case 1:
		ok = old != cmparg
	case 2:
		ok = int32(old) < int32(cmparg)
	case 3:
		ok = int32(old) <= int32(cmparg)
	case 4:
		ok = int32(old) > int32(cmparg)
	case 5:
		ok = int32(old) >= int32(cmparg)
	default:
		return 0, abi.ENOSYS
	}
	if ok {
		woken += ft.wakeKeyLocked(k2, n2, ^uint32(0))
	}
	return woken, nil
}

// FutexWaitv waits on several 32-bit futexes at once (futex_waitv): if
// any word differs from its expected value it fails with EAGAIN; otherwise
// it blocks until one is woken, the timeout (negative: none) or a signal,
// and returns the index of the futex that was woken (the highest, when
// several were).
func (t *Task) FutexWaitv(addrs []uint64, vals []uint32, private []bool, timeout time.Duration) (int, error) {
	ft := &t.k.futexes
	m := t.MM()
	ft.mu.Lock()
	keys := make([]futexKey, len(addrs))
	for i, a := range addrs {
		k, err := keyFor(m, a, private[i])
		if err != nil {
			ft.mu.Unlock()
			return 0, err
		}
		keys[i] = k
	}
	for i, a := range addrs {
		cur, err := m.ReadUint32(a)
		if err != nil {
			ft.mu.Unlock()
			return 0, abi.EFAULT
		}
		if cur != vals[i] {
			ft.mu.Unlock()
			return 0, abi.EAGAIN
		}
	}
	ch := make(chan struct{})
	vec := &futexVec{}
	ws := make([]*futexWaiter, len(addrs))
	for i := range addrs {
		w := &futexWaiter{key: keys[i], bitset: ^uint32(0), ch: ch, vec: vec}
		ft.waiters[w.key] = append(ft.waiters[w.key], w)
		ws[i] = w
	}
	ft.mu.Unlock()

	err := t.Block(ch, timeout)
	ft.mu.Lock()
	defer ft.mu.Unlock()
	woken := -1
	for i, w := range ws {
		if w.woken {
			woken = i
		} else {
			ft.removeLocked(w)
		}
	}
	if woken >= 0 {
		return woken, nil
	}
	return 0, err
}
