package task

import "testing"

// TestMinSigStkSz checks AT_MINSIGSTKSZ against the values Debian's Linux
// gives under QEMU (contract process/auxv_cpu): 1440 on qemu64 (FXSAVE),
// 3632 on -cpu max (XCR0 0x207: x87, SSE, AVX and PKRU, a 2696-byte XSAVE
// area), and 1776 on Haswell and EPYC (XCR0 0x7, 832 bytes).
func TestMinSigStkSz(t *testing.T) {
	defer SetCPU(CPU{FPUSize: fxsaveSize})
	for _, tt := range []struct {
		name string
		cpu  CPU
		want uint64
	}{
		{"qemu64", CPU{FPUSize: 512}, 1440},
		{"max", CPU{XCR0: 0x207, FPUSize: 2696, HWCap2: 2}, 3632},
		{"avx", CPU{XCR0: 0x7, FPUSize: 832}, 1776}, // -cpu Haswell, EPYC
	} {
		SetCPU(tt.cpu)
		if got := MinSigStkSz(); got != tt.want {
			t.Errorf("%s: MinSigStkSz() = %d, want %d", tt.name, got, tt.want)
		}
		// Aramid's own frame (rt_sigframe, the image with MAGIC2, the
		// worst alignment of both) fits in a stack of that size.
		if own := uint64(frameSize + tt.cpu.FPUSize + xstateMagic2Size + 63 + 15 + 8); own > tt.want {
			t.Errorf("%s: Aramid's frame needs up to %d bytes, more than %d", tt.name, own, tt.want)
		}
		// The signal frame's xfeatures are the machine's XCR0.
		if tt.cpu.XCR0 != 0 && xfeaturesFor(tt.cpu.FPUSize) != tt.cpu.XCR0 {
			t.Errorf("%s: xfeaturesFor = %#x, want %#x", tt.name, xfeaturesFor(tt.cpu.FPUSize), tt.cpu.XCR0)
		}
	}
}
