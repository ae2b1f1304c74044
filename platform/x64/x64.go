// Package x64 implements kernel/machine on the nucleus: physical frames from
// its page allocator, user page tables that share the kernel half, and user
// contexts that run in ring 3 through (*nucleus.UserContext).Run.
package x64

import (
	"runtime"
	"time"
	"unsafe"

	"aramid/kernel/machine"
	"aramid/platform/x64/nucleus"
)

// Platform is the x86-64 machine.
type Platform struct{}

var (
	_ machine.Platform = Platform{}
	_ machine.CPUs     = Platform{}
	_ machine.Placer   = (*context)(nil)
)

// NumCPUs implements machine.CPUs: every CPU the nucleus started runs
// threads.
func (Platform) NumCPUs() int { return nucleus.NumCPUs() }

func (Platform) AllocFrame() (machine.Frame, error) {
	pa := nucleus.AllocFrame()
	if pa == 0 {
		return 0, machine.ErrNoMemory
	}
	return machine.Frame(pa), nil
}

func (Platform) FreeFrame(f machine.Frame) { nucleus.FreeFrame(uint64(f)) }

func (Platform) FrameData(f machine.Frame) []byte { return nucleus.Frame(uint64(f)) }

func (Platform) NewPageTable() (machine.PageTable, error) {
	root := nucleus.NewAddressSpace()
	if root == 0 {
		return nil, machine.ErrNoMemory
	}
	return &pageTable{root: root}, nil
}

func (Platform) NewContext() machine.Context {
	c := &context{}
	c.uc.Init()
	// With one CPU running threads, the CPU may hold this context's x87
	// registers (and write them back into it) after the thread is gone:
	// disown before the memory goes.
	runtime.SetFinalizer(c, func(c *context) { c.uc.ReleaseFPU() })
	return c
}

type pageTable struct {
	root     uint64
	released bool
}

func (p *pageTable) Map(va uint64, f machine.Frame, perm machine.Perm) error {
	if !nucleus.MapUser(p.root, uintptr(va), uint64(f), int(perm)) {
		return machine.ErrNoMemory
	}
	return nil
}

func (p *pageTable) Unmap(va uint64) (machine.Frame, bool) {
	pa, ok := nucleus.UnmapUser(p.root, uintptr(va))
	return machine.Frame(pa), ok
}

// NextMapped implements machine.SparsePageTable.
func (p *pageTable) NextMapped(va uint64) uint64 {
	if va >= 1<<47 {
		return va
	}
	return uint64(nucleus.NextUser(p.root, uintptr(va)))
}

// NextPresent implements machine.PresentScanner.
func (p *pageTable) NextPresent(va, end uint64) (uint64, machine.Frame, machine.Perm, bool) {
	if va >= 1<<47 {
		return 0, 0, 0, false
	}
	at, pa, perm, ok := nucleus.NextPresentUser(p.root, uintptr(va), uintptr(end))
	return uint64(at), machine.Frame(pa), machine.Perm(perm), ok
}

func (p *pageTable) Lookup(va uint64) (machine.Frame, machine.Perm, bool) {
	pa, perm, ok := nucleus.LookupUser(p.root, uintptr(va))
	return machine.Frame(pa), machine.Perm(perm), ok
}

// TablePages counts the page-table pages (mm.TablePager).
func (p *pageTable) TablePages() int {
	if p.released {
		return 0
	}
	return nucleus.TablePages(p.root)
}

func (p *pageTable) Release() {
	if !p.released {
		p.released = true
		nucleus.FreeAddressSpace(p.root)
	}
}

// context is a user thread. The register block of nucleus.UserContext has
// machine.Regs's layout (checked by TestRegsLayout).
type context struct {
	uc nucleus.UserContext
}

func (c *context) Regs() *machine.Regs { return (*machine.Regs)(unsafe.Pointer(&c.uc.R15)) }

func (c *context) FPU() []byte { return c.uc.FPUState() }

func (c *context) CopyFrom(o machine.Context) {
	if oc, ok := o.(*context); ok {
		c.uc.CopyFrom(&oc.uc)
		return
	}
	*c.Regs() = *o.Regs()
	copy(c.FPU(), o.FPU())
}

func (c *context) RestoreAll() { c.uc.FullRestore = 1 }

func (c *context) SetIDs(pid, tid int32) { c.uc.PID, c.uc.TID = uint64(pid), uint64(tid) }

// Place implements machine.Placer.
func (c *context) Place(mask uint64, cpu int) {
	c.uc.CPUMask = mask & (1<<nucleus.NumCPUs() - 1) // none left: any
	c.uc.WantCPU = 0
	if cpu >= 0 {
		c.uc.WantCPU = uint64(cpu) + 1
	}
}

func (c *context) Switch(pt machine.PageTable) machine.Event {
	c.uc.CR3 = pt.(*pageTable).root
	for {
		c.uc.Run()
		if c.uc.Vector != nucleus.VectorCPU {
			break
		}
		// Refused: on a CPU outside the mask, move (the M waits for one
		// inside it); on an allowed CPU other than the one the thread
		// was told of, tell it.
		if m := c.uc.CPUMask; m == 0 || m&(1<<c.uc.CPU) != 0 {
			return machine.Event{Kind: machine.EventCPU, CPU: int(c.uc.CPU)}
		}
		nucleus.MoveTo(c.uc.CPUMask)
	}
	user, kern := time.Duration(c.uc.UserTime()), time.Duration(c.uc.KernelTime())
	cpu := int(c.uc.CPU)
	switch v := c.uc.Vector; {
	case v == nucleus.VectorSyscall:
		return machine.Event{Kind: machine.EventSyscall, User: user, Kernel: kern, CPU: cpu}
	case v < 32:
		return machine.Event{Kind: machine.EventFault, Vector: v, ErrorCode: c.uc.ErrorCode, Addr: c.uc.FaultAddr, User: user, Kernel: kern, CPU: cpu}
	default:
		return machine.Event{Kind: machine.EventInterrupt, Vector: v, User: user, Kernel: kern, CPU: cpu}
	}
}
