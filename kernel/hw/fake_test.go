package hw

import (
	"testing"
	"time"
)

// waitFor reports whether i.Wait returns within a second.
func waitFor(i Interrupt) bool {
	done := make(chan struct{})
	go func() { i.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(time.Second):
		return false
	}
}

func TestFakeLevelLine(t *testing.T) {
	f := NewFake()
	a, err := f.LegacyIRQ(11)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := f.LegacyIRQ(11) // a second driver sharing the line
	if a.Vector() != b.Vector() {
		t.Errorf("shared line on vectors %#x and %#x", a.Vector(), b.Vector())
	}
	f.RaiseLine(11)
	if !waitFor(a) || !waitFor(b) {
		t.Fatal("a raised line did not wake both sharers")
	}
	// Masked until Done: a second assertion is held, then delivered.
	f.RaiseLine(11)
	if n := f.Interrupts(a.Vector()); n != 1 {
		t.Errorf("%d interrupts delivered while the line was masked, want 1", n)
	}
	a.Done()
	if !waitFor(a) {
		t.Fatal("the assertion held while masked was not delivered at Done")
	}
}

func TestFakeMSIAndDMA(t *testing.T) {
	f := NewFake()
	m, err := f.AllocMSI()
	if err != nil {
		t.Fatal(err)
	}
	if m.Address() != 0xfee00000 || m.Data() != uint32(m.Vector()) {
		t.Errorf("MSI address %#x data %#x", m.Address(), m.Data())
	}
	f.Raise(m.Vector())
	if !waitFor(m) {
		t.Fatal("MSI not delivered")
	}
	d, err := f.AllocDMA(100)
	if err != nil {
		t.Fatal(err)
	}
	if d.Size() != 4096 {
		t.Errorf("size %d, want a whole page", d.Size())
	}
	d.Store32(8, 0xdeadbeef)
	var p [4]byte
	if err := f.ReadPhys(d.Phys()+8, p[:]); err != nil || p != [4]byte{0xef, 0xbe, 0xad, 0xde} {
		t.Errorf("device view % x, %v", p, err)
	}
	if err := f.WritePhys(d.Phys()+4096, p[:]); err == nil {
		t.Error("a device write past the buffer succeeded")
	}
	d.Free()
	if err := f.ReadPhys(d.Phys(), p[:]); err == nil {
		t.Error("a device read of freed memory succeeded")
	}
	if _, err := f.MapMMIO(0x1000, 16); err == nil {
		t.Error("mapping where no device is succeeded")
	}
}
