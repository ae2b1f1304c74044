/* Which madvise advice values the kernel accepts on a touched private
 * anonymous mapping: every value from 0 to 130 is tried, the ones that are
 * not EINVAL are printed with their result, and the EINVAL ones counted.
 * The advice is an int: higher bits of the register are ignored. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	int einval = 0;
	for (int adv = 0; adv <= 130; adv++) {
		memset(p, 1, 4 * 4096);
		errno = 0;
		long r = syscall(SYS_madvise, p, 4 * 4096, adv);
		if (r == -1 && errno == EINVAL) {
			einval++;
			continue;
		}
		char key[32];
		snprintf(key, sizeof key, "advice_%d", adv);
		OUT(key, "%s", r == 0 ? "OK" : errname(errno));
	}
	EQ("einval_count", einval, 110);
	ERR("negative", syscall(SYS_madvise, p, 4096, -1), EINVAL);
	EQ("int_truncated", syscall(SYS_madvise, p, 4096, (1L << 32) | MADV_NORMAL), 0);
	pass();
}
