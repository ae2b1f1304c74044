package nucleus

import (
	"encoding/binary"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// TestAPTrampolineDisassembly decodes the hand-encoded AP start-up code in
// the mode each part runs in (real, protected, long) and compares it with
// the listing it is meant to be; it also checks the GDT and GDTR the real-mode
// part loads and that the code stays clear of the data slots.
func TestAPTrampolineDisassembly(t *testing.T) {
	parts := []struct {
		off, end, mode int
		want           []string
	}{
		{apCode16, apCode32, 16, []string{
			"cli",
			"mov ax, cs",
			"mov ds, ax",
			"lgdt ptr [0xe0]",
			"mov eax, cr0",
			"or eax, 0x1",
			"mov cr0, eax",
			"jmp far 0x8040, 0x8", // x86asm prints offset, selector
		}},
		{apCode32, apCode64, 32, []string{
			"mov ax, 0x10",
			"mov ds, ax",
			"mov es, ax",
			"mov ss, ax",
			"mov eax, 0x20",
			"mov cr4, eax",
			"mov eax, dword ptr [0x80f0]",
			"mov cr3, eax",
			"mov ecx, 0xc0000080",
			"rdmsr",
			"or eax, 0x901",
			"wrmsr",
			"mov eax, 0x80010033",
			"mov cr0, eax",
			"jmp far 0x8080, 0x18",
		}},
		{apCode64, apGDT, 64, []string{
			"mov rsp, qword ptr [0x80f8]",
			"mov rdi, qword ptr [0x8108]",
			"mov rax, qword ptr [0x8100]",
			"jmp rax",
		}},
	}
	for _, p := range parts {
		var got []string
		off := p.off
		for len(got) < len(p.want) {
			inst, err := x86asm.Decode(apTrampoline[off:p.end], p.mode)
			if err != nil {
				t.Fatalf("%d-bit part, offset %#x: %v", p.mode, off, err)
			}
			got = append(got, x86asm.IntelSyntax(inst, uint64(apTrampPhys+off), nil))
			off += inst.Len
		}
		if strings.Join(got, "\n") != strings.Join(p.want, "\n") {
			t.Errorf("%d-bit part:\n%s\nwant:\n%s", p.mode, strings.Join(got, "\n"), strings.Join(p.want, "\n"))
		}
		for i := off; i < p.end; i++ {
			if apTrampoline[i] != 0 {
				t.Errorf("%d-bit part: stray byte %#x at %#x after the listing", p.mode, apTrampoline[i], i)
			}
		}
	}
	gdt := []uint64{0, 0x00cf9a000000ffff, 0x00cf92000000ffff, 0x00af9a000000ffff}
	for i, want := range gdt {
		if d := binary.LittleEndian.Uint64(apTrampoline[apGDT+8*i:]); d != want {
			t.Errorf("GDT[%d] = %#x, want %#x", i, d, want)
		}
	}
	if limit := binary.LittleEndian.Uint16(apTrampoline[apGDTR:]); limit != uint16(8*len(gdt)-1) {
		t.Errorf("GDTR limit %#x", limit)
	}
	if base := binary.LittleEndian.Uint32(apTrampoline[apGDTR+2:]); base != apTrampPhys+apGDT {
		t.Errorf("GDTR base %#x, want %#x", base, apTrampPhys+apGDT)
	}
	for i := apSlotCR3; i < apTrampLen; i++ {
		if apTrampoline[i] != 0 {
			t.Errorf("data slot byte %#x is not zero in the image", i)
		}
	}
}
