package nucleus

import "sync/atomic"

// TLB shootdowns. A page-table entry that was present and changes (unmap,
// a narrower protection, a copy-on-write break, the runtime giving heap
// pages back) may still be cached by another CPU's TLB, which would keep
// reading or writing the old frame. The CPU that changed the entry asks
// every other CPU that may cache it to flush, with vectorTLB, and waits for
// each to answer before the change counts as done (before the frame can be
// freed and reused).
//
// Who may cache what: the kernel half is in every address space, so a
// kernel change goes to every running CPU. A user translation lives only
// in the TLB of a CPU whose CR3 is that address space (no PCIDs: a CR3
// write drops every non-global entry, and user entries are never global),
// so a user change goes to the CPUs whose cpu.cr3 is the root. A CPU
// answering a user request leaves that address space for the kernel's
// tables (the next ring-3 entry loads it again), so later changes to an
// address space its threads have left cost no more IPIs.
//
// Each (target, sender) pair has a mailbox: the sender fills in its
// request, bumps seq and sends the IPI; the target carries it out and
// stores seq in its cpu.tlbSeen[sender]. A sender waits with interrupts
// off but serves its own mailboxes while it waits, so two CPUs shooting at
// each other cannot deadlock. A shootdown is never started with a
// spinlock held.

type tlbRequest struct {
	seq  uint32
	root uint64  // address space, or 0 for the kernel half
	va   uintptr // first page (kernel half only)
	n    uintptr // pages (kernel half only)
}

var (
	// tlbReqs[target][sender] is the mailbox of a sender's request.
	tlbReqs [maxCPUs][maxCPUs]tlbRequest
	// tlbFence is the target of a locked instruction that orders the
	// caller's page-table stores before its reads of other CPUs' cr3.
	tlbFence uint32
	// tlbSent counts shootdown IPIs sent, for the tests' report.
	tlbSent uint64
)

// vectorTLB asks a CPU to flush translations (tlbService).
const vectorTLB = 0xf2

// shootdownKernel makes every other running CPU drop its translations of
// the kernel pages [va, va+n*pageSize). This CPU's own entries are the
// caller's business (invlpg as it changes them).
//
//go:nosplit
func shootdownKernel(va, n uintptr) { shootdown(0, va, n) }

// shootdownUser makes every other CPU that has root loaded leave it (and
// so drop its translations).
//
//go:nosplit
func shootdownUser(root uint64) { shootdown(root, 0, 0) }

//go:nosplit
func shootdown(root uint64, va, n uintptr) {
	started := atomic.LoadUint32(&cpusRunning)
	if started <= 1 {
		return
	}
	flags := readRFLAGS()
	cli()
	atomic.AddUint32(&tlbFence, 1) // page-table stores before the cr3 reads
	me := thisCPU().id & (maxCPUs - 1)
	var sent uint32
	for i := uint32(0); i < started && i < maxCPUs; i++ {
		c := &cpus[i]
		if i == me || (root != 0 && atomic.LoadUint64(&c.cr3) != root) {
			continue
		}
		r := &tlbReqs[i][me]
		r.root, r.va, r.n = root, va, n
		atomic.StoreUint32(&r.seq, r.seq+1)
		sendIPI(c.apicID, vectorTLB)
		sent |= 1 << i
		atomic.AddUint64(&tlbSent, 1)
	}
	for i := uint32(0); i < maxCPUs; i++ {
		if sent&(1<<i) == 0 {
			continue
		}
		want := tlbReqs[i][me].seq
		for atomic.LoadUint32(&cpus[i].tlbSeen[me]) != want {
			tlbService()
			pause()
		}
	}
	if flags&rflagsIF != 0 {
		sti()
	}
}

// tlbService carries out the requests waiting in this CPU's mailboxes
// (interrupts off): from vectorTLB, and from a sender's wait loop.
//
//go:nosplit
func tlbService() {
	c := thisCPU()
	me := c.id & (maxCPUs - 1)
	for s := uint32(0); s < maxCPUs; s++ {
		r := &tlbReqs[me][s]
		seq := atomic.LoadUint32(&r.seq)
		if seq == c.tlbSeen[s] {
			continue
		}
		if r.root == 0 {
			if r.n > 64 {
				flushAll()
			} else {
				for p := uintptr(0); p < r.n; p++ {
					invlpg(r.va + p*pageSize)
				}
			}
		} else if c.cr3 == r.root {
			// Interrupts were on where this CPU was (Go code, ring 3,
			// the idle halt), so nothing is in the middle of using
			// the user half: leave it.
			loadCR3(uint64(kernelPML4))
		}
		atomic.StoreUint32(&c.tlbSeen[s], seq)
	}
}

// loadCR3 switches this CPU to the page table root, keeping cpu.cr3.
//
//go:nosplit
func loadCR3(root uint64) {
	c := thisCPU()
	atomic.StoreUint64(&c.cr3, root)
	writeCR3(root)
}

// flushAll drops every translation this CPU caches, global ones included
// (toggling CR4.PGE).
//
//go:nosplit
func flushAll() {
	cr4 := readCR4()
	writeCR4(cr4 &^ cr4PGE)
	writeCR4(cr4)
}
