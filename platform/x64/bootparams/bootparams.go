// Package bootparams fixes the contract between the post-link step
// (platform/x64/boot, run on the build host) and the nucleus (run at boot):
// where the 32-bit entry trampoline lives in physical memory, where it builds
// the first page tables, and the layout of the parameter block the post-link
// step writes for the nucleus.
//
// Physical layout of the trampoline segment, starting at TrampolinePhys:
//
//	+0x0000  entry code (32-bit protected mode, then 64-bit long mode)
//	+0x0200  GDT used for the mode switch, and its GDTR
//	+0x0300  Params block (below)
//	+0x1000  page tables built by the trampoline (bss, TrampolinePTPages pages)
//
// The trampoline identity-maps physical 0–4 GiB and maps physical 0–2 GiB at
// KernelBase with 2 MiB pages, enough to reach the Go entry in the higher half.
package bootparams

const (
	// KernelBase is the virtual address of physical address 0 in the kernel
	// image mapping: image virtual address = physical address + KernelBase.
	KernelBase = 0xffffffff80000000

	// LinkAddress is the address of the first load segment, passed to the Go
	// linker as -T (as a negative number: the linker rejects 0xffff...).
	LinkAddress = 0xffffffff80200000

	// TrampolinePhys is the physical (and identity) address of the trampoline.
	TrampolinePhys = 0x100000

	CodeOffset   = 0x0000
	GDTOffset    = 0x0200
	ParamsOffset = 0x0300
	PTOffset     = 0x1000

	// TrampolinePTPages: PML4, low PDPT, high PDPT and four page directories.
	TrampolinePTPages  = 7
	TrampolineFileSize = PTOffset
	TrampolineMemSize  = PTOffset + TrampolinePTPages*0x1000

	// ParamsMagic marks a valid Params block ("ARAMIDBP").
	ParamsMagic = 0x504244494d415241

	// MaxSegments bounds Params.Segments.
	MaxSegments = 8

	// MaxLazy bounds Params.Lazy.
	MaxLazy = 4

	// LazyThreshold is the size from which a zero-initialized object is
	// demand-paged instead of backed at boot (Go's FIPS DRBG scratch
	// buffer is 32 MiB of bss that the kernel never touches).
	LazyThreshold = 1 << 20

	// Boot protocol magics seen in EAX/at EBX on entry.
	Multiboot2Magic = 0x36d76289 // EAX on multiboot2 entry
	PVHMagic        = 0x336ec578 // first word of hvm_start_info
)

// Segment flags, as in ELF p_flags.
const (
	SegExec  = 1
	SegWrite = 2
	SegRead  = 4
)

// Segment describes one loaded part of the kernel image.
type Segment struct {
	Vaddr uint64
	Memsz uint64
	Flags uint64
}

// Params is the block the post-link step writes at TrampolinePhys+ParamsOffset.
// All fields are little-endian uint64s, in this order.
type Params struct {
	Magic       uint64
	PhysStart   uint64 // lowest physical address used by the image (the trampoline)
	PhysEnd     uint64 // end of the highest segment's memory image
	Entry64     uint64 // virtual address of the nucleus 64-bit entry
	NumSegments uint64
	Segments    [MaxSegments]Segment
	// Lazy lists page-aligned ranges of large zero-initialized objects:
	// the nucleus maps them on first touch and gives their physical pages
	// to the allocator. Memsz 0 ends the list.
	Lazy [MaxLazy]Segment
}

// ParamsSize is the encoded size of Params in bytes.
const ParamsSize = 5*8 + MaxSegments*3*8 + MaxLazy*3*8
