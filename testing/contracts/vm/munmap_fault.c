/* Touching an unmapped page raises SIGSEGV with SEGV_MAPERR; unmapping the
 * middle of a mapping leaves both ends usable. */
#include "contract.h"
#include <setjmp.h>
#include <sys/mman.h>

static sigjmp_buf jb;
static volatile int code;
static void h(int s, siginfo_t *si, void *uc)
{
	(void)s;
	(void)uc;
	code = si->si_code;
	siglongjmp(jb, 1);
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO;
	SYS(sigaction(SIGSEGV, &sa, NULL));
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	p[0] = 'a';
	p[2 * 4096] = 'c';
	SYS(munmap(p + 4096, 4096));
	if (sigsetjmp(jb, 1) == 0)
		p[4096] = 1;
	EQ("hole_fault", code, SEGV_MAPERR);
	OUT("ends", "%c %c", p[0], p[2 * 4096]);
	CHECK(p[0] == 'a' && p[2 * 4096] == 'c');
	pass();
}
