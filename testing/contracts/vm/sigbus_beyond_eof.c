/* Touching a file mapping beyond the end of the file raises SIGBUS
 * (BUS_ADRERR), while the rest of the last page reads as zero. */
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
	SYS(sigaction(SIGBUS, &sa, NULL));
	int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	writeall(fd, "tiny", 4);
	char *p = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	EQ("in_page_past_eof", p[4000], 0);
	if (sigsetjmp(jb, 1) == 0)
		(void)*(volatile char *)(p + 4096);
	EQ("sigbus_code", code, BUS_ADRERR);
	SYS(ftruncate(fd, 8192));
	EQ("after_grow", *(volatile char *)(p + 4096), 0);
	pass();
}
