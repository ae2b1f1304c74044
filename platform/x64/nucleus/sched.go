package nucleus

import (
	"sync/atomic"
	"unsafe"
)

// Kernel threads back the Go runtime's M's. A thread's state while it runs
// Go code is the live CPU; while it is inside the nucleus (a syscall, a
// preemption) its trapFrame sits at the top of its nucleus stack and, if it
// was switched out, its saved stack pointer is in ksp. Switching threads is
// switching nucleus stacks.
//
// Every CPU that was started runs threads (smpActive): one run queue is
// shared by all CPUs, and the thread table, the queue and every thread's
// state, waitKey and wakeAt change only under schedLock. A switch holds
// schedLock across switchStacks: the CPU leaving a thread is still on that
// thread's stack until the switch is done, so the lock is released by the
// thread switched to (after switchStacks returns in switchTo, or first
// thing in threadStart and idleStart), and no other CPU can pick the old
// thread up before its stack pointer is saved. A CPU with nothing to run
// sits in its idle thread's STI;HLT with its bit set in idleMask; making a
// thread runnable sends one such CPU vectorResched.

const (
	threadFree = iota
	threadRunnable
	threadRunning
	threadBlocked
	threadDead
)

// Why a blocked thread woke.
const (
	wakeNone = iota // did not block: the condition no longer held
	wakeSignalled
	wakeTimeout
)

type thread struct {
	state     uint32
	tid       int32
	ksp       uintptr // saved nucleus stack pointer while switched out
	kstackTop uintptr
	fsBase    uint64
	xsaveArea uintptr // XSAVE image while preempted (direct-map address)
	fpuSaved  bool
	next      int32   // run-queue link
	waitKey   uintptr // what a blocked thread waits for
	wakeAt    int64   // deadline (sinceBoot ns); 0 = none
	woke      uint32  // wake reason
	sigmask   uint64
	altSP     uint64 // sigaltstack
	altSize   uint64
	altFlags  uint64
	// affinity, when not 0, is the CPUs (bit per CPU) the thread may be
	// run on while it moves (migrateTo); 0 is any.
	affinity uint32
}

var (
	threads   [maxThreads]thread
	nextTID   int32 = 1
	schedLock spinlock
	// The run queue shared by every CPU (thread indices, -1 = empty),
	// under schedLock; runHead is read without it only as a hint.
	runHead int32 = -1
	runTail int32 = -1
	// idleMask has bit i set while CPU i is in its idle loop with
	// nothing to run (it is cleared by the CPU itself or by a waker that
	// sends it vectorResched).
	idleMask uint32
	// nextWake is the earliest deadline of a blocked thread (0: none), so
	// that a tick scans the table only when a deadline may have passed.
	// Written under schedLock, read by ticks without it.
	nextWake int64
	// schedFence is the target of kickIdle's locked instruction.
	schedFence uint32
)

//go:nosplit
func threadAt(i int32) *thread { return &threads[uint32(i)%maxThreads] }

//go:nosplit
func current() *thread { return threadAt(thisCPU().current) }

// newThread claims a slot with a nucleus stack. It returns -1 when none is
// free.
//
//go:nosplit
func newThread() int32 {
	schedLock.lock()
	idx := int32(-1)
	for i := int32(0); i < maxThreads; i++ {
		t := threadAt(i)
		if t.state == threadFree || t.state == threadDead {
			if t.state == threadDead && t.kstackTop == 0 {
				continue
			}
			idx = i
			t.state = threadBlocked // reserved; not yet runnable
			t.waitKey = 0
			t.wakeAt = 0
			t.tid = nextTID
			nextTID++
			break
		}
	}
	schedLock.unlock()
	if idx < 0 {
		return -1
	}
	t := threadAt(idx)
	if t.kstackTop == 0 {
		t.kstackTop = allocStack(nucleusStackPages)
		t.xsaveArea = phys2virt(mustAllocPage())
	}
	t.fpuSaved = false
	t.next = -1
	t.affinity = 0
	t.altSP, t.altSize, t.altFlags = 0, 0, 2 // SS_DISABLE
	return idx
}

// enqueue makes thread i runnable at the back of the run queue and, when a
// CPU other than this one is idle, sends it vectorResched (schedLock held).
//
//go:nosplit
func enqueue(i int32) {
	t := threadAt(i)
	t.state = threadRunnable
	t.next = -1
	if runTail < 0 {
		runHead = i
	} else {
		threadAt(runTail).next = i
	}
	runTail = i
	kickIdle(t.affinity)
}

// kickIdle wakes one idle CPU other than this one among those in aff (0:
// any), if there is one, to take the work just queued. A thread that may
// run only on busy CPUs other than this one makes the first of them
// preempt its Go code at once (vectorResched) rather than at its next
// slice's end.
//
//go:nosplit
func kickIdle(aff uint32) {
	// The queue's update must be visible before idleMask is read: an
	// idle CPU sets its bit (a locked instruction) before it looks at
	// the queue, so one of the two sees the other.
	atomic.AddUint32(&schedFence, 1)
	me := uint32(1) << (thisCPU().id & 31)
	for {
		all := atomic.LoadUint32(&idleMask)
		m := all &^ me
		if aff != 0 {
			m &= aff
		}
		if m == 0 {
			if aff != 0 && aff&me == 0 {
				id := lowestBit(aff)
				if id < atomic.LoadUint32(&cpusRunning) {
					sendIPI(cpus[id&(maxCPUs-1)].apicID, vectorResched)
				}
			}
			return
		}
		bit := m & -m
		if atomic.CompareAndSwapUint32(&idleMask, all, all&^bit) {
			sendIPI(cpus[lowestBit(bit)&(maxCPUs-1)].apicID, vectorResched)
			return
		}
	}
}

// lowestBit returns the index of m's lowest set bit (m != 0).
//
//go:nosplit
func lowestBit(m uint32) uint32 {
	id := uint32(0)
	for id < 31 && m&(1<<id) == 0 {
		id++
	}
	return id
}

// dequeue takes the first runnable thread this CPU may run, or -1
// (schedLock held).
//
//go:nosplit
func dequeue() int32 {
	bit := uint32(1) << (thisCPU().id & 31)
	prev := int32(-1)
	i := runHead
	for n := 0; i >= 0 && n < maxThreads; n++ {
		t := threadAt(i)
		if t.affinity == 0 || t.affinity&bit != 0 {
			if prev < 0 {
				runHead = t.next
			} else {
				threadAt(prev).next = t.next
			}
			if runTail == i {
				runTail = prev
			}
			t.next = -1
			return i
		}
		prev = i
		i = t.next
	}
	return -1
}

// migrateTo moves the calling thread to one of the CPUs in mask (bit per
// CPU) unless it is on one already: it waits in the run queue for one of
// them (sched_setaffinity from MoveTo).
//
//go:nosplit
func migrateTo(mask uint64) int64 {
	mask &= 1<<atomic.LoadUint32(&cpusRunning) - 1
	if mask == 0 {
		return -errEINVAL
	}
	c := thisCPU()
	if mask&(1<<(c.id&63)) != 0 {
		return 0
	}
	t := current()
	schedLock.lock()
	t.affinity = uint32(mask)
	enqueue(c.current)
	schedule()
	// Here on a CPU in mask (dequeue saw to it).
	t.affinity = 0
	return 0
}

// schedule switches to the next runnable thread, or to the idle thread. The
// caller holds schedLock and has already put the current thread in its new
// state (runnable and queued, blocked, or dead). It returns, with
// schedLock released, when the current thread runs again.
//
//go:nosplit
func schedule() {
	c := thisCPU()
	prev := c.current
	next := dequeue()
	if next < 0 {
		next = c.idle
	}
	if next == prev {
		threadAt(prev).state = threadRunning
		schedLock.unlock()
		return
	}
	switchTo(prev, next)
}

// switchTo runs next in place of prev on this CPU (schedLock held; it is
// released by whichever thread runs next, and held again by whoever
// switches back to prev, which releases it here).
//
//go:nosplit
func switchTo(prev, next int32) {
	c := thisCPU()
	p, n := threadAt(prev), threadAt(next)
	n.state = threadRunning
	c.current = next
	c.kstackTop = n.kstackTop
	c.sliceEnd = sinceBoot() + sliceNs
	c.tss.setRSP0(n.kstackTop)
	if n.fsBase != c.fsBase {
		wrmsr(msrFSBase, n.fsBase)
		c.fsBase = n.fsBase
	}
	switchStacks(&p.ksp, n.ksp)
	// Running again as prev, possibly on another CPU.
	schedLock.unlock()
	cur := current()
	if cur.fpuSaved {
		cur.fpuSaved = false
		xrstor(cur.xsaveArea)
	}
}

// afterSwitch is where a thread's first run starts (threadStart,
// idleStart): it releases the schedLock its switcher held.
//
//go:nosplit
func afterSwitch() { schedLock.unlock() }

// block parks the current thread until wake(key) or the deadline (sinceBoot
// ns, 0 = none) and reports why it woke.
//
//go:nosplit
func block(key uintptr, deadline int64) uint32 {
	return blockIf(key, deadline, nil, 0)
}

// blockIf is block that does not block (and returns wakeNone) when cond
// is set and *cond != val, checked under schedLock: a waker that changes
// *cond before it calls wake(key) either makes the check fail or finds
// the thread blocked, so no wake-up is lost between CPUs.
//
//go:nosplit
func blockIf(key uintptr, deadline int64, cond *uint32, val uint32) uint32 {
	t := current()
	schedLock.lock()
	if cond != nil && atomic.LoadUint32(cond) != val {
		schedLock.unlock()
		return wakeNone
	}
	t.state = threadBlocked
	t.waitKey = key
	t.wakeAt = deadline
	t.woke = wakeNone
	if deadline != 0 && (nextWake == 0 || deadline < nextWake) {
		atomic.StoreInt64(&nextWake, deadline)
	}
	schedule()
	return t.woke
}

// wake makes up to n threads blocked on key runnable, in slot order, and
// returns how many it woke.
//
//go:nosplit
func wake(key uintptr, n int) int {
	if key == 0 {
		return 0
	}
	woken := 0
	schedLock.lock()
	for i := int32(0); i < maxThreads && woken < n; i++ {
		t := threadAt(i)
		if t.state == threadBlocked && t.waitKey == key {
			t.woke = wakeSignalled
			t.waitKey = 0
			t.wakeAt = 0
			enqueue(i)
			woken++
		}
	}
	schedLock.unlock()
	return woken
}

// wakeExpired runs on every tick of every CPU: sleepers whose deadline
// passed become runnable.
//
//go:nosplit
func wakeExpired(now int64) {
	if w := atomic.LoadInt64(&nextWake); w == 0 || w > now {
		return
	}
	schedLock.lock()
	earliest := int64(0)
	for i := int32(0); i < maxThreads; i++ {
		t := threadAt(i)
		if t.state != threadBlocked || t.wakeAt == 0 {
			continue
		}
		if t.wakeAt <= now {
			t.woke = wakeTimeout
			t.wakeAt = 0
			t.waitKey = 0
			enqueue(i)
		} else if earliest == 0 || t.wakeAt < earliest {
			earliest = t.wakeAt
		}
	}
	atomic.StoreInt64(&nextWake, earliest)
	schedLock.unlock()
}

// yield puts the current thread at the back of the run queue and runs the
// next one (sched_yield).
//
//go:nosplit
func yield() {
	schedLock.lock()
	enqueue(thisCPU().current)
	schedule()
}

// preempt is trapSlow's answer to a timer tick that ended the slice of a
// thread running Go code: its FPU state is saved (all of it but x87, which
// Go code never touches and which belongs to cpu.x87Owner; the frame below
// holds X0-X15 as they were), it goes to the back of the queue, and another
// thread runs.
//
//go:nosplit
func preempt() {
	t := current()
	xsave(t.xsaveArea)
	t.fpuSaved = true
	yield()
}

// idleLoop is the idle thread: take a runnable thread, or halt until an
// interrupt (a tick, a device, vectorResched) may have made one.
//
//go:nosplit
func idleLoop() {
	c := thisCPU()
	bit := uint32(1) << (c.id & 31)
	for {
		atomic.OrUint32(&idleMask, bit)
		if atomic.LoadInt32(&runHead) >= 0 {
			schedLock.lock()
			next := dequeue()
			if next >= 0 {
				atomic.AndUint32(&idleMask, ^bit)
				switchTo(c.idle, next)
				continue
			}
			schedLock.unlock()
		}
		t0 := sinceBoot()
		stiHlt()
		atomic.AddInt64(&c.idleNs, sinceBoot()-t0)
	}
}

// prepareStack lays out a switched-out nucleus stack for thread t whose
// first switch-in returns to ret (with BP = 0), leaving room for a trapFrame
// above it when withFrame is set. It returns the frame's address.
//
//go:nosplit
func prepareStack(t *thread, ret uintptr, withFrame bool) uintptr {
	top := t.kstackTop
	frame := top
	if withFrame {
		frame = top - unsafe.Sizeof(trapFrame{})
	}
	sp := frame - 16
	*ptr64(sp) = 0               // BP popped by switchStacks
	*ptr64(sp + 8) = uint64(ret) // return address
	t.ksp = sp
	return frame
}

// threadsInit makes the boot thread (the first M) and this CPU's idle
// thread.
//
//go:nosplit
func threadsInit() {
	c := thisCPU()
	boot := newThread()
	if boot < 0 {
		fatal("no thread slot for the boot thread")
	}
	b := threadAt(boot)
	b.state = threadRunning
	b.fsBase = uint64(uintptr(unsafe.Pointer(&bootTLS[1])))
	c.fsBase = b.fsBase
	c.current = boot
	c.kstackTop = b.kstackTop
	c.tss.setRSP0(b.kstackTop)
	c.sliceEnd = sliceNs

	idle := newThread()
	if idle < 0 {
		fatal("no thread slot for the idle thread")
	}
	it := threadAt(idle)
	it.tid = 0 // the idle thread is not a runtime M
	nextTID--
	it.fsBase = b.fsBase
	prepareStack(it, idleStartAddr(), false)
	it.state = threadBlocked // never queued: schedule falls back to it
	c.idle = idle
}
