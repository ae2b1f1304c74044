/* /proc/self/maps lists a new mapping with its permissions, and updates
 * after mprotect splits it. */
#include "contract.h"
#include <sys/mman.h>

static const char *perms_at(void *addr)
{
	static char maps[65536], out[8];
	read_file("/proc/self/maps", maps, sizeof maps);
	uintptr_t a = (uintptr_t)addr;
	for (char *l = maps; *l;) {
		unsigned long lo, hi;
		char perm[5];
		if (sscanf(l, "%lx-%lx %4s", &lo, &hi, perm) == 3 && a >= lo && a < hi) {
			memcpy(out, perm, 5);
			return out;
		}
		l = strchr(l, '\n');
		if (!l)
			break;
		l++;
	}
	return "none";
}

int main(void)
{
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	STREQ("rw", perms_at(p + 4096), "rw-p");
	SYS(mprotect(p + 4096, 4096, PROT_READ));
	STREQ("left", perms_at(p), "rw-p");
	STREQ("middle", perms_at(p + 4096), "r--p");
	STREQ("right", perms_at(p + 8192), "rw-p");
	char *s = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	STREQ("shared_rx", perms_at(s), "r-xs");
	SYS(munmap(p, 3 * 4096));
	STREQ("gone", perms_at(p + 4096), "none");
	pass();
}
