/* RLIMIT_AS: mmap, brk and mremap that would take the address space beyond
 * the limit fail with ENOMEM; unmapping makes room again. */
#include "contract.h"
#include <sys/mman.h>
#include <sys/resource.h>

int main(void)
{
	struct rlimit lim = {64 << 20, RLIM_INFINITY};
	SYS(setrlimit(RLIMIT_AS, &lim));
	void *a = mmap(NULL, 40 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EQ("mmap40", a != MAP_FAILED, 1);
	errno = 0;
	void *b = mmap(NULL, 30 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EQ("mmap30_fails", b == MAP_FAILED, 1);
	STREQ("mmap30_errno", errname(errno), "ENOMEM");
	errno = 0;
	void *nr = mmap(NULL, 30 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	EQ("prot_none_counts", nr == MAP_FAILED, 1);
	errno = 0;
	void *r = mremap(a, 40 << 20, 70 << 20, MREMAP_MAYMOVE);
	EQ("mremap_fails", r == MAP_FAILED, 1);
	STREQ("mremap_errno", errname(errno), "ENOMEM");
	r = mremap(a, 40 << 20, 20 << 20, 0);
	EQ("mremap_shrink", r == a, 1);
	void *c = mmap(NULL, 30 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EQ("mmap30_after_shrink", c != MAP_FAILED, 1);
	unsigned long cur = syscall(SYS_brk, 0);
	unsigned long want = cur + (32 << 20);
	EQ("brk_refused", syscall(SYS_brk, want) == (long)cur, 1);
	munmap(c, 30 << 20);
	EQ("brk_after_unmap", syscall(SYS_brk, want) == (long)want, 1);
	syscall(SYS_brk, cur);
	/* a fixed replacement of an existing mapping does not count twice */
	void *f = mmap(a, 20 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	EQ("fixed_replace", f == a, 1);
	struct rlimit small = {1 << 20, RLIM_INFINITY};
	SYS(setrlimit(RLIMIT_AS, &small));
	errno = 0;
	EQ("mmap_page_over", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED, 1);
	STREQ("over_errno", errname(errno), "ENOMEM");
	pass();
}
