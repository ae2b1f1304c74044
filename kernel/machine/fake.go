package machine

import "sync"

// Fake is an in-memory Platform for host tests. Its contexts run a Go
// function in place of user code (see FakeContext.Program).
type Fake struct {
	mu     sync.Mutex
	frames map[Frame][]byte
	next   Frame
	// Limit, if non-zero, caps the number of frames in use.
	Limit int
}

// NewFake returns an empty fake machine.
func NewFake() *Fake { return &Fake{frames: map[Frame][]byte{}, next: 0x100000} }

func (f *Fake) AllocFrame() (Frame, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Limit > 0 && len(f.frames) >= f.Limit {
		return 0, ErrNoMemory
	}
	fr := f.next
	f.next += PageSize
	f.frames[fr] = make([]byte, PageSize)
	return fr, nil
}

func (f *Fake) FreeFrame(fr Frame) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.frames[fr]; !ok {
		panic("machine.Fake: double free of a frame")
	}
	delete(f.frames, fr)
}

func (f *Fake) FrameData(fr Frame) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.frames[fr]
}

// FramesInUse reports how many frames are allocated (leak checks).
func (f *Fake) FramesInUse() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.frames)
}

func (f *Fake) NewPageTable() (PageTable, error) {
	return &FakePageTable{m: map[uint64]fakePTE{}}, nil
}

func (f *Fake) NewContext() Context { return &FakeContext{} }

type fakePTE struct {
	f Frame
	p Perm
}

// FakePageTable is a map from page to frame.
type FakePageTable struct {
	mu       sync.Mutex
	m        map[uint64]fakePTE
	Released bool
}

func (t *FakePageTable) Map(va uint64, f Frame, p Perm) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.m[va] = fakePTE{f, p}
	return nil
}

func (t *FakePageTable) Unmap(va uint64) (Frame, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[va]
	delete(t.m, va)
	return e.f, ok
}

func (t *FakePageTable) Lookup(va uint64) (Frame, Perm, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[va]
	return e.f, e.p, ok
}

func (t *FakePageTable) Release() { t.Released = true }

// NextMapped implements SparsePageTable: the lowest mapped page at or
// after va (a scan of the map: the fake holds few pages), or ^0 when none.
func (t *FakePageTable) NextMapped(va uint64) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	next := ^uint64(0)
	for k := range t.m {
		if k >= va && k < next {
			next = k
		}
	}
	return next
}

// Mapped reports how many pages are mapped.
func (t *FakePageTable) Mapped() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

// FakeContext runs Program in place of user code: each Switch calls it with
// the registers and page table and returns the event it gives.
type FakeContext struct {
	R       Regs
	F       [512]byte
	Program func(r *Regs, pt PageTable) Event
}

func (c *FakeContext) Regs() *Regs { return &c.R }
func (c *FakeContext) FPU() []byte { return c.F[:] }
func (c *FakeContext) Switch(pt PageTable) Event {
	if c.Program == nil {
		return Event{Kind: EventFault, Vector: 6} // #UD: nothing to run
	}
	return c.Program(&c.R, pt)
}
func (c *FakeContext) SetIDs(pid, tid int32) {}
func (c *FakeContext) RestoreAll()           {}

func (c *FakeContext) CopyFrom(o Context) {
	c.R = *o.Regs()
	copy(c.F[:], o.FPU())
	if fo, ok := o.(*FakeContext); ok {
		c.Program = fo.Program
	}
}
