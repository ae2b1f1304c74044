/* msync's rules: MS_ASYNC with MS_SYNC and unknown bits are EINVAL, so is
 * an unaligned start; holes are ENOMEM; a zero length is a no-op; and
 * MS_INVALIDATE on locked memory is EBUSY. Data written through a shared
 * file mapping is in the file after MS_SYNC. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT, 0600));
	SYS(ftruncate(fd, 3 * 4096));
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	memcpy(p + 4096, "synced", 6);
	EQ("sync", msync(p, 3 * 4096, MS_SYNC), 0);
	char buf[7] = {0};
	SYS(pread(fd, buf, 6, 4096));
	STREQ("file", buf, "synced");
	EQ("async", msync(p, 4096, MS_ASYNC), 0);
	EQ("invalidate", msync(p, 4096, MS_INVALIDATE), 0);
	EQ("none", msync(p, 4096, 0), 0);
	ERR("async_sync", msync(p, 4096, MS_ASYNC | MS_SYNC), EINVAL);
	ERR("bad_bit", msync(p, 4096, 8), EINVAL);
	ERR("unaligned", msync(p + 1, 4096, MS_SYNC), EINVAL);
	EQ("len_0", msync(p, 0, MS_SYNC), 0);
	ERR("unmapped", msync((void *)0x200000000000, 4096, MS_SYNC), ENOMEM);
	SYS(munmap(p + 4096, 4096));
	ERR("hole_sync", msync(p, 3 * 4096, MS_SYNC), ENOMEM);
	ERR("hole_async", msync(p, 3 * 4096, MS_ASYNC), ENOMEM);
	ERR("hole_none", msync(p, 3 * 4096, 0), ENOMEM);
	ERR("wraps", syscall(SYS_msync, p, -4096L, MS_SYNC), ENOMEM);
	SYS(mlock(p, 4096));
	ERR("locked_invalidate", msync(p, 4096, MS_INVALIDATE), EBUSY);
	ERR("locked_after_hole", msync(p + 4096, 2 * 4096, MS_INVALIDATE | MS_SYNC), ENOMEM);
	SYS(mlock(p + 2 * 4096, 4096));
	ERR("hole_then_locked", msync(p + 4096, 2 * 4096, MS_INVALIDATE | MS_SYNC), EBUSY);
	EQ("locked_sync", msync(p, 4096, MS_SYNC), 0);
	pass();
}
