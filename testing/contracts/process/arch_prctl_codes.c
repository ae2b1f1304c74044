/* arch_prctl: ARCH_GET_FS/ARCH_GET_GS/ARCH_SET_GS round trips, EFAULT for a
 * bad result pointer, EPERM for a non-canonical base, ARCH_GET_CPUID and
 * ARCH_SET_CPUID, and EINVAL for unknown codes. */
#include "contract.h"
#include <asm/prctl.h>

#ifndef ARCH_GET_CPUID
#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012
#endif

static long ap(int code, unsigned long addr) { return syscall(SYS_arch_prctl, code, addr); }

int main(void)
{
	unsigned long fs = 0, gs = 1;
	SYS(ap(ARCH_GET_FS, (unsigned long)&fs));
	EQ("fs_nonzero", fs != 0, 1);
	unsigned long self;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(self));
	EQ("fs_is_tcb", self == fs, 1);
	SYS(ap(ARCH_GET_GS, (unsigned long)&gs));
	EQ("gs_initial", gs, 0);
	EQ("set_gs", ap(ARCH_SET_GS, 0x12345000), 0);
	SYS(ap(ARCH_GET_GS, (unsigned long)&gs));
	EQ("gs_after", gs == 0x12345000, 1);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		unsigned long g = 0;
		ap(ARCH_GET_GS, (unsigned long)&g);
		_exit(g == 0x12345000 ? 0 : 1);
	}
	STREQ("gs_inherited", wstatus(reap(pid)), "exit 0");
	EQ("set_gs_zero", ap(ARCH_SET_GS, 0), 0);
	ERR("get_fs_fault", ap(ARCH_GET_FS, 8), EFAULT);
	ERR("get_gs_fault", ap(ARCH_GET_GS, 8), EFAULT);
	ERR("set_fs_noncanon", ap(ARCH_SET_FS, 0xffff800000000000UL), EPERM);
	ERR("set_gs_noncanon", ap(ARCH_SET_GS, 0xffff800000000000UL), EPERM);
	EQ("get_cpuid", ap(ARCH_GET_CPUID, 0), 1);
	ERR("unknown", ap(0x1099, 0), EINVAL);
	ERR("unknown_low", ap(0, 0), EINVAL);
	long r = ap(ARCH_SET_CPUID, 1);
	OUT("set_cpuid_1", "%s", r == 0 ? "OK" : errname(errno));
	pass();
}
