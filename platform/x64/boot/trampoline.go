// Package boot is the host-side post-link step: it turns the ELF the Go linker
// writes for the kernel into an image that QEMU's -kernel (Xen PVH note) and
// GRUB (multiboot2) can load, and it holds the hand-encoded 32-bit entry
// trampoline that takes the CPU from protected mode to the Go entry in long
// mode. Every byte of that machine code is checked by disassembly in the tests.
package boot

import (
	"encoding/binary"
	"fmt"

	bp "aramid/platform/x64/bootparams"
)

// asm is a tiny byte emitter for the trampoline. Each method emits exactly one
// instruction; the disassembly test reads them back.
type asm struct{ b []byte }

func (a *asm) bytes(bs ...byte) { a.b = append(a.b, bs...) }
func (a *asm) u16(v uint16)     { a.b = binary.LittleEndian.AppendUint16(a.b, v) }
func (a *asm) u32(v uint32)     { a.b = binary.LittleEndian.AppendUint32(a.b, v) }
func (a *asm) u64(v uint64)     { a.b = binary.LittleEndian.AppendUint64(a.b, v) }
func (a *asm) pc() uint32       { return uint32(bp.TrampolinePhys + bp.CodeOffset + len(a.b)) }

// movMemImm32 encodes "mov dword [addr], imm" (C7 /0 with a disp32 operand).
func (a *asm) movMemImm32(addr, imm uint32) { a.bytes(0xC7, 0x05); a.u32(addr); a.u32(imm) }

// Physical addresses of the trampoline's page tables.
const (
	ptBase = bp.TrampolinePhys + bp.PTOffset
	pml4   = ptBase + 0*0x1000
	pdptLo = ptBase + 1*0x1000
	pdptHi = ptBase + 2*0x1000
	pd0    = ptBase + 3*0x1000 // pd0..pd3 map physical 0-4 GiB, 1 GiB each

	ptePresentWrite = 0x3
	pdeLarge        = 0x83 // present, writable, 2 MiB page

	kernelCS = 0x08
	kernelDS = 0x10

	gdtAddr  = bp.TrampolinePhys + bp.GDTOffset
	gdtrAddr = gdtAddr + 24
)

// CPUID.80000001h:EDX bits the kernel cannot run without.
const (
	cpuidNX = 1 << 20
	cpuidLM = 1 << 29

	debugExitPort = 0xF4 // QEMU's isa-debug-exit, as the nucleus uses it
)

// RefusalLine is what the trampoline prints on a CPU without long mode or
// NX before it stops.
const RefusalLine = "Aramid requires an x86-64 CPU with NX (no-execute pages): unable to boot on this CPU"

// gdt is the minimal descriptor table for the mode switch: null, 64-bit code,
// data. The nucleus installs its real GDT (with TSS and user segments) later.
var gdt = [3]uint64{0, 0x00af9a000000ffff, 0x00cf92000000ffff}

// Trampoline returns the trampoline segment's file image (TrampolineFileSize
// bytes: code, GDT, GDTR; the Params block is left zero for the caller) with
// the 64-bit continuation jumping to entry64, the nucleus entry's virtual
// address. On entry (PVH or multiboot2) the CPU is in 32-bit protected mode
// with paging off; EAX holds the multiboot2 magic (PVH: undefined) and EBX the
// physical address of the boot information. The Go entry receives them in
// RDI (magic) and RSI (boot info).
func Trampoline(entry64 uint64) ([]byte, error) {
	var a asm
	a.bytes(0xFA)       // cli
	a.bytes(0x89, 0xC5) // mov ebp, eax   ; keep the boot magic
	a.bytes(0x89, 0xDE) // mov esi, ebx   ; keep the boot info pointer

	// The CPU must have long mode and NX (the trampoline sets EFER.NXE and
	// the nucleus maps with NX): otherwise say so on the serial port in
	// one line, as Linux's setup code refuses a CPU without long mode, and
	// stop (status 1 through isa-debug-exit where there is one, then halt).
	var refuseJumps []int
	a.bytes(0xB8)
	a.u32(0x80000000)   // mov eax, 0x80000000
	a.bytes(0x0F, 0xA2) // cpuid
	a.bytes(0x3D)
	a.u32(0x80000001)   // cmp eax, 0x80000001
	a.bytes(0x0F, 0x82) // jb refuse
	refuseJumps = append(refuseJumps, len(a.b))
	a.u32(0)
	a.bytes(0xB8)
	a.u32(0x80000001)   // mov eax, 0x80000001
	a.bytes(0x0F, 0xA2) // cpuid
	a.bytes(0x81, 0xE2)
	a.u32(cpuidLM | cpuidNX) // and edx, LM|NX
	a.bytes(0x81, 0xFA)
	a.u32(cpuidLM | cpuidNX) // cmp edx, LM|NX
	a.bytes(0x0F, 0x85)      // jne refuse
	refuseJumps = append(refuseJumps, len(a.b))
	a.u32(0)

	// Zero the page-table area: loaders zero-fill bss, but do not depend on it.
	a.bytes(0xBF)
	a.u32(ptBase) // mov edi, ptBase
	a.bytes(0xB9)
	a.u32(bp.TrampolinePTPages * 1024) // mov ecx, dwords
	a.bytes(0x31, 0xC0)                // xor eax, eax
	a.bytes(0xF3, 0xAB)                // rep stosd

	a.movMemImm32(pml4+0*8, pdptLo|ptePresentWrite)
	a.movMemImm32(pml4+511*8, pdptHi|ptePresentWrite)
	for i := uint32(0); i < 4; i++ {
		a.movMemImm32(pdptLo+i*8, pd0+i*0x1000|ptePresentWrite)
	}
	// 0xffffffff80000000 is PML4 slot 511, PDPT slot 510: map 0-2 GiB there.
	a.movMemImm32(pdptHi+510*8, pd0+0*0x1000|ptePresentWrite)
	a.movMemImm32(pdptHi+511*8, pd0+1*0x1000|ptePresentWrite)

	// Fill the four page directories: entry i maps i*2 MiB.
	a.bytes(0xBF)
	a.u32(pd0) // mov edi, pd0
	a.bytes(0xB8)
	a.u32(pdeLarge) // mov eax, pdeLarge
	a.bytes(0xB9)
	a.u32(4 * 512) // mov ecx, 2048
	loop := len(a.b)
	a.bytes(0x89, 0x07) // mov [edi], eax
	a.bytes(0x05)
	a.u32(0x200000)           // add eax, 2 MiB
	a.bytes(0x83, 0xC7, 0x08) // add edi, 8
	a.bytes(0x49)             // dec ecx
	rel := loop - (len(a.b) + 2)
	a.bytes(0x75, byte(int8(rel))) // jnz loop

	a.bytes(0x0F, 0x20, 0xE0) // mov eax, cr4
	a.bytes(0x83, 0xC8, 0x20) // or eax, CR4.PAE
	a.bytes(0x0F, 0x22, 0xE0) // mov cr4, eax
	a.bytes(0xB8)
	a.u32(pml4)               // mov eax, pml4
	a.bytes(0x0F, 0x22, 0xD8) // mov cr3, eax
	a.bytes(0xB9)
	a.u32(0xC0000080)   // mov ecx, IA32_EFER
	a.bytes(0x0F, 0x32) // rdmsr
	a.bytes(0x0D)
	a.u32(0x901)              // or eax, SCE|LME|NXE
	a.bytes(0x0F, 0x30)       // wrmsr
	a.bytes(0x0F, 0x20, 0xC0) // mov eax, cr0
	a.bytes(0x0D)
	a.u32(0x80010001)         // or eax, PG|WP|PE
	a.bytes(0x0F, 0x22, 0xC0) // mov cr0, eax
	a.bytes(0x0F, 0x01, 0x15)
	a.u32(gdtrAddr) // lgdt [gdtr]
	a.bytes(0xEA)
	far := len(a.b)
	a.u32(0)
	a.u16(kernelCS) // jmp far kernelCS:long
	binary.LittleEndian.PutUint32(a.b[far:], a.pc())

	// 64-bit mode from here on.
	a.bytes(0xB8)
	a.u32(kernelDS)     // mov eax, kernelDS
	a.bytes(0x8E, 0xD8) // mov ds, eax
	a.bytes(0x8E, 0xC0) // mov es, eax
	a.bytes(0x8E, 0xD0) // mov ss, eax
	a.bytes(0x31, 0xC0) // xor eax, eax
	a.bytes(0x8E, 0xE0) // mov fs, eax
	a.bytes(0x8E, 0xE8) // mov gs, eax
	a.bytes(0x89, 0xEF) // mov edi, ebp  ; zero-extends: RDI = magic
	a.bytes(0x89, 0xF6) // mov esi, esi  ; RSI = boot info
	a.bytes(0x48, 0xB8)
	a.u64(entry64)      // mov rax, entry64
	a.bytes(0xFF, 0xE0) // jmp rax

	// refuse: 32-bit code again (only the checks above jump here).
	refuse := len(a.b)
	for _, j := range refuseJumps {
		binary.LittleEndian.PutUint32(a.b[j:], uint32(refuse-(j+4)))
	}
	a.bytes(0xBE)
	msgAt := len(a.b)
	a.u32(0) // mov esi, message
	next := len(a.b)
	a.bytes(0x66, 0xBA)
	a.u16(0x3FD) // mov dx, COM1 line status
	wait := len(a.b)
	a.bytes(0xEC)                                // in al, dx
	a.bytes(0xA8, 0x20)                          // test al, THR empty
	a.bytes(0x74, byte(int8(wait-(len(a.b)+2)))) // jz wait
	a.bytes(0xAC)                                // lodsb
	a.bytes(0x84, 0xC0)                          // test al, al
	a.bytes(0x74, 0x07)                          // jz done (skips the 7 bytes below)
	a.bytes(0x66, 0xBA)
	a.u16(0x3F8)                                 // mov dx, COM1 data
	a.bytes(0xEE)                                // out dx, al
	a.bytes(0xEB, byte(int8(next-(len(a.b)+2)))) // jmp next
	a.bytes(0x66, 0xBA)
	a.u16(debugExitPort) // done: mov dx, isa-debug-exit
	a.bytes(0xB8)
	a.u32(1)            // mov eax, 1
	a.bytes(0xEF)       // out dx, eax
	a.bytes(0xFA)       // cli
	a.bytes(0xF4)       // hlt
	a.bytes(0xEB, 0xFC) // jmp back to the cli
	binary.LittleEndian.PutUint32(a.b[msgAt:], a.pc())
	a.bytes([]byte("\r\n" + RefusalLine + "\r\n\x00")...)

	if len(a.b) > bp.GDTOffset-bp.CodeOffset {
		return nil, fmt.Errorf("boot: trampoline code is %d bytes, room for %d", len(a.b), bp.GDTOffset)
	}
	img := make([]byte, bp.TrampolineFileSize)
	copy(img[bp.CodeOffset:], a.b)
	for i, d := range gdt {
		binary.LittleEndian.PutUint64(img[bp.GDTOffset+8*i:], d)
	}
	binary.LittleEndian.PutUint16(img[bp.GDTOffset+24:], uint16(len(gdt)*8-1))
	binary.LittleEndian.PutUint32(img[bp.GDTOffset+26:], gdtAddr)
	return img, nil
}

// CodeLen reports how many bytes of the image are code, and where the 32-bit
// part ends (the far jump's target), for the disassembly test.
func codeSplit(img []byte) (code32, code64 []byte) {
	// The 64-bit part starts right after the 7-byte far jump (EA imm32 imm16).
	for i := 0; i+7 <= len(img); i++ {
		if img[i] == 0xEA && img[i+5] == kernelCS && img[i+6] == 0 {
			target := int(binary.LittleEndian.Uint32(img[i+1:])) - bp.TrampolinePhys - bp.CodeOffset
			if target == i+7 {
				end := target
				for end+1 < bp.GDTOffset && !(img[end] == 0xFF && img[end+1] == 0xE0) {
					end++
				}
				return img[:target], img[target : end+2]
			}
		}
	}
	return nil, nil
}
