/* MADV_DONTNEED on private anonymous memory drops the pages: they read back
 * as zero; on a shared mapping the data survives. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED && s != MAP_FAILED);
	memset(p, 7, 8192);
	memset(s, 9, 4096);
	SYS(madvise(p, 4096, MADV_DONTNEED));
	SYS(madvise(s, 4096, MADV_DONTNEED));
	EQ("private_zeroed", p[0], 0);
	EQ("private_second_page", p[4096], 7);
	EQ("shared_kept", s[0], 9);
	SYS(madvise(p, 8192, MADV_WILLNEED));
	SYS(madvise(p, 8192, MADV_SEQUENTIAL));
	ERR("bad_advice", madvise(p, 4096, 12345), EINVAL);
	ERR("unaligned", madvise(p + 1, 4096, MADV_DONTNEED), EINVAL);
	ERR("unmapped", madvise((void *)0x200000000000, 4096, MADV_WILLNEED), ENOMEM);
	pass();
}
