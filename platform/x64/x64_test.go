package x64

import (
	"reflect"
	"testing"
	"unsafe"

	"aramid/kernel/machine"
	"aramid/platform/x64/nucleus"

	"golang.org/x/arch/x86/x86asm"
)

// TestRegsLayout checks that nucleus.UserContext starts with exactly
// machine.Regs's fields, which context.Regs relies on.
func TestRegsLayout(t *testing.T) {
	rt := reflect.TypeOf(machine.Regs{})
	ut := reflect.TypeOf(nucleus.UserContext{})
	for i := 0; i < rt.NumField(); i++ {
		rf, uf := rt.Field(i), ut.Field(i)
		if rf.Name != uf.Name || rf.Offset != uf.Offset || rf.Type != uf.Type {
			t.Errorf("field %d: machine.Regs has %s@%d, UserContext has %s@%d", i, rf.Name, rf.Offset, uf.Name, uf.Offset)
		}
	}
	if unsafe.Sizeof(machine.Regs{}) != 23*8 {
		t.Errorf("machine.Regs is %d bytes", unsafe.Sizeof(machine.Regs{}))
	}
}

// TestVDSOCodeIsPositionIndependent disassembles the vDSO code: it may not
// address memory absolutely or RIP-relatively (it runs at another address
// than it was linked at), and its only call is the one to the next
// instruction that finds its own address.
func TestVDSOCodeIsPositionIndependent(t *testing.T) {
	code := VDSOCode()
	if len(code) < VDSOSlotGetcpu+8 {
		t.Fatalf("vDSO code is %d bytes", len(code))
	}
	syscalls := 0
	for off := 0; off < len(code); {
		inst, err := x86asm.Decode(code[off:], 64)
		if err != nil {
			t.Fatalf("offset %#x: %v", off, err)
		}
		for _, a := range inst.Args {
			if m, ok := a.(x86asm.Mem); ok && (m.Base == 0 && m.Index == 0 || m.Base == x86asm.RIP) {
				t.Errorf("offset %#x: %v uses an absolute or RIP-relative address", off, inst)
			}
		}
		switch inst.Op {
		case x86asm.CALL:
			if rel, ok := inst.Args[0].(x86asm.Rel); !ok || rel != 0 {
				t.Errorf("offset %#x: %v calls out", off, inst)
			}
		case x86asm.SYSCALL:
			syscalls++
		}
		off += inst.Len
	}
	if syscalls != 1 {
		t.Errorf("%d SYSCALL instructions, want the one clock_gettime fallback", syscalls)
	}
}
