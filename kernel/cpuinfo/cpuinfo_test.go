package cpuinfo

import (
	"slices"
	"strings"
	"testing"
)

// fakeCPU answers CPUID from a table; absent leaves read as zeros.
type fakeCPU map[[2]uint32][4]uint32

func (f fakeCPU) cpuid(leaf, sub uint32) (a, b, c, d uint32) {
	r := f[[2]uint32{leaf, sub}]
	return r[0], r[1], r[2], r[3]
}

// le packs 4 bytes of s little-endian, as CPUID returns strings.
func le(s string) uint32 { return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24 }

func haswellLike() fakeCPU {
	brand := "Test CPU @ 2.00GHz\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	f := fakeCPU{
		{0, 0}:          {0xd, le("Genu"), le("ntel"), le("ineI")},
		{1, 0}:          {0x306c3, 0x800, 1<<0 | 1<<9 | 1<<19 | 1<<20 | 1<<26 | 1<<28 | 1<<12, 1<<0 | 1<<25 | 1<<26},
		{7, 0}:          {0, 1<<5 | 1<<3 | 1<<16, 1 << 3, 0},
		{0x80000000, 0}: {0x80000008, 0, 0, 0},
		{0x80000001, 0}: {0, 0, 1, 1<<29 | 1<<20 | 1<<11},
		{0x80000006, 0}: {0, 0, 256 << 16, 0},
		{0x80000008, 0}: {0x3027, 0, 0, 0},
	}
	for i := uint32(0); i < 3; i++ {
		var r [4]uint32
		for j := range r {
			r[j] = le(brand[16*i+4*uint32(j):])
		}
		f[[2]uint32{0x80000002 + i, 0}] = r
	}
	return f
}

func TestFlags(t *testing.T) {
	cpu := haswellLike()
	for _, tc := range []struct {
		name string
		xcr0 uint64
		want []string
		not  []string
	}{
		{"AVX enabled", 0x7, []string{"fpu", "sse", "sse2", "syscall", "nx", "lm", "cpuid", "pni", "ssse3", "sse4_1",
			"sse4_2", "xsave", "avx", "fma", "lahf_lm", "bmi1", "avx2"}, []string{"avx512f", "pku", "vme"}},
		{"AVX state off", 0x3, []string{"sse4_2", "xsave", "bmi1"}, []string{"avx", "avx2", "fma", "avx512f"}},
		{"AVX-512 state on", 0xe7, []string{"avx", "avx2", "avx512f"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Flags(Machine{CPUID: cpu.cpuid, XCR0: tc.xcr0})
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("flags lack %q: %v", w, got)
				}
			}
			for _, n := range tc.not {
				if slices.Contains(got, n) {
					t.Errorf("flags have %q, which the CPU or XCR0 does not give: %v", n, got)
				}
			}
		})
	}
}

func TestText(t *testing.T) {
	txt := Text(Machine{CPUID: haswellLike().cpuid, XCR0: 7, TSCHz: 2_000_000_000, CPUs: 2})
	for _, want := range []string{
		"processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 60\nmodel name\t: Test CPU @ 2.00GHz\nstepping\t: 3\n",
		"cpu MHz\t\t: 2000.000\ncache size\t: 256 KB\n",
		"cpuid level\t: 13\n",
		"clflush size\t: 64\n",
		"address sizes\t: 39 bits physical, 48 bits virtual\n",
		"processor\t: 1\n",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("cpuinfo lacks %q:\n%s", want, txt)
		}
	}
	if n := strings.Count(txt, "processor\t:"); n != 2 {
		t.Errorf("%d processor blocks, want 2", n)
	}
}
