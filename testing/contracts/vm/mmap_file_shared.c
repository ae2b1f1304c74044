/* A MAP_SHARED file mapping and write(2) see each other's changes; msync
 * succeeds; two mappings of the same file are coherent. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	SYS(ftruncate(fd, 4096));
	char *a = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *b = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(a != MAP_FAILED && b != MAP_FAILED);
	memcpy(a, "shared!", 7);
	OUT("other_mapping", "%.7s", b);
	CHECK(memcmp(b, "shared!", 7) == 0);
	SYS(msync(a, 4096, MS_SYNC));
	char buf[8] = {0};
	SYS(pread(fd, buf, 7, 0));
	STREQ("file", buf, "shared!");
	SYS(pwrite(fd, "WRITE", 5, 0));
	OUT("mapping_after_write", "%.7s", a);
	CHECK(memcmp(a, "WRITE!!", 5) == 0 || memcmp(a, "WRITEd!", 7) == 0);
	ERR("msync_bad_flags", msync(a, 4096, MS_SYNC | MS_ASYNC), EINVAL);
	pass();
}
