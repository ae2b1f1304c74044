// Package mm implements user address spaces: virtual memory areas (VMAs),
// mmap/munmap/mprotect/mremap/brk/madvise, demand paging, copy-on-write
// fork, and copying to and from user memory.
//
// An MM owns its VMAs and its page table. Frames are reference-counted in a
// Frames value shared by every MM, so copy-on-write pages and MAP_SHARED
// pages are freed when their last mapping goes.
//
// Locking: MM.mu guards the VMAs and the page table; Frames.mu guards the
// reference counts and is taken inside MM.mu, never the other way round.
// Nothing here blocks while holding a lock.
package mm

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"

	"aramid/kernel/abi"
	"aramid/kernel/machine"
)

const (
	pageSize  = machine.PageSize
	pageMask  = pageSize - 1
	pageShift = 12

	// UserTop is the end of the user address space (47-bit, minus a guard
	// page, as on Linux).
	UserTop = 0x7ffffffff000
	// mmapTop is where top-down mmap placement starts, below the stack.
	mmapTop = 0x7ffff7fff000
	// mmapMin is the lowest address mmap hands out (vm.mmap_min_addr).
	mmapMin = 0x10000
)

// Mappable is a file as a source of page contents.
type Mappable interface {
	io.ReaderAt
}

// Holder is a Mappable that wants to know how many mappings refer to it:
// every VMA holds it once (Hold when the VMA is made or copied by a split,
// fork or mremap; Release when it goes), so a mapped file stays open after
// its descriptor is closed and is let go with its last mapping, as on
// Linux. Release may run with the address space locked.
type Holder interface {
	Hold()
	Release()
}

// PageMapper is a Mappable whose pages are frames of its own: MAP_SHARED
// mappings map them directly instead of copying, so writes through any
// mapping or write(2) are seen by all. MapPage returns the frame at file
// offset off (page-aligned) without taking a reference for the caller; an
// error means no page there (past the end of the file: SIGBUS).
type PageMapper interface {
	Mappable
	MapPage(off uint64) (machine.Frame, error)
}

// AllocPage and PutPage let a filesystem keep file pages in reference-
// counted frames (tmpfs.PageSource).
func (fs *Frames) AllocPage() (uint64, *[pageSize]byte, error) {
	f, err := fs.alloc()
	if err != nil {
		return 0, nil, err
	}
	return uint64(f), (*[pageSize]byte)(fs.Mem.FrameData(f)), nil
}

func (fs *Frames) PutPage(f uint64) { fs.put(machine.Frame(f)) }

// Frames reference-counts user frames across address spaces.
type Frames struct {
	Mem  machine.Memory
	mu   sync.Mutex
	refs map[machine.Frame]int32
	// mms is every live address space, for InvalidateFrom (invalidate.go).
	mmMu sync.Mutex
	mms  map[*MM]struct{}
}

// NewFrames returns an empty frame table over mem.
func NewFrames(mem machine.Memory) *Frames {
	return &Frames{Mem: mem, refs: map[machine.Frame]int32{}}
}

func (fs *Frames) alloc() (machine.Frame, error) {
	f, err := fs.Mem.AllocFrame()
	if err != nil {
		return 0, err
	}
	fs.mu.Lock()
	fs.refs[f] = 1
	fs.mu.Unlock()
	return f, nil
}

func (fs *Frames) get(f machine.Frame) {
	fs.mu.Lock()
	fs.refs[f]++
	fs.mu.Unlock()
}

func (fs *Frames) put(f machine.Frame) {
	fs.mu.Lock()
	n := fs.refs[f] - 1
	if n <= 0 {
		delete(fs.refs, f)
	} else {
		fs.refs[f] = n
	}
	fs.mu.Unlock()
	if n <= 0 {
		fs.Mem.FreeFrame(f)
	}
}

func (fs *Frames) count(f machine.Frame) int32 {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.refs[f]
}

// InUse reports how many frames are referenced.
func (fs *Frames) InUse() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.refs)
}

// sharedPages backs a MAP_SHARED anonymous mapping: its pages are shared by
// every VMA (in any MM) made from the same mmap call.
type sharedPages struct {
	mu    sync.Mutex
	pages map[uint64]machine.Frame // page index → frame (holding one reference)
	refs  int                      // VMAs pointing here
}

// VMA is a virtual memory area.
type VMA struct {
	Start, End uint64
	Perm       machine.Perm
	Shared     bool
	GrowsDown  bool
	File       Mappable // nil for anonymous memory
	Offset     uint64   // file offset of Start
	Name       string   // path, "[heap]", "[stack]", ...
	Dev, Inode uint64   // for /proc/pid/maps
	// WriteDenied marks a shared mapping of a file not open for writing:
	// mprotect may not add PROT_WRITE (EACCES).
	WriteDenied bool
	// Flags is Linux's per-VMA state that mlock, madvise and fork act on
	// (VM_LOCKED, VM_DONTCOPY, VM_SPECIAL ...).
	Flags  VMFlags
	shared *sharedPages
}

// VMFlags are the vm_flags bits this kernel keeps per VMA.
type VMFlags uint32

const (
	// VMLocked is VM_LOCKED: mlock, mlockall, MAP_LOCKED. The pages are
	// faulted in (unless VMLockOnFault) and counted in VmLck; nothing is
	// ever paged out here anyway.
	VMLocked VMFlags = 1 << iota
	// VMLockOnFault is VM_LOCKONFAULT (MLOCK_ONFAULT, MCL_ONFAULT): locked,
	// but pages come in only when touched.
	VMLockOnFault
	// VMDontCopy is VM_DONTCOPY (MADV_DONTFORK): fork leaves it out of the
	// child.
	VMDontCopy
	// VMWipeOnFork is VM_WIPEONFORK (MADV_WIPEONFORK): the child gets the
	// mapping empty (zero pages).
	VMWipeOnFork
	// VMDontDump is VM_DONTDUMP (MADV_DONTDUMP).
	VMDontDump
	// VMSeqRead and VMRandRead are the readahead hints (MADV_SEQUENTIAL,
	// MADV_RANDOM); VMMergeable is MADV_MERGEABLE (KSM, whose daemon is
	// off, as it is by default on Linux); VMHugePage and VMNoHugePage are
	// MADV_HUGEPAGE and MADV_NOHUGEPAGE (transparent huge pages are
	// "never" here). They are recorded and change nothing else.
	VMSeqRead
	VMRandRead
	VMMergeable
	VMHugePage
	VMNoHugePage
	// VMSpecial is VM_SPECIAL (VM_DONTEXPAND, VM_PFNMAP, ...): the
	// kernel's own mappings (vvar, vDSO), which mlock leaves alone.
	VMSpecial
	// VMPFNMap is VM_PFNMAP|VM_IO: kernel pages mapped raw (the vvar
	// page). madvise's page dropping refuses it.
	VMPFNMap
)

func (v *VMA) fileOffset(addr uint64) uint64 { return v.Offset + (addr - v.Start) }

// MM is one user address space.
type MM struct {
	mu       sync.Mutex
	plat     machine.Platform
	frames   *Frames
	pt       *table
	vmas     []*VMA // sorted by Start, non-overlapping
	brkStart uint64
	brk      uint64
	released bool
	// exe is the program this address space runs, whose writes it denies
	// for as long as it lives (SetExe).
	exe ExeFile

	// Membarrier is the process's membarrier(2) registrations (a bit per
	// MEMBARRIER_CMD_REGISTER_*): they belong to the address space, are
	// copied by fork and start empty after exec.
	Membarrier atomic.Uint32

	// limitFn gives the soft resource limits (see limits.go).
	limitFn func(resource int) uint64
	// defFlags are the flags new mappings get (mm->def_flags: VMLocked
	// and VMLockOnFault after mlockall(MCL_FUTURE)).
	defFlags VMFlags
}

// MaxRSS returns the peak number of resident pages (Linux's hiwater_rss).
func (m *MM) MaxRSS() int64 { return m.pt.hiwater.Load() }

// New returns an empty address space.
func New(p machine.Platform, frames *Frames) (*MM, error) {
	pt, err := p.NewPageTable()
	if err != nil {
		return nil, err
	}
	m := &MM{plat: p, frames: frames, pt: &table{PageTable: pt}}
	m.pt.scan, _ = pt.(machine.PresentScanner)
	frames.register(m)
	return m, nil
}

// PageTable is the hardware page table to run threads on.
func (m *MM) PageTable() machine.PageTable { return m.pt.PageTable }

// Release unmaps everything and frees the page table. The MM must not be
// used afterwards.
func (m *MM) Release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.released {
		return
	}
	m.releaseLocked()
}

// ExeFile is a program's file as an address space holds it: writing it is
// denied while any address space runs it (Linux's exe_file with
// deny_write_access), so opening it for writing is ETXTBSY.
type ExeFile interface {
	DenyWriteAccess() error
	AllowWriteAccess()
}

// SetExe records the program the address space runs; the caller has
// already denied writes to it once for this address space, and Release
// gives that back.
func (m *MM) SetExe(f ExeFile) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.exe = f
}

// hold takes the references one more VMA with v's source needs.
func (v *VMA) hold() {
	if v.shared != nil {
		v.shared.mu.Lock()
		v.shared.refs++
		v.shared.mu.Unlock()
	}
	if h, ok := v.File.(Holder); ok {
		h.Hold()
	}
}

// dropVMA gives up what v holds: its share of anonymous shared pages and
// its file.
func (m *MM) dropVMA(v *VMA) {
	if h, ok := v.File.(Holder); ok {
		h.Release()
	}
	if v.shared != nil {
		v.shared.mu.Lock()
		v.shared.refs--
		if v.shared.refs == 0 {
			for _, f := range v.shared.pages {
				m.frames.put(f)
			}
			v.shared.pages = nil
		}
		v.shared.mu.Unlock()
	}
}

// unmapPages removes page-table entries in [start, end) of v and drops
// their frame references.
func (m *MM) unmapPages(v *VMA, start, end uint64) {
	kind := kindOf(v)
	for va, _, _, ok := m.pt.nextPresent(start, end); ok; va, _, _, ok = m.pt.nextPresent(va+pageSize, end) {
		if f, ok := m.pt.Unmap(va, kind); ok {
			m.frames.put(f)
		}
	}
}

// find returns the index of the VMA containing addr, or -1.
func (m *MM) find(addr uint64) int {
	i := sort.Search(len(m.vmas), func(i int) bool { return m.vmas[i].End > addr })
	if i < len(m.vmas) && m.vmas[i].Start <= addr {
		return i
	}
	return -1
}

// split makes addr a VMA boundary if it falls inside one.
func (m *MM) split(addr uint64) {
	i := m.find(addr)
	if i < 0 || m.vmas[i].Start == addr {
		return
	}
	v := m.vmas[i]
	right := *v
	right.Start = addr
	right.Offset = v.fileOffset(addr)
	right.hold()
	v.End = addr
	m.vmas = append(m.vmas, nil)
	copy(m.vmas[i+2:], m.vmas[i+1:])
	m.vmas[i+1] = &right
}

// removeRange unmaps [start, end): pages dropped, VMAs trimmed or removed.
func (m *MM) removeRange(start, end uint64) {
	m.split(start)
	m.split(end)
	kept := m.vmas[:0]
	for _, v := range m.vmas {
		if v.Start >= start && v.End <= end {
			m.unmapPages(v, v.Start, v.End)
			m.dropVMA(v)
			continue
		}
		kept = append(kept, v)
	}
	for i := len(kept); i < len(m.vmas); i++ {
		m.vmas[i] = nil
	}
	m.vmas = kept
}

func (m *MM) insert(v *VMA) {
	i := sort.Search(len(m.vmas), func(i int) bool { return m.vmas[i].Start >= v.End })
	m.vmas = append(m.vmas, nil)
	copy(m.vmas[i+1:], m.vmas[i:])
	m.vmas[i] = v
}

// free reports whether [start, end) overlaps no VMA.
func (m *MM) free(start, end uint64) bool {
	i := sort.Search(len(m.vmas), func(i int) bool { return m.vmas[i].End > start })
	return i == len(m.vmas) || m.vmas[i].Start >= end
}

// findGap returns the highest free range of length n below top (top-down
// placement, like Linux's default mmap layout).
func (m *MM) findGap(n, top uint64) (uint64, bool) {
	end := top
	for i := len(m.vmas) - 1; i >= -1; i-- {
		lo := uint64(mmapMin)
		if i >= 0 {
			v := m.vmas[i]
			if v.Start >= end {
				continue
			}
			lo = v.End
		}
		if end >= n && end-n >= lo {
			return end - n, true
		}
		if i >= 0 {
			end = m.vmas[i].Start
		}
	}
	return 0, false
}

// MapOpts describes an mmap.
type MapOpts struct {
	Addr, Length uint64
	Perm         machine.Perm
	Shared       bool
	Fixed        bool // MAP_FIXED: replace whatever is there
	NoReplace    bool // MAP_FIXED_NOREPLACE: fail with EEXIST instead
	GrowsDown    bool
	File         Mappable
	Offset       uint64
	Name         string
	Dev, Inode   uint64
	// ReadOnlyFile marks a shared mapping of a file opened read-only.
	ReadOnlyFile bool
	// Locked is MAP_LOCKED: the mapping is locked (and faulted in).
	Locked bool
}

// Errors as Linux reports them.
var (
	errInval = abi.EINVAL
	errNoMem = abi.ENOMEM
	errFault = abi.EFAULT
	errAgain = abi.EAGAIN
)

// Mmap creates a mapping and returns its address.
func (m *MM) Mmap(o MapOpts) (uint64, error) {
	if o.Length == 0 || o.Offset&pageMask != 0 {
		return 0, errInval
	}
	n := (o.Length + pageMask) &^ pageMask
	if n < o.Length || n > UserTop {
		return 0, errNoMem
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	addr := o.Addr &^ pageMask
	switch {
	case o.Fixed || o.NoReplace:
		if o.Addr&pageMask != 0 {
			return 0, errInval
		}
		if addr+n > UserTop || addr+n < addr || addr < pageSize {
			return 0, errNoMem
		}
		if o.NoReplace && !m.free(addr, addr+n) {
			return 0, abi.EEXIST
		}
		if !m.mayExpandLocked(n, m.overlapLocked(addr, addr+n)) {
			return 0, errNoMem
		}
		m.removeRange(addr, addr+n)
	case addr != 0 && addr >= mmapMin && addr+n <= UserTop && addr+n > addr && m.free(addr, addr+n):
		// The hint is free: use it.
	default:
		var ok bool
		if addr, ok = m.findGap(n, mmapTop); !ok {
			return 0, errNoMem
		}
	}
	if !o.Fixed && !o.NoReplace && !m.mayExpandLocked(n, 0) {
		return 0, errNoMem
	}
	v := &VMA{Start: addr, End: addr + n, Perm: o.Perm, Shared: o.Shared, GrowsDown: o.GrowsDown,
		File: o.File, Offset: o.Offset, Name: o.Name, Dev: o.Dev, Inode: o.Inode,
		WriteDenied: o.Shared && o.ReadOnlyFile, Flags: m.defFlags}
	if o.Locked {
		v.Flags |= VMLocked
	}
	if o.Shared && o.File == nil {
		v.shared = &sharedPages{pages: map[uint64]machine.Frame{}}
	}
	v.hold()
	m.insert(v)
	if v.Flags&(VMLocked|VMLockOnFault) == VMLocked {
		m.populateLocked(v.Start, v.End, true) // best effort, as Linux: the mapping stands
	}
	return addr, nil
}

// Munmap removes mappings in [addr, addr+length).
func (m *MM) Munmap(addr, length uint64) error {
	if addr&pageMask != 0 || length == 0 {
		return errInval
	}
	end := (addr + length + pageMask) &^ pageMask
	if end > UserTop || end < addr {
		return errInval
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.removeRange(addr, end)
	return nil
}

// Mprotect changes the permissions of [addr, addr+length) as Linux's
// mprotect walk does: mapping by mapping from addr, so a hole (ENOMEM) or
// a mapping that may not become writable (EACCES) ends the walk with the
// mappings before it already changed.
func (m *MM) Mprotect(addr, length uint64, perm machine.Perm) error {
	if addr&pageMask != 0 {
		return errInval
	}
	if length == 0 {
		return nil
	}
	end := (addr + length + pageMask) &^ pageMask
	if end <= addr || end > UserTop {
		return errNoMem
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for a := addr; a < end; {
		i := m.find(a)
		if i < 0 {
			return errNoMem
		}
		if perm&machine.Write != 0 && m.vmas[i].WriteDenied {
			return abi.EACCES
		}
		stop := min(m.vmas[i].End, end)
		m.protectLocked(a, stop, perm)
		a = stop
	}
	return nil
}

// protectLocked sets the permissions of [addr, end), inside one VMA.
func (m *MM) protectLocked(addr, end uint64, perm machine.Perm) {
	m.split(addr)
	m.split(end)
	for _, v := range m.vmas {
		if v.Start < addr || v.End > end {
			continue
		}
		v.Perm = perm
		// Present pages take the new rights now; private pages whose frame
		// is shared stay read-only until a write fault copies them.
		for va, f, _, ok := m.pt.nextPresent(v.Start, v.End); ok; va, f, _, ok = m.pt.nextPresent(va+pageSize, v.End) {
			p := perm
			if !v.Shared && p&machine.Write != 0 && m.frames.count(f) > 1 {
				p &^= machine.Write
			}
			m.pt.Map(va, f, p, kindOf(v))
		}
	}
}

// SetBrk sets the program break's start (after loading a program).
func (m *MM) SetBrk(start uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.brkStart = (start + pageMask) &^ pageMask
	m.brk = m.brkStart
}

// Brk implements brk(2): it moves the break if it can and returns the break
// in effect.
func (m *MM) Brk(addr uint64) uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if addr < m.brkStart || addr > UserTop {
		return m.brk
	}
	oldEnd := (m.brk + pageMask) &^ pageMask
	newEnd := (addr + pageMask) &^ pageMask
	switch {
	case newEnd > oldEnd:
		if !m.free(oldEnd, newEnd) || !m.mayExpandLocked(newEnd-oldEnd, 0) {
			return m.brk
		}
		if i := m.find(oldEnd - 1); i >= 0 && m.vmas[i].Name == "[heap]" && m.vmas[i].End == oldEnd && m.vmas[i].Flags == m.defFlags {
			m.vmas[i].End = newEnd
		} else {
			m.insert(&VMA{Start: oldEnd, End: newEnd, Perm: machine.Read | machine.Write, Name: "[heap]", Flags: m.defFlags})
		}
		if m.defFlags&(VMLocked|VMLockOnFault) == VMLocked {
			m.populateLocked(oldEnd, newEnd, true)
		}
	case newEnd < oldEnd:
		m.removeRange(newEnd, oldEnd)
	}
	m.brk = addr
	return m.brk
}

// Mremap implements mremap(2) for the common cases: shrinking in place,
// growing in place when the space after is free, and moving
// (MREMAP_MAYMOVE) by remapping the pages.
func (m *MM) Mremap(old, oldLen, newLen uint64, mayMove bool) (uint64, error) {
	return m.mremap(old, oldLen, newLen, mayMove, 0, false)
}

// MremapFixed implements mremap with MREMAP_MAYMOVE|MREMAP_FIXED: the
// mapping moves to dst, replacing whatever was mapped there.
func (m *MM) MremapFixed(old, oldLen, newLen, dst uint64) (uint64, error) {
	return m.mremap(old, oldLen, newLen, true, dst, true)
}

func (m *MM) mremap(old, oldLen, newLen uint64, mayMove bool, dst uint64, fixed bool) (uint64, error) {
	if old&pageMask != 0 || newLen == 0 {
		return 0, errInval
	}
	oldLen = (oldLen + pageMask) &^ pageMask
	newLen = (newLen + pageMask) &^ pageMask
	if fixed && (dst&pageMask != 0 || dst+newLen > UserTop || dst+newLen < dst ||
		dst < old+oldLen && old < dst+newLen) {
		return 0, errInval
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.find(old)
	if i < 0 || m.vmas[i].End < old+oldLen {
		return 0, abi.EFAULT
	}
	v := m.vmas[i]
	if newLen > oldLen && !m.mayExpandLocked(newLen-oldLen, 0) {
		return 0, errNoMem
	}
	switch {
	case fixed:
		if newLen < oldLen {
			m.removeRange(old+newLen, old+oldLen)
			oldLen = newLen
		}
		m.removeRange(dst, dst+newLen)
	case newLen <= oldLen:
		m.removeRange(old+newLen, old+oldLen)
		return old, nil
	case m.free(old+oldLen, old+newLen) && v.End == old+oldLen && old+newLen <= UserTop:
		v.End = old + newLen
		return old, nil
	case !mayMove:
		return 0, errNoMem
	default:
		var ok bool
		if dst, ok = m.findGap(newLen, mmapTop); !ok {
			return 0, errNoMem
		}
	}
	m.split(old)
	m.split(old + oldLen)
	src := m.vmas[m.find(old)]
	nv := *src
	nv.Start, nv.End = dst, dst+newLen
	nv.hold()
	kind := kindOf(src)
	for va, f, p, ok := m.pt.nextPresent(old, old+oldLen); ok; va, f, p, ok = m.pt.nextPresent(va+pageSize, old+oldLen) {
		off := va - old
		m.pt.Unmap(va, kind)
		if err := m.pt.Map(dst+off, f, p, kind); err != nil {
			m.frames.put(f)
		}
	}
	m.removeRange(old, old+oldLen)
	m.insert(&nv)
	return dst, nil
}

// FaultError says why a fault could not be resolved: SEGV_MAPERR (no
// mapping) or SEGV_ACCERR (a mapping without the right), or SIGBUS for a
// file page past the end.
type FaultError struct {
	Addr  uint64
	Code  int // SEGV_MAPERR 1, SEGV_ACCERR 2, BUS_ADRERR 2 with Bus
	Bus   bool
	NoMem bool
}

func (e *FaultError) Error() string {
	return fmt.Sprintf("mm: unresolved fault at %#x (code %d, bus %v, nomem %v)", e.Addr, e.Code, e.Bus, e.NoMem)
}

// Access is the kind of access that faulted.
type Access int

const (
	AccessRead Access = iota
	AccessWrite
	AccessExec
)

// HandleFault resolves a page fault at addr: demand-zero, file read-in,
// copy-on-write, shared pages, stack growth. It returns a *FaultError when
// the access is not allowed.
func (m *MM) HandleFault(addr uint64, acc Access) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fault(addr, acc)
}

func (m *MM) fault(addr uint64, acc Access) error {
	i := m.find(addr)
	if i < 0 {
		i = m.growStack(addr)
		if i < 0 {
			return &FaultError{Addr: addr, Code: 1}
		}
	}
	v := m.vmas[i]
	need := machine.Read
	switch acc {
	case AccessWrite:
		need = machine.Write
	case AccessExec:
		need = machine.Exec
	}
	if v.Perm&need == 0 {
		return &FaultError{Addr: addr, Code: 2}
	}
	va := addr &^ pageMask
	if f, p, ok := m.pt.Lookup(va); ok {
		if p != 0 && (acc != AccessWrite || p&machine.Write != 0) {
			return nil // raced with another fault, or a stale TLB entry
		}
		if acc != AccessWrite {
			// A read of a page left inaccessible: give it the VMA's rights,
			// read-only while its frame is shared copy-on-write.
			np := v.Perm
			if !v.Shared && m.frames.count(f) > 1 {
				np &^= machine.Write
			}
			return m.pt.Map(va, f, np, kindOf(v))
		}
		if v.Shared {
			return m.pt.Map(va, f, v.Perm, kindOf(v))
		}
		// Copy-on-write.
		if m.frames.count(f) == 1 {
			return m.pt.Map(va, f, v.Perm, kindOf(v))
		}
		nf, err := m.frames.alloc()
		if err != nil {
			return &FaultError{Addr: addr, NoMem: true}
		}
		copy(m.frames.Mem.FrameData(nf), m.frames.Mem.FrameData(f))
		if err := m.pt.Map(va, nf, v.Perm, kindOf(v)); err != nil {
			m.frames.put(nf)
			return &FaultError{Addr: addr, NoMem: true}
		}
		m.frames.put(f)
		return nil
	}

	var f machine.Frame
	pm, isPM := v.File.(PageMapper)
	direct := isPM && v.Shared
	// A private mapping of a file whose pages are frames maps the file's
	// own frame, read-only, until a write copies it (as Linux maps page
	// cache pages): every exec of a program shares its text, and under
	// TCG its translated code, instead of copying it.
	cow := isPM && !v.Shared
	switch {
	case direct || cow:
		pf, err := pm.MapPage(v.fileOffset(va))
		if err != nil {
			if errors.Is(err, abi.ENOMEM) || errors.Is(err, machine.ErrNoMemory) {
				// No frame for the file's page: the OOM path, as any
				// other fault without memory (PID 1 faulting in its
				// own program text must not die of SIGBUS).
				return &FaultError{Addr: addr, NoMem: true}
			}
			return &FaultError{Addr: addr, Code: 2, Bus: true}
		}
		m.frames.get(pf)
		f = pf
	case v.shared != nil:
		idx := (va-v.Start)/pageSize + v.Offset/pageSize
		v.shared.mu.Lock()
		sf, ok := v.shared.pages[idx]
		if !ok {
			var err error
			if sf, err = m.frames.alloc(); err != nil {
				v.shared.mu.Unlock()
				return &FaultError{Addr: addr, NoMem: true}
			}
			v.shared.pages[idx] = sf
		}
		v.shared.mu.Unlock()
		m.frames.get(sf)
		f = sf
	default:
		nf, err := m.frames.alloc()
		if err != nil {
			return &FaultError{Addr: addr, NoMem: true}
		}
		if v.File != nil {
			n, err := v.File.ReadAt(m.frames.Mem.FrameData(nf), int64(v.fileOffset(va)))
			if n == 0 && err != nil && !errors.Is(err, io.EOF) {
				m.frames.put(nf)
				return &FaultError{Addr: addr, Code: 2, Bus: true}
			}
			if n == 0 && errors.Is(err, io.EOF) {
				m.frames.put(nf)
				return &FaultError{Addr: addr, Code: 2, Bus: true} // wholly past EOF
			}
		}
		f = nf
	}
	p := v.Perm
	if v.Shared && v.File != nil && !direct {
		// Writable shared file mappings would need write-back; they are
		// refused at mmap time, so this is a read-only mapping.
		p &^= machine.Write
	}
	if cow {
		p &^= machine.Write // the file's frame: a write fault copies it
		if acc == AccessWrite {
			// Copy now rather than fault again.
			nf, err := m.frames.alloc()
			if err != nil {
				m.frames.put(f)
				return &FaultError{Addr: addr, NoMem: true}
			}
			copy(m.frames.Mem.FrameData(nf), m.frames.Mem.FrameData(f))
			m.frames.put(f)
			f, p = nf, v.Perm
		}
	}
	if err := m.pt.Map(va, f, p, kindOf(v)); err != nil {
		m.frames.put(f)
		return &FaultError{Addr: addr, NoMem: true}
	}
	return nil
}

// stackLimit bounds automatic stack growth (RLIMIT_STACK's default).
const stackLimit = 8 << 20

// growStack extends a grows-down VMA to cover addr, if addr lies within the
// stack limit below it. It returns the VMA's index or -1.
func (m *MM) growStack(addr uint64) int {
	i := sort.Search(len(m.vmas), func(i int) bool { return m.vmas[i].Start > addr })
	if i == len(m.vmas) || !m.vmas[i].GrowsDown {
		return -1
	}
	v := m.vmas[i]
	if v.End-(addr&^pageMask) > m.limit(rlimitStack) || !m.mayExpandLocked(v.Start-addr&^pageMask, 0) {
		return -1
	}
	newStart := addr &^ pageMask
	if i > 0 && m.vmas[i-1].End > newStart-pageSize {
		return -1 // keep a guard gap
	}
	v.Start = newStart
	return i
}

// Fork returns a copy-on-write copy of the address space.
func (m *MM) Fork() (*MM, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, err := New(m.plat, m.frames)
	if err != nil {
		return nil, err
	}
	c.brkStart, c.brk = m.brkStart, m.brk
	c.Membarrier.Store(m.Membarrier.Load())
	if m.exe != nil && m.exe.DenyWriteAccess() == nil { // cannot fail: m denies already
		c.exe = m.exe
	}
	c.limitFn = m.limitFn
	for _, v := range m.vmas {
		if v.Flags&VMDontCopy != 0 {
			continue // MADV_DONTFORK
		}
		nv := *v
		nv.Flags &^= VMLocked | VMLockOnFault // locks are not inherited
		nv.hold()
		c.vmas = append(c.vmas, &nv)
		if v.Flags&VMWipeOnFork != 0 {
			continue // the child's copy starts empty: zero pages
		}
		for va, f, p, ok := m.pt.nextPresent(v.Start, v.End); ok; va, f, p, ok = m.pt.nextPresent(va+pageSize, v.End) {
			if !v.Shared && p&machine.Write != 0 {
				p &^= machine.Write
				m.pt.Map(va, f, p, kindOf(v))
			}
			m.frames.get(f)
			if err := c.pt.Map(va, f, p, kindOf(v)); err != nil {
				m.frames.put(f)
				c.mu.Lock()
				c.releaseLocked()
				c.mu.Unlock()
				return nil, err
			}
		}
	}
	// The copy starts with the parent's peak, as Linux's dup_mm copies it.
	c.pt.hiwater.Store(max(m.pt.hiwater.Load(), c.pt.total()))
	return c, nil
}

func (m *MM) releaseLocked() {
	for _, v := range m.vmas {
		m.unmapPages(v, v.Start, v.End)
		m.dropVMA(v)
	}
	m.vmas = nil
	m.pt.Release()
	m.released = true
	m.frames.unregister(m)
	if m.exe != nil {
		m.exe.AllowWriteAccess()
		m.exe = nil
	}
}

// VMAs returns a snapshot of the mappings, in address order.
func (m *MM) VMAs() []VMA {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]VMA, len(m.vmas))
	for i, v := range m.vmas {
		out[i] = *v
		out[i].shared = nil
	}
	return out
}

// Resident reports how many pages are mapped (for /proc statistics).
func (m *MM) Resident() int { return int(m.RSS().Total()) }

// Pinned allocates a frame with a reference that is never dropped, for
// pages the kernel shares with every process (the vDSO).
func (fs *Frames) Pinned() (machine.Frame, error) { return fs.alloc() }

// Special is a run of kernel-provided pages for MapSpecial.
type Special struct {
	Frames []machine.Frame
	Perm   machine.Perm
	Name   string
	// PFNMap marks raw kernel pages (Linux's vvar is VM_PFNMAP|VM_IO).
	PFNMap bool
}

// MapSpecial maps the parts back to back at a free address (top-down) and
// returns it. The frames gain a reference per mapping.
func (m *MM) MapSpecial(parts []Special) (uint64, error) {
	var n uint64
	for _, p := range parts {
		n += uint64(len(p.Frames)) * pageSize
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	addr, ok := m.findGap(n, mmapTop)
	if !ok {
		return 0, errNoMem
	}
	va := addr
	for _, p := range parts {
		end := va + uint64(len(p.Frames))*pageSize
		v := &VMA{Start: va, End: end, Perm: p.Perm, Shared: true, Name: p.Name, Flags: VMSpecial}
		if p.PFNMap {
			v.Flags |= VMPFNMap
		}
		m.insert(v)
		for i, f := range p.Frames {
			m.frames.get(f)
			if err := m.pt.Map(va+uint64(i)*pageSize, f, p.Perm, kindFile); err != nil {
				m.frames.put(f)
				return 0, err
			}
		}
		va = end
	}
	return addr, nil
}
