package boot

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	bp "aramid/platform/x64/bootparams"

	"aramid/testing/srcdeps"

	"golang.org/x/arch/x86/x86asm"
)

// TestTrampolineDisassembly decodes the hand-encoded entry code and compares
// it with the listing it is meant to be: 32-bit protected mode up to the far
// jump, long mode after it.
func TestTrampolineDisassembly(t *testing.T) {
	const entry = 0xffffffff80212340
	img, err := Trampoline(entry)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"cli",
		"mov ebp, eax",
		"mov esi, ebx",
		// long mode and NX, or the refusal
		"mov eax, 0x80000000",
		"cpuid",
		"cmp eax, 0x80000001",
		"jb 0x100103",
		"mov eax, 0x80000001",
		"cpuid",
		"and edx, 0x20100000",
		"cmp edx, 0x20100000",
		"jnz 0x100103",
		"mov edi, 0x101000",
		"mov ecx, 0x1c00",
		"xor eax, eax",
		"rep stosd dword ptr [edi]",
		"mov dword ptr [0x101000], 0x102003", // PML4[0] → low PDPT
		"mov dword ptr [0x101ff8], 0x103003", // PML4[511] → high PDPT
		"mov dword ptr [0x102000], 0x104003", // low PDPT[0..3] → PD0..PD3
		"mov dword ptr [0x102008], 0x105003",
		"mov dword ptr [0x102010], 0x106003",
		"mov dword ptr [0x102018], 0x107003",
		"mov dword ptr [0x103ff0], 0x104003", // high PDPT[510] → PD0 (KernelBase)
		"mov dword ptr [0x103ff8], 0x105003",
		"mov edi, 0x104000",
		"mov eax, 0x83",
		"mov ecx, 0x800",
		"mov dword ptr [edi], eax",
		"add eax, 0x200000",
		"add edi, 0x8",
		"dec ecx",
		"jnz 0x10009d",
		"mov eax, cr4",
		"or eax, 0x20",
		"mov cr4, eax",
		"mov eax, 0x101000",
		"mov cr3, eax",
		"mov ecx, 0xc0000080",
		"rdmsr",
		"or eax, 0x901",
		"wrmsr",
		"mov eax, cr0",
		"or eax, 0x80010001",
		"mov cr0, eax",
		"lgdt ptr [0x100218]",
		"jmp far 0x1000e2, 0x8",
		// long mode
		"mov eax, 0x10",
		"mov ds, ax",
		"mov es, ax",
		"mov ss, ax",
		"xor eax, eax",
		"mov fs, ax",
		"mov gs, ax",
		"mov edi, ebp",
		"mov esi, esi",
		fmt.Sprintf("mov rax, %d", int64(-0x7fdedcc0)),
		"jmp rax",
	}
	var got []string
	mode := 32
	for off := 0; off < bp.GDTOffset && len(got) < len(want); {
		inst, err := x86asm.Decode(img[off:], mode)
		if err != nil {
			t.Fatalf("offset %#x: %v", off, err)
		}
		s := x86asm.IntelSyntax(inst, uint64(bp.TrampolinePhys+off), nil)
		if strings.HasPrefix(s, "mov rax, -") {
			s = fmt.Sprintf("mov rax, %d", int64(inst.Args[1].(x86asm.Imm)))
		}
		got = append(got, s)
		off += inst.Len
		if inst.Op == x86asm.LJMP {
			mode = 64
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("trampoline disassembly:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The refusal (32-bit code after the 64-bit part): the line on COM1,
	// status 1 through isa-debug-exit, then halt.
	refusal := []string{
		"mov esi, 0x10012b",
		"mov dx, 0x3fd",
		"in al, dx",
		"test al, 0x20",
		"jz 0x10010c",
		"lodsb byte ptr [esi]",
		"test al, al",
		"jz 0x10011d",
		"mov dx, 0x3f8",
		"out dx, al",
		"jmp 0x100108",
		"mov dx, 0xf4",
		"mov eax, 0x1",
		"out dx, eax",
		"cli",
		"hlt",
		"jmp 0x100127",
	}
	got = got[:0]
	off := 0x103
	for len(got) < len(refusal) {
		inst, err := x86asm.Decode(img[off:], 32)
		if err != nil {
			t.Fatalf("offset %#x: %v", off, err)
		}
		got = append(got, x86asm.IntelSyntax(inst, uint64(bp.TrampolinePhys+off), nil))
		off += inst.Len
	}
	if strings.Join(got, "\n") != strings.Join(refusal, "\n") {
		t.Errorf("refusal disassembly:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(refusal, "\n"))
	}
	if msg := "\r\n" + RefusalLine + "\r\n\x00"; string(img[off:off+len(msg)]) != msg || off != 0x12b {
		t.Errorf("refusal message at %#x: %q", off, img[off:off+len(msg)])
	}
	// The 64-bit target must be the entry we asked for.
	_, code64 := codeSplit(img)
	if len(code64) < 12 || binary.LittleEndian.Uint64(code64[len(code64)-10:]) != entry {
		t.Errorf("64-bit part does not load the entry %#x", uint64(entry))
	}
	// GDT and GDTR.
	if d := binary.LittleEndian.Uint64(img[bp.GDTOffset+8:]); d != 0x00af9a000000ffff {
		t.Errorf("GDT code descriptor %#x", d)
	}
	if base := binary.LittleEndian.Uint32(img[bp.GDTOffset+26:]); base != bp.TrampolinePhys+bp.GDTOffset {
		t.Errorf("GDTR base %#x", base)
	}
}

func buildTestKernel(t *testing.T) []byte {
	t.Helper()
	if err := srcdeps.Track("kernel", "platform"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "kernel")
	cmd := exec.Command("go", "build", "-o", out, "-ldflags", "-T -2145382400", "aramid/kernel/cmd/aramid")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "GOAMD64=v1", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build kernel: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMakeBootable(t *testing.T) {
	in := buildTestKernel(t)
	out, err := MakeBootable(in)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("output is not ELF: %v", err)
	}
	var loads, notes int
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_PHDR:
			t.Error("PT_PHDR left in place (the table moved)")
		case elf.PT_LOAD:
			loads++
			if p.Vaddr >= bp.KernelBase && p.Paddr != p.Vaddr-bp.KernelBase {
				t.Errorf("segment %#x: paddr %#x, want %#x", p.Vaddr, p.Paddr, p.Vaddr-bp.KernelBase)
			}
			if p.Vaddr == bp.TrampolinePhys && (p.Paddr != bp.TrampolinePhys || p.Memsz != bp.TrampolineMemSize) {
				t.Errorf("trampoline segment %+v", p.ProgHeader)
			}
		case elf.PT_NOTE:
			data := make([]byte, p.Filesz)
			p.ReadAt(data, 0)
			if len(data) >= 20 && string(data[12:15]) == "Xen" && binary.LittleEndian.Uint32(data[8:]) == xenElfnotePhys32Entry {
				notes++
				if e := binary.LittleEndian.Uint64(data[16:]); e != bp.TrampolinePhys {
					t.Errorf("PVH entry %#x", e)
				}
			}
		}
	}
	if loads < 4 || notes != 1 {
		t.Errorf("%d load segments, %d PVH notes", loads, notes)
	}

	// Multiboot2: header in the first 32 KiB, 8-aligned, checksum zero.
	found := false
	for off := 0; off+16 <= 32<<10 && off+16 <= len(out); off += 8 {
		if binary.LittleEndian.Uint32(out[off:]) != multiboot2HeaderMagic {
			continue
		}
		sum := uint32(0)
		for i := 0; i < 4; i++ {
			sum += binary.LittleEndian.Uint32(out[off+4*i:])
		}
		if sum != 0 {
			t.Errorf("multiboot2 checksum %#x", sum)
		}
		if tag := binary.LittleEndian.Uint16(out[off+16:]); tag != 3 {
			t.Errorf("first multiboot2 tag %d, want the entry-address tag", tag)
		}
		if e := binary.LittleEndian.Uint32(out[off+24:]); e != bp.TrampolinePhys {
			t.Errorf("multiboot2 entry %#x", e)
		}
		found = true
	}
	if !found {
		t.Error("no multiboot2 header in the first 32 KiB")
	}

	// Params block, in the trampoline segment.
	var trampOff uint64
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Vaddr == bp.TrampolinePhys {
			trampOff = p.Off
		}
	}
	var params bp.Params
	if err := binary.Read(bytes.NewReader(out[trampOff+bp.ParamsOffset:]), binary.LittleEndian, &params); err != nil {
		t.Fatal(err)
	}
	if params.Magic != bp.ParamsMagic || params.NumSegments < 3 || params.Entry64 < bp.KernelBase || params.PhysEnd <= 2<<20 {
		t.Errorf("params %+v", params)
	}

	// The lazy tail (Go's 32 MiB FIPS DRBG buffer ends the last segment)
	// is in params' segments and lazy list but not in what a loader
	// reserves: the loader's segments end at PhysEnd, where the lazy
	// object starts, and the lazy object runs to its segment's page end.
	var loaderEnd uint64
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Vaddr >= bp.KernelBase {
			loaderEnd = max(loaderEnd, p.Paddr+p.Memsz)
		}
	}
	var segEnd uint64
	for i := uint64(0); i < params.NumSegments; i++ {
		s := params.Segments[i]
		segEnd = max(segEnd, (s.Vaddr+s.Memsz+pageSize-1)&^(pageSize-1))
	}
	tail := false
	for _, l := range params.Lazy {
		if l.Memsz >= 32<<20-pageSize && l.Vaddr+l.Memsz == segEnd && l.Vaddr-bp.KernelBase == params.PhysEnd {
			tail = true
		}
	}
	if !tail || loaderEnd != params.PhysEnd || params.PhysEnd+32<<20 > segEnd-bp.KernelBase+pageSize {
		t.Errorf("lazy tail not trimmed: loader end %#x, PhysEnd %#x, segments end %#x, lazy %+v",
			loaderEnd, params.PhysEnd, segEnd, params.Lazy)
	}
}

func TestMakeBootableRejects(t *testing.T) {
	if _, err := MakeBootable([]byte("not an elf")); err == nil {
		t.Error("accepted garbage")
	}
	// A kernel linked at the default address is refused with a hint.
	out := filepath.Join(t.TempDir(), "k")
	cmd := exec.Command("go", "build", "-o", out, "aramid/kernel/cmd/aramid")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	b, _ := os.ReadFile(out)
	if _, err := MakeBootable(b); err == nil || !strings.Contains(err.Error(), "-T") {
		t.Errorf("low-linked kernel: err = %v", err)
	}
}
