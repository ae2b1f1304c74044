package task

import (
	"encoding/binary"
	"testing"
)

// TestSanitizeXSave checks what rt_sigreturn makes of an FPU image from user
// memory: MXCSR loses its reserved bits in both formats; an XSAVE image
// keeps only the enabled components in XSTATE_BV and loses XCOMP_BV, and
// the 512-byte FXSAVE image of a CPU without XSAVE has no header to touch.
func TestSanitizeXSave(t *testing.T) {
	le := binary.LittleEndian
	for _, tc := range []struct {
		name     string
		size     int
		wantBV   uint64 // XSTATE_BV after, for XSAVE images
		checkHdr bool
	}{
		{"fxsave", 512, 0, false},
		{"xsave-sse", 576, 0x3, true},
		{"xsave-avx", 832, 0x7, true},
		{"xsave-avx512", 2688, 0xe7, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := make([]byte, tc.size)
			for i := range img {
				img[i] = 0xff
			}
			sanitizeXSave(img)
			if got := le.Uint32(img[24:]); got != 0xffff {
				t.Errorf("MXCSR = %#x, want %#x", got, 0xffff)
			}
			if got := le.Uint32(img[464:]); got != 0xffffffff {
				t.Errorf("software-reserved bytes changed: %#x", got)
			}
			if !tc.checkHdr {
				return
			}
			if got := le.Uint64(img[512:]); got != tc.wantBV {
				t.Errorf("XSTATE_BV = %#x, want %#x", got, tc.wantBV)
			}
			for i := 520; i < 576; i++ {
				if img[i] != 0 {
					t.Fatalf("header byte %d = %#x, want 0", i, img[i])
				}
			}
		})
	}
}
