package task

import "aramid/kernel/mm"

// Robust futexes (Linux's Documentation/locking/robust-futexes): a thread
// registers a list of the robust mutexes it holds; when it dies, the kernel
// marks each one whose owner field is its TID as FUTEX_OWNER_DIED and wakes
// a waiter, so the next locker gets EOWNERDEAD instead of hanging.

const (
	futexWaiters    = 0x80000000
	futexOwnerDied  = 0x40000000
	futexTIDMask    = 0x3fffffff
	robustListLimit = 2048 // entries walked at most, as Linux bounds it
)

// exitRobustList walks the thread's robust list at exit.
func (t *Task) exitRobustList() {
	t.mu.Lock()
	head := t.robustList
	t.robustList = 0
	t.mu.Unlock()
	m := t.MM()
	if head == 0 || m == nil {
		return
	}
	// struct robust_list_head { next; long futex_offset; list_op_pending; }
	next, err := m.ReadUint64(head)
	if err != nil {
		return
	}
	off, err := m.ReadUint64(head + 8)
	if err != nil {
		return
	}
	pending, err := m.ReadUint64(head + 16)
	if err != nil {
		return
	}
	entry := next
	for i := 0; entry != head && i < robustListLimit; i++ {
		after, err := m.ReadUint64(entry &^ 1)
		if err != nil {
			return
		}
		if entry != pending {
			t.futexDied(m, (entry&^1)+off, entry&1 != 0)
		}
		entry = after
	}
	if pending != 0 {
		t.futexDied(m, (pending&^1)+off, pending&1 != 0)
	}
}

// futexDied hands the robust mutex word at addr on if this thread owned it.
func (t *Task) futexDied(m *mm.MM, addr uint64, pi bool) {
	for tries := 0; tries < 16; tries++ {
		v, err := m.ReadUint32(addr)
		if err != nil || v&futexTIDMask != uint32(t.ID) {
			return
		}
		nv := v&futexWaiters | futexOwnerDied
		got, err := m.CompareAndSwapUint32(addr, v, nv)
		if err != nil {
			return
		}
		if got != v {
			continue // changed under us: look again
		}
		if !pi && v&futexWaiters != 0 {
			t.k.futexes.wake(m, addr, 1, ^uint32(0), false) // shared, as Linux's handle_futex_death
		}
		return
	}
}
