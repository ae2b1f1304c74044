/* brk grows and shrinks the heap; new memory is zeroed; brk(0) queries;
 * a request below the start is refused (the break stays). */
#include "contract.h"

int main(void)
{
	uintptr_t cur = syscall(SYS_brk, 0);
	EQ("query_nonzero", cur != 0, 1);
	uintptr_t want = cur + 3 * 4096 + 17;
	uintptr_t got = syscall(SYS_brk, want);
	EQ("grown", got == want, 1);
	char *p = (char *)cur;
	int nonzero = 0;
	for (uintptr_t i = 0; i < 3 * 4096 + 17; i++)
		nonzero += p[i] != 0;
	EQ("zeroed", nonzero, 0);
	memset(p, 1, 3 * 4096 + 17);
	got = syscall(SYS_brk, cur + 4096);
	EQ("shrunk", got == cur + 4096, 1);
	got = syscall(SYS_brk, cur + 3 * 4096);
	EQ("regrown", got == cur + 3 * 4096, 1);
	EQ("regrown_zero", p[2 * 4096], 0);
	got = syscall(SYS_brk, 4096);
	EQ("too_low_unchanged", got == cur + 3 * 4096, 1);
	pass();
}
