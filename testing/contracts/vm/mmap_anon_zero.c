/* Anonymous private mappings are zero-filled, page aligned, and writable. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	size_t len = 3 * 4096 + 100;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	EQ("aligned", (uintptr_t)p % 4096, 0);
	int nonzero = 0;
	for (size_t i = 0; i < 4 * 4096; i++)
		nonzero += p[i] != 0;
	EQ("nonzero_bytes", nonzero, 0);
	memset(p, 0xab, len);
	EQ("last_written", p[len - 1], 0xab);
	EQ("rounded_tail_zero", p[4 * 4096 - 1], 0);
	SYS(munmap(p, len));
	pass();
}
