package procfs

import "testing"

func TestCPUMaskFormats(t *testing.T) {
	for _, tc := range []struct {
		mask      uint64
		n         int
		hex, list string
	}{
		{1, 1, "1", "0"},
		{0xf, 4, "f", "0-3"},
		{0x4, 8, "04", "2"},
		{0x2d, 8, "2d", "0,2-3,5"},
		{1 << 40, 64, "00000100,00000000", "40"},
	} {
		if got := cpumaskHex(tc.mask, tc.n); got != tc.hex {
			t.Errorf("cpumaskHex(%#x, %d) = %q, want %q", tc.mask, tc.n, got, tc.hex)
		}
		if got := cpuList(tc.mask); got != tc.list {
			t.Errorf("cpuList(%#x) = %q, want %q", tc.mask, got, tc.list)
		}
	}
}
