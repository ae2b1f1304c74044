/* MAP_FIXED replaces whatever was mapped at the address; MAP_FIXED_NOREPLACE
 * refuses with EEXIST. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	memset(p, 'x', 3 * 4096);
	char *q = mmap(p + 4096, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	EQ("same_addr", q == p + 4096, 1);
	OUT("bytes", "%c %d %c", p[0], p[4096], p[8192]);
	CHECK(p[0] == 'x' && p[4096] == 0 && p[8192] == 'x');
	ERR("noreplace", (long)mmap(p, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
	void *hint = mmap(p, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EQ("hint_not_honoured_when_busy", hint != p, 1);
	pass();
}
