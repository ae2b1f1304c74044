/* The dynamic loader's pattern: reserve a PROT_READ file mapping, then
 * overlay parts with MAP_FIXED at other file offsets; each page must show
 * its own file offset, and writes to a private overlay must survive
 * further faults. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	for (int i = 0; i < 4; i++) {
		char page[4096];
		memset(page, 'A' + i, sizeof page);
		writeall(fd, page, sizeof page);
	}
	char *base = mmap(NULL, 4 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(base != MAP_FAILED);
	char *ov = mmap(base + 4096, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 2 * 4096);
	CHECK(ov == base + 4096);
	OUT("pages", "%c %c %c %c", base[0], base[4096], base[8192], base[12288]);
	CHECK(base[0] == 'A' && base[4096] == 'C' && base[8192] == 'D' && base[12288] == 'D');
	ov[10] = 'w';
	SYS(mprotect(ov, 4096, PROT_READ));
	volatile char x = base[12288 + 5];
	(void)x;
	EQ("write_survives", ov[10], 'w');
	char maps[8192];
	SYS(read_file("/proc/self/maps", maps, sizeof maps));
	int n = 0;
	for (char *l = maps; (l = strstr(l, "/f\n")) != NULL; l++)
		n++;
	EQ("vmas_for_file", n >= 3, 1);
	pass();
}
