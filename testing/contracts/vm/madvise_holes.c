/* madvise over a range with unmapped holes: the advice still applies to
 * every mapped part, and the result is ENOMEM; a range with no mapping at
 * all is ENOMEM; length rules (0 is a no-op, a length that wraps is EINVAL,
 * unaligned start EINVAL). */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	char *p = mmap(NULL, 5 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	SYS(munmap(p + 1 * 4096, 4096));
	SYS(munmap(p + 3 * 4096, 4096));
	p[0] = p[2 * 4096] = p[4 * 4096] = 1;
	ERR("hole_middle", madvise(p, 5 * 4096, MADV_DONTNEED), ENOMEM);
	EQ("first_dropped", p[0], 0);
	EQ("middle_dropped", p[2 * 4096], 0);
	EQ("last_dropped", p[4 * 4096], 0);
	p[2 * 4096] = p[4 * 4096] = 2;
	ERR("starts_in_hole", madvise(p + 4096, 4 * 4096, MADV_DONTNEED), ENOMEM);
	EQ("after_hole_dropped", p[2 * 4096], 0);
	EQ("end_dropped", p[4 * 4096], 0);
	ERR("only_hole", madvise(p + 4096, 4096, MADV_WILLNEED), ENOMEM);
	ERR("hole_willneed", madvise(p, 3 * 4096, MADV_WILLNEED), ENOMEM);
	/* A flag-changing advice over a hole: the mapped parts change. */
	p[0] = 4;
	ERR("hole_dontfork", madvise(p, 3 * 4096, MADV_DONTFORK), ENOMEM);
	pid_t pid = SYS(fork());
	if (pid == 0)
		_exit(*(volatile char *)p);
	STREQ("dontfork_applied", wstatus(reap(pid)), "signal 11");
	EQ("len_0", madvise(p + 4096, 0, MADV_DONTNEED), 0);
	ERR("unaligned", madvise(p + 1, 4096, MADV_DONTNEED), EINVAL);
	ERR("wraps", syscall(SYS_madvise, p, -1L, MADV_NORMAL), EINVAL);
	ERR("wraps_page", syscall(SYS_madvise, p, -4096L, MADV_NORMAL), EINVAL);
	pass();
}
