/* Copy-on-write after fork for a large private mapping: the child's writes
 * stay private, the parent's pages are untouched, and re-protection after
 * fork keeps working. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	size_t len = 64 * 4096;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = (unsigned char)(i / 4096);
	int pp[2];
	SYS(pipe(pp));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		long sum = 0;
		for (size_t i = 0; i < len; i += 4096) {
			sum += p[i];
			p[i] = 0xff;
		}
		write(pp[1], &sum, sizeof sum);
		_exit(0);
	}
	long sum;
	SYS(read(pp[0], &sum, sizeof sum));
	reap(pid);
	EQ("child_saw", sum, 64 * 63 / 2);
	long mine = 0;
	for (size_t i = 0; i < len; i += 4096)
		mine += p[i];
	EQ("parent_kept", mine, 64 * 63 / 2);
	SYS(mprotect(p, len, PROT_READ));
	SYS(mprotect(p, len, PROT_READ | PROT_WRITE));
	p[0] = 42;
	EQ("writable_again", p[0], 42);
	pass();
}
