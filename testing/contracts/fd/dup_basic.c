/* dup returns the lowest free descriptor sharing the file offset. */
#include "contract.h"

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	writeall(fd, "abcdef", 6);
	SYS(lseek(fd, 2, SEEK_SET));
	close(0);
	int d = SYS(dup(fd));
	EQ("dup_fd", d, 0);
	char c;
	EQ("read", read(d, &c, 1), 1);
	OUT("byte", "%c", c);
	CHECK(c == 'c');
	EQ("shared_offset", lseek(fd, 0, SEEK_CUR), 3);
	ERR("dup_badfd", dup(999), EBADF);
	pass();
}
