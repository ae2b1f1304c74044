/* A bad memory access raises SIGSEGV with si_addr at the fault and
 * SEGV_MAPERR/SEGV_ACCERR; the handler can longjmp out. */
#include "contract.h"
#include <setjmp.h>
#include <sys/mman.h>

static sigjmp_buf jb;
static volatile uintptr_t addr;
static volatile int code;
static void h(int s, siginfo_t *si, void *uc)
{
	(void)s;
	(void)uc;
	addr = (uintptr_t)si->si_addr;
	code = si->si_code;
	siglongjmp(jb, 1);
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO;
	SYS(sigaction(SIGSEGV, &sa, NULL));
	if (sigsetjmp(jb, 1) == 0)
		*(volatile int *)16 = 1;
	EQ("null_addr", addr, 16);
	EQ("mapper", code, SEGV_MAPERR);
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ro != MAP_FAILED);
	if (sigsetjmp(jb, 1) == 0)
		ro[100] = 1;
	EQ("ro_addr_matches", addr == (uintptr_t)ro + 100, 1);
	EQ("accerr", code, SEGV_ACCERR);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		*(volatile int *)8 = 0;
		_exit(0);
	}
	STREQ("default", wstatus(reap(pid)), "signal 11");
	pass();
}
