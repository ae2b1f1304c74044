package boot

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"

	bp "aramid/platform/x64/bootparams"
)

// EntrySymbol is the nucleus's 64-bit entry, which the trampoline jumps to.
const EntrySymbol = "aramid/platform/x64/nucleus.entry64"

const (
	xenElfnotePhys32Entry = 18
	multiboot2HeaderMagic = 0xe85250d6
	phdrSize              = 56
	pageSize              = 0x1000
)

// MakeBootable rewrites a kernel ELF linked at bp.LinkAddress into a bootable
// image:
//   - each PT_LOAD gets p_paddr = p_vaddr - KernelBase (QEMU and GRUB load by
//     physical address; the Go linker sets p_paddr = p_vaddr);
//   - a new PT_LOAD holds the 32-bit trampoline at bp.TrampolinePhys, followed
//     by the Params block the nucleus reads;
//   - a PT_NOTE carries the Xen PVH entry (XEN_ELFNOTE_PHYS32_ENTRY) for QEMU;
//   - a multiboot2 header with an entry-address tag follows the new program
//     headers in that gap, inside the first 32 KiB as GRUB requires.
//
// The Go linker leaves no room after its program headers, so the new program
// header table moves into the zero gap after the section headers (where
// GRUB, which reads only the first 32 KiB, finds it) and PT_PHDR becomes
// PT_NULL.
func MakeBootable(in []byte) ([]byte, error) {
	f, err := elf.NewFile(bytes.NewReader(in))
	if err != nil {
		return nil, fmt.Errorf("boot: parse kernel ELF: %w", err)
	}
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 || f.Type != elf.ET_EXEC {
		return nil, fmt.Errorf("boot: kernel must be an ELF64 x86-64 executable, got %v %v %v", f.Class, f.Machine, f.Type)
	}
	entry64, err := symbolAddr(f, EntrySymbol)
	if err != nil {
		return nil, err
	}

	params := bp.Params{Magic: bp.ParamsMagic, PhysStart: bp.TrampolinePhys}
	var phdrs []elf.Prog64
	for _, p := range f.Progs {
		ph := elf.Prog64{
			Type: uint32(p.Type), Flags: uint32(p.Flags), Off: p.Off, Vaddr: p.Vaddr,
			Paddr: p.Paddr, Filesz: p.Filesz, Memsz: p.Memsz, Align: p.Align,
		}
		switch p.Type {
		case elf.PT_PHDR:
			ph = elf.Prog64{Type: uint32(elf.PT_NULL)}
		case elf.PT_LOAD:
			if p.Vaddr < bp.LinkAddress || p.Vaddr+p.Memsz < p.Vaddr {
				return nil, fmt.Errorf("boot: load segment at %#x is below the link address %#x: was the kernel linked with -T?", p.Vaddr, uint64(bp.LinkAddress))
			}
			ph.Paddr = p.Vaddr - bp.KernelBase
			if ph.Paddr+p.Memsz > 1<<30 {
				return nil, fmt.Errorf("boot: load segment %#x+%#x lies beyond the 1 GiB the trampoline maps", p.Vaddr, p.Memsz)
			}
			if params.NumSegments == bp.MaxSegments {
				return nil, fmt.Errorf("boot: more than %d load segments", bp.MaxSegments)
			}
			params.Segments[params.NumSegments] = bp.Segment{Vaddr: p.Vaddr, Memsz: p.Memsz, Flags: uint64(p.Flags)}
			params.NumSegments++
			params.PhysEnd = max(params.PhysEnd, ph.Paddr+p.Memsz)
		}
		phdrs = append(phdrs, ph)
	}
	if params.NumSegments == 0 {
		return nil, errors.New("boot: kernel has no load segments")
	}
	params.Entry64 = entry64
	if err := findLazy(f, &params); err != nil {
		return nil, err
	}
	if err := trimLazyTails(f, phdrs, &params); err != nil {
		return nil, err
	}

	tramp, err := Trampoline(entry64)
	if err != nil {
		return nil, err
	}
	copy(tramp[bp.ParamsOffset:], encodeParams(&params))

	out := append([]byte(nil), in...)
	for len(out)%pageSize != 0 {
		out = append(out, 0)
	}
	trampOff := uint64(len(out))
	out = append(out, tramp...)

	noteOff := uint64(len(out))
	out = append(out, pvhNote(bp.TrampolinePhys)...)

	phdrs = append([]elf.Prog64{{
		Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_W | elf.PF_X),
		Off: trampOff, Vaddr: bp.TrampolinePhys, Paddr: bp.TrampolinePhys,
		Filesz: bp.TrampolineFileSize, Memsz: bp.TrampolineMemSize, Align: pageSize,
	}}, phdrs...)
	phdrs = append(phdrs, elf.Prog64{
		Type: uint32(elf.PT_NOTE), Off: noteOff, Filesz: uint64(len(out)) - noteOff, Align: 4,
	})

	var table bytes.Buffer
	for _, ph := range phdrs {
		binary.Write(&table, binary.LittleEndian, &ph)
	}
	// GRUB reads the program headers and the multiboot2 header only from the
	// first 32 KiB, so both go into the zero gap the linker leaves between
	// the section headers and the first section.
	gap, err := firstPageGap(out, f)
	if err != nil {
		return nil, err
	}
	mb2 := multiboot2Header(bp.TrampolinePhys)
	phoff := gap.start
	mb2off := (phoff + uint64(table.Len()) + 7) &^ 7
	if mb2off+uint64(len(mb2)) > gap.end {
		return nil, fmt.Errorf("boot: no room for %d program headers and the multiboot2 header in the first page (gap %#x-%#x)",
			len(phdrs), gap.start, gap.end)
	}
	copy(out[phoff:], table.Bytes())
	copy(out[mb2off:], mb2)
	// e_phoff at 32, e_phnum at 56 in the ELF64 header.
	binary.LittleEndian.PutUint64(out[32:], phoff)
	binary.LittleEndian.PutUint16(out[56:], uint16(len(phdrs)))
	return out, nil
}

type span struct{ start, end uint64 }

// firstPageGap finds the zero-filled bytes between the end of the section
// header table and the first section's contents in the first page.
func firstPageGap(out []byte, f *elf.File) (span, error) {
	shoff := binary.LittleEndian.Uint64(out[40:])
	shentsize := uint64(binary.LittleEndian.Uint16(out[58:]))
	shnum := uint64(binary.LittleEndian.Uint16(out[60:]))
	start := (shoff + shentsize*shnum + 7) &^ 7
	end := uint64(pageSize)
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOBITS && s.Offset > 0 && s.Offset < end && s.Offset+s.Size > start {
			end = s.Offset
		}
	}
	if start >= end {
		return span{}, fmt.Errorf("boot: no free space after the section headers (at %#x)", start)
	}
	for i := start; i < end; i++ {
		if out[i] != 0 {
			return span{}, fmt.Errorf("boot: the first page is not free at %#x", i)
		}
	}
	return span{start, end &^ 7}, nil
}

// findLazy records the big objects in zero-initialized sections, which the
// nucleus demand-pages.
func findLazy(f *elf.File, p *bp.Params) error {
	syms, err := f.Symbols()
	if err != nil {
		return fmt.Errorf("boot: kernel symbols: %w", err)
	}
	n := 0
	for _, s := range syms {
		if s.Size < bp.LazyThreshold || int(s.Section) >= len(f.Sections) || s.Section == elf.SHN_UNDEF {
			continue
		}
		if sec := f.Sections[s.Section]; sec.Type != elf.SHT_NOBITS {
			continue
		}
		start := (s.Value + pageSize - 1) &^ (pageSize - 1)
		end := (s.Value + s.Size) &^ (pageSize - 1)
		if end <= start {
			continue
		}
		if n == bp.MaxLazy {
			return fmt.Errorf("boot: more than %d large zero-initialized objects", bp.MaxLazy)
		}
		p.Lazy[n] = bp.Segment{Vaddr: start, Memsz: end - start}
		n++
	}
	return nil
}

// trimLazyTails keeps a load segment's demand-paged tail out of the
// physical image: when a lazy object ends exactly where its segment ends,
// the object is extended to the end of that last page (nothing else lives
// there) and the program header the loader reads ends where the object
// starts. GRUB and QEMU then reserve and zero only the memory the kernel
// really occupies (32 MiB less for Go's FIPS DRBG buffer), which is what
// lets GRUB under OVMF place the kernel in a 64 MiB machine. params keeps
// the full segments (the virtual layout); PhysEnd becomes the end of the
// trimmed image.
func trimLazyTails(f *elf.File, phdrs []elf.Prog64, params *bp.Params) error {
	syms, err := f.Symbols()
	if err != nil {
		return fmt.Errorf("boot: kernel symbols: %w", err)
	}
	params.PhysEnd = 0
	for i := range phdrs {
		ph := &phdrs[i]
		if ph.Type != uint32(elf.PT_LOAD) {
			continue
		}
		end := ph.Vaddr + ph.Memsz
		for _, s := range syms {
			if s.Size < bp.LazyThreshold || s.Value+s.Size != end {
				continue
			}
			start := (s.Value + pageSize - 1) &^ (pageSize - 1)
			for j := range params.Lazy {
				l := &params.Lazy[j]
				if l.Memsz != 0 && l.Vaddr == start && start >= ph.Vaddr+ph.Filesz {
					l.Memsz = (end+pageSize-1)&^(pageSize-1) - start
					ph.Memsz = start - ph.Vaddr
				}
			}
		}
		params.PhysEnd = max(params.PhysEnd, ph.Paddr+ph.Memsz)
	}
	return nil
}

func symbolAddr(f *elf.File, name string) (uint64, error) {
	syms, err := f.Symbols()
	if err != nil {
		return 0, fmt.Errorf("boot: kernel symbols: %w", err)
	}
	for _, s := range syms {
		if s.Name == name || s.Name == name+".abi0" {
			return s.Value, nil
		}
	}
	return 0, fmt.Errorf("boot: symbol %s not found in the kernel (is the nucleus linked in?)", name)
}

func encodeParams(p *bp.Params) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, p)
	if b.Len() != bp.ParamsSize {
		panic(fmt.Sprintf("bootparams: encoded %d bytes, want %d", b.Len(), bp.ParamsSize))
	}
	return b.Bytes()
}

// pvhNote builds the ELF note QEMU looks for: name "Xen", type
// XEN_ELFNOTE_PHYS32_ENTRY, an 8-byte descriptor with the 32-bit entry.
func pvhNote(entry uint32) []byte {
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, 4) // namesz, with NUL
	b = binary.LittleEndian.AppendUint32(b, 8) // descsz
	b = binary.LittleEndian.AppendUint32(b, xenElfnotePhys32Entry)
	b = append(b, 'X', 'e', 'n', 0)
	return binary.LittleEndian.AppendUint64(b, uint64(entry))
}

// multiboot2Header returns a header with an entry-address tag (so GRUB enters
// the trampoline, not the ELF's higher-half e_entry), a module-alignment tag
// and the end tag.
func multiboot2Header(entry uint32) []byte {
	var tags []byte
	tags = binary.LittleEndian.AppendUint16(tags, 3) // entry address
	tags = binary.LittleEndian.AppendUint16(tags, 0)
	tags = binary.LittleEndian.AppendUint32(tags, 12)
	tags = binary.LittleEndian.AppendUint32(tags, entry)
	tags = binary.LittleEndian.AppendUint32(tags, 0) // pad to 8
	tags = binary.LittleEndian.AppendUint16(tags, 6) // module alignment
	tags = binary.LittleEndian.AppendUint16(tags, 0)
	tags = binary.LittleEndian.AppendUint32(tags, 8)
	tags = binary.LittleEndian.AppendUint16(tags, 0) // end
	tags = binary.LittleEndian.AppendUint16(tags, 0)
	tags = binary.LittleEndian.AppendUint32(tags, 8)
	length := uint32(16 + len(tags))
	var h []byte
	h = binary.LittleEndian.AppendUint32(h, multiboot2HeaderMagic)
	h = binary.LittleEndian.AppendUint32(h, 0) // i386 protected mode
	h = binary.LittleEndian.AppendUint32(h, length)
	h = binary.LittleEndian.AppendUint32(h, -(multiboot2HeaderMagic + length))
	return append(h, tags...)
}
