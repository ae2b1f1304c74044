/* Executing from a page without PROT_EXEC faults with SIGSEGV; after
 * mprotect(PROT_EXEC) the same code runs. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	unsigned char code[] = {0xb8, 0x2a, 0, 0, 0, 0xc3}; /* mov eax, 42; ret */
	unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	memcpy(p, code, sizeof code);
	pid_t pid = SYS(fork());
	if (pid == 0)
		_exit(((int (*)(void))p)());
	STREQ("nx", wstatus(reap(pid)), "signal 11");
	SYS(mprotect(p, 4096, PROT_READ | PROT_EXEC));
	EQ("exec", ((int (*)(void))p)(), 42);
	pass();
}
