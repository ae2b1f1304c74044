/* A MAP_PRIVATE file mapping sees file contents, but its writes are
 * copy-on-write and never reach the file. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	writeall(fd, "original", 8);
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED);
	OUT("mapped", "%.8s", p);
	CHECK(memcmp(p, "original", 8) == 0);
	p[0] = 'O';
	char buf[9] = {0};
	SYS(pread(fd, buf, 8, 0));
	STREQ("file_unchanged", buf, "original");
	OUT("mapping", "%.8s", p);
	EQ("tail_zero", p[100], 0);
	pass();
}
