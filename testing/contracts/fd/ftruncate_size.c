/* ftruncate grows with zeros and shrinks; it needs a writable fd. */
#include "contract.h"

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	writeall(fd, "abcdef", 6);
	SYS(ftruncate(fd, 3));
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("shrunk", st.st_size, 3);
	SYS(ftruncate(fd, 8));
	char buf[8];
	EQ("read", pread(fd, buf, 8, 0), 8);
	OUT("bytes", "%c%c%c %d %d", buf[0], buf[1], buf[2], buf[3], buf[7]);
	CHECK(buf[3] == 0 && buf[7] == 0 && buf[2] == 'c');
	ERR("negative", ftruncate(fd, -1), EINVAL);
	int ro = SYS(open("f", O_RDONLY));
	ERR("readonly", ftruncate(ro, 0), EINVAL);
	SYS(truncate("f", 1));
	SYS(fstat(fd, &st));
	EQ("truncate_path", st.st_size, 1);
	ERR("truncate_dir", truncate(".", 0), EISDIR);
	pass();
}
