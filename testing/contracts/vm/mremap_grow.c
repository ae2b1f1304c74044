/* mremap grows in place or moves (MREMAP_MAYMOVE) keeping contents; without
 * MAYMOVE a blocked growth is ENOMEM; shrinking frees the tail. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	/* Three pages, the last given back, so the page after p's two is
	 * free whatever the kernel's placement policy. */
	char *p = mmap(NULL, 12288, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	SYS(munmap(p + 8192, 4096));
	/* Block growth: map the page right after it. */
	char *blk = mmap(p + 8192, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(blk == p + 8192);
	strcpy(p, "keep me");
	strcpy(p + 4096, "page two");
	ERR("no_maymove", (long)mremap(p, 8192, 16384, 0), ENOMEM);
	char *q = mremap(p, 8192, 16384, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED);
	EQ("moved", q != p, 1);
	STREQ("content", q, "keep me");
	STREQ("content2", q + 4096, "page two");
	q[16383] = 'z';
	char *r = mremap(q, 16384, 4096, 0);
	EQ("shrunk_in_place", r == q, 1);
	ERR("bad_flags", (long)mremap(r, 4096, 8192, 0x80), EINVAL);
	ERR("fixed_without_maymove", (long)mremap(r, 4096, 4096, MREMAP_FIXED, (void *)0x300000000000), EINVAL);
	char *f = mremap(r, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)0x300000000000);
	EQ("fixed_dest", (uintptr_t)f, 0x300000000000);
	STREQ("fixed_content", f, "keep me");
	pass();
}
