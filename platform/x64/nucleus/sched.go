package nucleus

import "unsafe"

// Kernel threads back the Go runtime's M's. A thread's state while it runs
// Go code is the live CPU; while it is inside the nucleus (a syscall, a
// preemption) its trapFrame sits at the top of its nucleus stack and, if it
// was switched out, its saved stack pointer is in ksp. Switching threads is
// switching nucleus stacks.

const (
	threadFree = iota
	threadRunnable
	threadRunning
	threadBlocked
	threadDead
)

// Why a blocked thread woke.
const (
	wakeNone = iota
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
}

var (
	threads   [maxThreads]thread
	nextTID   int32 = 1
	schedLock spinlock
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
	t.tid = nextTID
	nextTID++
	t.fpuSaved = false
	t.next = -1
	t.waitKey = 0
	t.wakeAt = 0
	t.altSP, t.altSize, t.altFlags = 0, 0, 2 // SS_DISABLE
	return idx
}

// enqueue makes thread i runnable on this CPU.
//
//go:nosplit
func enqueue(i int32) {
	c := thisCPU()
	t := threadAt(i)
	t.state = threadRunnable
	t.next = -1
	if c.runTail < 0 {
		c.runHead = i
	} else {
		threadAt(c.runTail).next = i
	}
	c.runTail = i
}

//go:nosplit
func dequeue() int32 {
	c := thisCPU()
	i := c.runHead
	if i >= 0 {
		c.runHead = threadAt(i).next
		if c.runHead < 0 {
			c.runTail = -1
		}
	}
	return i
}

// schedule switches to the next runnable thread, or to the idle thread. The
// caller has already put the current thread in its new state (runnable and
// queued, blocked, or dead). It returns when the current thread runs again.
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
		return
	}
	switchTo(prev, next)
}

//go:nosplit
func switchTo(prev, next int32) {
	c := thisCPU()
	p, n := threadAt(prev), threadAt(next)
	n.state = threadRunning
	c.current = next
	c.kstackTop = n.kstackTop
	c.sliceEnd = sinceBoot() + sliceNs
	c.tss.setRSP0(n.kstackTop)
	if n.fsBase != p.fsBase {
		wrmsr(msrFSBase, n.fsBase)
	}
	switchStacks(&p.ksp, n.ksp)
	// Running again as prev.
	cur := current()
	if cur.fpuSaved {
		cur.fpuSaved = false
		xrstor(cur.xsaveArea)
	}
}

// block parks the current thread until wake(key) or the deadline (sinceBoot
// ns, 0 = none) and reports why it woke.
//
//go:nosplit
func block(key uintptr, deadline int64) uint32 {
	t := current()
	t.state = threadBlocked
	t.waitKey = key
	t.wakeAt = deadline
	t.woke = wakeNone
	schedule()
	t.waitKey = 0
	t.wakeAt = 0
	return t.woke
}

// wake makes up to n threads blocked on key runnable, in slot order, and
// returns how many it woke.
//
//go:nosplit
func wake(key uintptr, n int) int {
	woken := 0
	for i := int32(0); i < maxThreads && woken < n; i++ {
		t := threadAt(i)
		if t.state == threadBlocked && t.waitKey == key && key != 0 {
			t.woke = wakeSignalled
			t.waitKey = 0
			enqueue(i)
			woken++
		}
	}
	return woken
}

// wakeExpired runs on every tick: sleepers whose deadline passed become
// runnable.
//
//go:nosplit
func wakeExpired(now int64) {
	for i := int32(0); i < maxThreads; i++ {
		t := threadAt(i)
		if t.state == threadBlocked && t.wakeAt != 0 && t.wakeAt <= now {
			t.woke = wakeTimeout
			t.wakeAt = 0
			enqueue(i)
		}
	}
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
	enqueue(thisCPU().current)
	schedule()
}

// idleLoop is the idle thread: halt until an interrupt makes a thread
// runnable.
//
//go:nosplit
func idleLoop() {
	c := thisCPU()
	for {
		if c.runHead >= 0 {
			next := dequeue()
			switchTo(c.idle, next)
			continue
		}
		stiHlt()
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
