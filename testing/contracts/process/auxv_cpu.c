/* The auxiliary vector's CPU entries: AT_MINSIGSTKSZ is Linux's signal
 * frame bound computed from the XSAVE area the kernel enabled (CPUID leaf
 * 0xd's size for XCR0, or FXSAVE's 512 bytes without OSXSAVE), and
 * AT_HWCAP2 has HWCAP2_FSGSBASE exactly when the CPU has FSGSBASE, in
 * which case RDFSBASE/WRGSBASE work in user mode and agree with
 * arch_prctl. /proc/self/auxv holds the same vector, ending in AT_NULL.
 * Run it under -cpu max and -cpu qemu64 (the runner's -cpu). */
#include "contract.h"
#include <asm/prctl.h>
#include <cpuid.h>
#include <sys/auxv.h>

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif
#define HWCAP2_FSGSBASE (1 << 1)

static long ap(int code, unsigned long addr) { return syscall(SYS_arch_prctl, code, addr); }

int main(void)
{
	unsigned a, b, c, d;
	__cpuid(1, a, b, c, d);
	int osxsave = (c >> 27) & 1;
	unsigned fpu = 512;
	if (osxsave) {
		__cpuid_count(0xd, 0, a, b, c, d);
		fpu = b + 4; /* the XSAVE area for XCR0, then FP_XSTATE_MAGIC2 */
	}
	/* struct sigframe_ia32 (the largest frame kind: 736 bytes with its
	 * 8-byte alignment), alignment padding, the FPU image with the fsave
	 * header, the XSAVE alignment padding. */
	unsigned long want = (736 + 15 + fpu + 112 + 63 + 15) & ~15UL;
	unsigned long min = getauxval(AT_MINSIGSTKSZ);
	OUT("osxsave", "%d", osxsave);
	OUT("minsigstksz", "%lu", min);
	EQ("minsigstksz_from_xsave_size", min, want);

	__cpuid_count(7, 0, a, b, c, d);
	int cpu_fsgsbase = b & 1;
	unsigned long hwcap2 = getauxval(AT_HWCAP2);
	OUT("cpu_fsgsbase", "%d", cpu_fsgsbase);
	OUT("hwcap2", "%#lx", hwcap2);
	EQ("hwcap2_fsgsbase_is_cpus", !!(hwcap2 & HWCAP2_FSGSBASE), cpu_fsgsbase);
	if (hwcap2 & HWCAP2_FSGSBASE) {
		unsigned long fs = 0, viaprctl = 0, gs = 0;
		__asm__ volatile("rdfsbase %0" : "=r"(fs));
		SYS(ap(ARCH_GET_FS, (unsigned long)&viaprctl));
		EQ("rdfsbase_is_arch_get_fs", fs == viaprctl, 1);
		__asm__ volatile("wrgsbase %0" : : "r"(0x12345000UL));
		sched_yield();
		SYS(ap(ARCH_GET_GS, (unsigned long)&gs));
		EQ("wrgsbase_seen_by_arch_get_gs", gs == 0x12345000UL, 1);
		__asm__ volatile("rdgsbase %0" : "=r"(gs));
		EQ("rdgsbase_after_yield", gs == 0x12345000UL, 1);
		__asm__ volatile("wrgsbase %0" : : "r"(0UL));
	}

	unsigned long v[2 * 64];
	int fd = SYS(open("/proc/self/auxv", O_RDONLY));
	long n = SYS(read(fd, v, sizeof v));
	close(fd);
	int pairs = n / 16, matches = 1, has_min = 0;
	for (int i = 0; i < pairs && v[2 * i] != AT_NULL; i++) {
		if (v[2 * i] == AT_MINSIGSTKSZ)
			has_min = 1;
		if (getauxval(v[2 * i]) != v[2 * i + 1])
			matches = 0;
	}
	EQ("proc_auxv_whole_pairs", n % 16, 0);
	EQ("proc_auxv_ends_at_null", pairs > 0 && v[2 * (pairs - 1)] == AT_NULL, 1);
	EQ("proc_auxv_is_getauxval", matches, 1);
	EQ("proc_auxv_has_minsigstksz", has_min, 1);
	pass();
}
