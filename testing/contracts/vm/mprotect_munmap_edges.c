/* mprotect and munmap edge cases: alignment, zero lengths, unknown
 * protection bits, holes (mprotect changes the mappings before a hole and
 * then fails with ENOMEM; munmap of a hole is fine), ranges past the top. */
#include "contract.h"
#include <sys/mman.h>
#include <setjmp.h>

static sigjmp_buf jb;
static void on_segv(int sig) { (void)sig; siglongjmp(jb, 1); }

static int writable(char *p)
{
	if (sigsetjmp(jb, 1))
		return 0;
	*(volatile char *)p = 1;
	return 1;
}

int main(void)
{
	signal(SIGSEGV, on_segv);
	char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	ERR("unaligned", syscall(SYS_mprotect, p + 1, 4096, PROT_READ), EINVAL);
	EQ("len_0", syscall(SYS_mprotect, p, 0, PROT_READ), 0);
	EQ("len_0_unmapped", syscall(SYS_mprotect, (void *)0x200000000000, 0, PROT_READ), 0);
	ERR("bad_bits", syscall(SYS_mprotect, p, 4096, 0x10), EINVAL);
	ERR("growsdown", syscall(SYS_mprotect, p, 4096, PROT_READ | PROT_GROWSDOWN), EINVAL);
	ERR("unmapped", syscall(SYS_mprotect, (void *)0x200000000000, 4096, PROT_READ), ENOMEM);
	ERR("wraps", syscall(SYS_mprotect, p, -4096L, PROT_READ), ENOMEM);
	EQ("partial_page_len", syscall(SYS_mprotect, p, 1, PROT_READ), 0);
	EQ("page0_readonly", writable(p), 0);
	EQ("page1_writable", writable(p + 4096), 1);

	SYS(munmap(p + 2 * 4096, 4096));
	ERR("hole", syscall(SYS_mprotect, p, 4 * 4096, PROT_READ), ENOMEM);
	EQ("before_hole_changed", writable(p + 4096), 0);
	EQ("after_hole_unchanged", writable(p + 3 * 4096), 1);
	ERR("starts_in_hole", syscall(SYS_mprotect, p + 2 * 4096, 2 * 4096, PROT_NONE), ENOMEM);
	EQ("after_hole_still", writable(p + 3 * 4096), 1);

	ERR("munmap_unaligned", syscall(SYS_munmap, p + 1, 4096), EINVAL);
	ERR("munmap_len_0", syscall(SYS_munmap, p, 0), EINVAL);
	EQ("munmap_hole", syscall(SYS_munmap, p + 2 * 4096, 4096), 0);
	EQ("munmap_unmapped", syscall(SYS_munmap, (void *)0x200000000000, 4096), 0);
	ERR("munmap_wraps", syscall(SYS_munmap, p, -4096L), EINVAL);
	EQ("munmap_span", syscall(SYS_munmap, p, 4 * 4096), 0);
	ERR("gone", syscall(SYS_mprotect, p, 4096, PROT_READ), ENOMEM);
	pass();
}
