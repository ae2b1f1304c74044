/* mincore shows touched pages resident; mlock/munlock succeed for root;
 * MAP_POPULATE prefaults. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	p[0] = 1;
	p[2 * 4096] = 1;
	unsigned char vec[4];
	SYS(mincore(p, 4 * 4096, vec));
	OUT("resident", "%d %d %d %d", vec[0] & 1, vec[1] & 1, vec[2] & 1, vec[3] & 1);
	CHECK((vec[0] & 1) && (vec[2] & 1) && !(vec[1] & 1) && !(vec[3] & 1));
	char *q = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	SYS(mincore(q, 4 * 4096, vec));
	EQ("populated", (vec[0] & vec[1] & vec[2] & vec[3]) & 1, 1);
	SYS(mlock(p, 4096));
	SYS(munlock(p, 4096));
	ERR("mincore_unaligned", mincore(p + 1, 4096, vec), EINVAL);
	ERR("mincore_unmapped", mincore((void *)0x200000000000, 4096, vec), ENOMEM);
	pass();
}
