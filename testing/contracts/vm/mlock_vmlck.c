/* mlock really locks: VmLck in /proc/self/status counts the locked pages,
 * the pages are faulted in (not with MLOCK_ONFAULT), munlock takes part of
 * a lock away, locks are not inherited by fork, a hole stops mlock and
 * munlock with ENOMEM after changing what came before, and msync(MS_INVALIDATE) on
 * locked memory is EBUSY. */
#include "contract.h"
#include <sys/mman.h>

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

static long vmlck(void)
{
	char buf[4096];
	CHECK(read_file("/proc/self/status", buf, sizeof buf) > 0);
	char *l = strstr(buf, "VmLck:");
	CHECK(l != NULL);
	return atol(l + 6);
}

int main(void)
{
	EQ("initial", vmlck(), 0);
	char *p = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	unsigned char vec[8];
	SYS(mlock(p + 100, 3 * 4096 - 200));
	EQ("locked_kb", vmlck(), 12);
	SYS(mincore(p, 8 * 4096, vec));
	OUT("resident", "%d%d%d%d", vec[0], vec[1], vec[2], vec[3]);
	SYS(mlock(p, 2 * 4096));
	EQ("relock_same", vmlck(), 12);
	SYS(munlock(p + 4096, 4096));
	EQ("munlock_middle", vmlck(), 8);
	ERR("msync_invalidate", msync(p, 4096, MS_INVALIDATE), EBUSY);
	EQ("msync_sync", msync(p, 4096, MS_SYNC), 0);
	EQ("msync_invalidate_unlocked", msync(p + 4096, 4096, MS_INVALIDATE), 0);

	ERR("mlock2_bad_flag", syscall(SYS_mlock2, p, 4096, 2), EINVAL);
	SYS(syscall(SYS_mlock2, p + 4 * 4096, 2 * 4096, MLOCK_ONFAULT));
	EQ("onfault_kb", vmlck(), 16);
	SYS(mincore(p + 4 * 4096, 2 * 4096, vec));
	OUT("onfault_resident", "%d%d", vec[0], vec[1]);
	p[5 * 4096] = 1;
	SYS(mincore(p + 4 * 4096, 2 * 4096, vec));
	OUT("onfault_touched", "%d%d", vec[0], vec[1]);

	pid_t pid = SYS(fork());
	if (pid == 0)
		_exit(vmlck() == 0 ? 0 : 1);
	STREQ("child_unlocked", wstatus(reap(pid)), "exit 0");

	SYS(munmap(p + 7 * 4096, 4096));
	ERR("munlock_hole", munlock(p, 8 * 4096), ENOMEM);
	EQ("unlocked_before_hole", vmlck(), 0);
	ERR("mlock_hole", mlock(p + 6 * 4096, 2 * 4096), ENOMEM);
	EQ("locked_before_hole", vmlck(), 4);
	ERR("mlock_unmapped", mlock((void *)0x200000000000, 4096), ENOMEM);
	SYS(munmap(p, 7 * 4096));
	EQ("after_munmap", vmlck(), 0);
	EQ("len_0", mlock(p, 0), 0);
	pass();
}
