package x64

import (
	"reflect"
	"testing"
	"unsafe"

	"aramid/kernel/machine"
	"aramid/platform/x64/nucleus"
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
