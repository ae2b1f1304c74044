/* A large anonymous reservation costs nothing until touched; touching a few
 * scattered pages works; MAP_NORESERVE is accepted. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	size_t len = 1UL << 30;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(p != MAP_FAILED);
	for (size_t off = 0; off < len; off += len / 8)
		p[off] = 1;
	long sum = 0;
	for (size_t off = 0; off < len; off += len / 8)
		sum += p[off];
	EQ("touched", sum, 8);
	SYS(munmap(p, len));
	pass();
}
