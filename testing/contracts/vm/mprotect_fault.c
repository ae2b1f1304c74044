/* mprotect changes access: writes to a PROT_READ page fault (SIGSEGV,
 * SEGV_ACCERR), PROT_NONE faults on read, restoring access works. */
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

static int probe(volatile char *p, int write)
{
	code = 0;
	if (sigsetjmp(jb, 1) == 0) {
		if (write)
			*p = 1;
		else
			(void)*p;
		return 0;
	}
	return code;
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO;
	SYS(sigaction(SIGSEGV, &sa, NULL));
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	p[0] = 5;
	SYS(mprotect(p, 4096, PROT_READ));
	EQ("read_ro", probe(p, 0), 0);
	EQ("write_ro", probe(p, 1), SEGV_ACCERR);
	EQ("second_page_rw", probe(p + 4096, 1), 0);
	SYS(mprotect(p, 4096, PROT_NONE));
	EQ("read_none", probe(p, 0), SEGV_ACCERR);
	SYS(mprotect(p, 4096, PROT_READ | PROT_WRITE));
	EQ("restored", probe(p, 1), 0);
	EQ("value_kept", p[0], 1);
	ERR("unaligned", syscall(SYS_mprotect, p + 1, 4096, PROT_READ), EINVAL); /* raw: musl rounds */
	ERR("unmapped", mprotect((void *)0x200000000000, 4096, PROT_READ), ENOMEM);
	ERR("badprot", mprotect(p, 4096, 0x100), EINVAL);
	pass();
}
