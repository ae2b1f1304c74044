// Package cpuinfo writes /proc/cpuinfo from what the CPU itself reports
// through CPUID, in Linux's format: vendor, family, model and stepping,
// the brand string, cache size, address sizes, and the feature flags under
// Linux's names. A feature whose register state the kernel did not enable
// in XCR0 (AVX, AVX-512) is left out, as Linux leaves it out; Linux's
// synthetic flags that describe its own choices (rep_good, nopl, ...) and
// the "bugs" and "microcode" lines, which need knowledge the kernel does
// not have, are not printed.
package cpuinfo

import (
	"fmt"
	"strings"
)

// CPUID runs the CPUID instruction for leaf and subleaf.
type CPUID func(leaf, sub uint32) (a, b, c, d uint32)

// Machine is what the text describes besides CPUID.
type Machine struct {
	CPUID CPUID
	XCR0  uint64 // the enabled XSAVE state components
	TSCHz uint64
	CPUs  int // one block per CPU, processor 0..CPUs-1
}

// flagWord names the bits of one CPUID output register, in Linux's
// cpufeatures.h order; an empty name is a bit Linux does not show.
type flagWord struct {
	leaf, sub uint32
	reg       int // 0 EAX, 1 EBX, 2 ECX, 3 EDX
	names     [32]string
}

// words are in the order Linux prints them (its capability words 0, 1, 4,
// 6, 9, 10, 13, 14, 15, 16, 18).
var words = []flagWord{
	{1, 0, 3, [32]string{0: "fpu", 1: "vme", 2: "de", 3: "pse", 4: "tsc", 5: "msr", 6: "pae", 7: "mce", 8: "cx8",
		9: "apic", 11: "sep", 12: "mtrr", 13: "pge", 14: "mca", 15: "cmov", 16: "pat", 17: "pse36", 18: "pn",
		19: "clflush", 21: "dts", 22: "acpi", 23: "mmx", 24: "fxsr", 25: "sse", 26: "sse2", 27: "ss", 28: "ht",
		29: "tm", 30: "ia64", 31: "pbe"}},
	{0x80000001, 0, 3, [32]string{11: "syscall", 19: "mp", 20: "nx", 22: "mmxext", 25: "fxsr_opt", 26: "pdpe1gb",
		27: "rdtscp", 29: "lm", 30: "3dnowext", 31: "3dnow"}},
	{1, 0, 2, [32]string{0: "pni", 1: "pclmulqdq", 2: "dtes64", 3: "monitor", 4: "ds_cpl", 5: "vmx", 6: "smx",
		7: "est", 8: "tm2", 9: "ssse3", 10: "cid", 11: "sdbg", 12: "fma", 13: "cx16", 14: "xtpr", 15: "pdcm",
		17: "pcid", 18: "dca", 19: "sse4_1", 20: "sse4_2", 21: "x2apic", 22: "movbe", 23: "popcnt",
		24: "tsc_deadline_timer", 25: "aes", 26: "xsave", 28: "avx", 29: "f16c", 30: "rdrand", 31: "hypervisor"}},
	{0x80000001, 0, 2, [32]string{0: "lahf_lm", 1: "cmp_legacy", 2: "svm", 3: "extapic", 4: "cr8_legacy", 5: "abm",
		6: "sse4a", 7: "misalignsse", 8: "3dnowprefetch", 9: "osvw", 10: "ibs", 11: "xop", 12: "skinit", 13: "wdt",
		15: "lwp", 16: "fma4", 17: "tce", 19: "nodeid_msr", 21: "tbm", 22: "topoext", 23: "perfctr_core",
		24: "perfctr_nb", 26: "bpext", 27: "ptsc", 28: "perfctr_llc", 29: "mwaitx"}},
	{7, 0, 1, [32]string{0: "fsgsbase", 1: "tsc_adjust", 2: "sgx", 3: "bmi1", 4: "hle", 5: "avx2", 6: "fdp_excptn_only",
		7: "smep", 8: "bmi2", 9: "erms", 10: "invpcid", 11: "rtm", 12: "cqm", 14: "mpx", 15: "rdt_a",
		16: "avx512f", 17: "avx512dq", 18: "rdseed", 19: "adx", 20: "smap", 21: "avx512ifma", 23: "clflushopt",
		24: "clwb", 25: "intel_pt", 26: "avx512pf", 27: "avx512er", 28: "avx512cd", 29: "sha_ni", 30: "avx512bw",
		31: "avx512vl"}},
	{0xd, 1, 0, [32]string{0: "xsaveopt", 1: "xsavec", 2: "xgetbv1", 3: "xsaves"}},
	{0x80000008, 0, 1, [32]string{0: "clzero", 1: "irperf", 2: "xsaveerptr", 4: "rdpru", 9: "wbnoinvd"}},
	{6, 0, 0, [32]string{0: "dtherm", 1: "ida", 2: "arat", 4: "pln", 6: "pts", 7: "hwp", 8: "hwp_notify",
		9: "hwp_act_window", 10: "hwp_epp", 11: "hwp_pkg_req", 19: "hfi"}},
	{0x8000000a, 0, 3, [32]string{0: "npt", 1: "lbrv", 2: "svm_lock", 3: "nrip_save", 4: "tsc_scale",
		5: "vmcb_clean", 6: "flushbyasid", 7: "decodeassists", 10: "pausefilter", 12: "pfthreshold", 13: "avic",
		15: "v_vmsave_vmload", 16: "vgif", 20: "v_spec_ctrl"}},
	{7, 0, 2, [32]string{1: "avx512vbmi", 2: "umip", 4: "ospke", 5: "waitpkg", 6: "avx512_vbmi2", 8: "gfni",
		9: "vaes", 10: "vpclmulqdq", 11: "avx512_vnni", 12: "avx512_bitalg", 13: "tme", 14: "avx512_vpopcntdq",
		16: "la57", 22: "rdpid", 24: "bus_lock_detect", 25: "cldemote", 27: "movdiri", 28: "movdir64b",
		29: "enqcmd", 30: "sgx_lc"}},
	{7, 0, 3, [32]string{2: "avx512_4vnniw", 3: "avx512_4fmaps", 4: "fsrm", 8: "avx512_vp2intersect", 10: "md_clear",
		14: "serialize", 16: "tsxldtrk", 18: "pconfig", 19: "arch_lbr", 20: "ibt", 22: "amx_bf16",
		23: "avx512_fp16", 24: "amx_tile", 25: "amx_int8", 28: "flush_l1d", 29: "arch_capabilities"}},
}

// needsYMM and needsZMM are features unusable (and hidden, as Linux hides
// them) unless XCR0 enables the AVX or AVX-512 register state.
var (
	needsYMM = set("avx", "avx2", "fma", "f16c", "vaes", "vpclmulqdq")
	needsZMM = set("avx512f", "avx512dq", "avx512ifma", "avx512pf", "avx512er", "avx512cd", "avx512bw", "avx512vl",
		"avx512vbmi", "avx512_vbmi2", "avx512_vnni", "avx512_bitalg", "avx512_vpopcntdq", "avx512_4vnniw",
		"avx512_4fmaps", "avx512_vp2intersect", "avx512_fp16")
)

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func reg(a, b, c, d uint32, i int) uint32 { return [4]uint32{a, b, c, d}[i] }

// Flags returns the feature flags, in Linux's order.
func Flags(m Machine) []string {
	maxBasic, _, _, _ := m.CPUID(0, 0)
	maxExt, _, _, _ := m.CPUID(0x80000000, 0)
	ymm := m.XCR0&0x6 == 0x6
	zmm := ymm && m.XCR0&0xe0 == 0xe0
	var out []string
	for _, w := range words {
		if w.leaf < 0x80000000 && w.leaf > maxBasic || w.leaf >= 0x80000000 && w.leaf > maxExt {
			continue
		}
		a, b, c, d := m.CPUID(w.leaf, w.sub)
		v := reg(a, b, c, d, w.reg)
		for bit, name := range w.names {
			if name == "" || v&(1<<bit) == 0 || needsYMM[name] && !ymm || needsZMM[name] && !zmm {
				continue
			}
			out = append(out, name)
		}
		if w.leaf == 0x80000001 && w.reg == 3 {
			// Linux's synthetic word 3 comes next; of it only "cpuid"
			// (the instruction exists) is a fact this kernel knows.
			out = append(out, "cpuid")
		}
	}
	return out
}

// regString decodes the 12- or 16-byte strings CPUID returns in registers.
func regString(regs ...uint32) string {
	var b []byte
	for _, r := range regs {
		b = append(b, byte(r), byte(r>>8), byte(r>>16), byte(r>>24))
	}
	return strings.TrimSpace(strings.TrimRight(string(b), "\x00"))
}

// Text returns /proc/cpuinfo.
func Text(m Machine) string {
	maxBasic, vb, vc, vd := m.CPUID(0, 0)
	vendor := regString(vb, vd, vc)
	sig, ebx1, _, _ := m.CPUID(1, 0)
	family := sig >> 8 & 0xf
	model := sig >> 4 & 0xf
	if family == 0xf {
		family += sig >> 20 & 0xff
	}
	if family >= 6 {
		model |= (sig >> 16 & 0xf) << 4
	}
	stepping := sig & 0xf
	maxExt, _, _, _ := m.CPUID(0x80000000, 0)
	name := "unknown"
	if maxExt >= 0x80000004 {
		var r []uint32
		for l := uint32(0x80000002); l <= 0x80000004; l++ {
			a, b, c, d := m.CPUID(l, 0)
			r = append(r, a, b, c, d)
		}
		name = regString(r...)
	}
	cache := ""
	if maxExt >= 0x80000006 {
		_, _, c, _ := m.CPUID(0x80000006, 0)
		if kb := c >> 16; kb != 0 {
			cache = fmt.Sprintf("%d KB", kb)
		}
	}
	addr := ""
	if maxExt >= 0x80000008 {
		a, _, _, _ := m.CPUID(0x80000008, 0)
		addr = fmt.Sprintf("%d bits physical, %d bits virtual", a&0xff, a>>8&0xff)
	}
	clflush := (ebx1 >> 8 & 0xff) * 8
	flags := strings.Join(Flags(m), " ")
	mhz := float64(m.TSCHz) / 1e6
	var sb strings.Builder
	for cpu := 0; cpu < max(m.CPUs, 1); cpu++ {
		fmt.Fprintf(&sb, "processor\t: %d\nvendor_id\t: %s\ncpu family\t: %d\nmodel\t\t: %d\nmodel name\t: %s\nstepping\t: %d\n",
			cpu, vendor, family, model, name, stepping)
		fmt.Fprintf(&sb, "cpu MHz\t\t: %.3f\n", mhz)
		if cache != "" {
			fmt.Fprintf(&sb, "cache size\t: %s\n", cache)
		}
		fmt.Fprintf(&sb, "physical id\t: 0\nsiblings\t: %d\ncore id\t\t: %d\ncpu cores\t: %d\napicid\t\t: %d\ninitial apicid\t: %d\n",
			max(m.CPUs, 1), cpu, max(m.CPUs, 1), cpu, cpu)
		fmt.Fprintf(&sb, "fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %d\nwp\t\t: yes\nflags\t\t: %s\n", maxBasic, flags)
		fmt.Fprintf(&sb, "bogomips\t: %.2f\nclflush size\t: %d\ncache_alignment\t: %d\n", 2*mhz, clflush, clflush)
		if addr != "" {
			fmt.Fprintf(&sb, "address sizes\t: %s\n", addr)
		}
		sb.WriteString("power management:\n\n")
	}
	return sb.String()
}
