/* openat resolves relative paths against dirfd; absolute paths ignore it;
 * AT_FDCWD means the cwd; a non-directory dirfd is ENOTDIR. */
#include "contract.h"

int main(void)
{
	SYS(mkdir("d", 0755));
	SYS(write_file("d/f", "in-d"));
	SYS(write_file("f", "in-cwd"));
	int d = SYS(open("d", O_RDONLY | O_DIRECTORY));
	char buf[16] = {0};
	int fd = SYS(openat(d, "f", O_RDONLY));
	SYS(read(fd, buf, sizeof buf - 1));
	STREQ("relative", buf, "in-d");
	memset(buf, 0, sizeof buf);
	fd = SYS(openat(AT_FDCWD, "f", O_RDONLY));
	SYS(read(fd, buf, sizeof buf - 1));
	STREQ("fdcwd", buf, "in-cwd");
	int abs = SYS(openat(999, "/proc/self/stat", O_RDONLY));
	EQ("absolute_ok", abs >= 0, 1);
	int f = SYS(open("f", O_RDONLY));
	ERR("notdir", openat(f, "x", O_RDONLY), ENOTDIR);
	ERR("badfd", openat(999, "x", O_RDONLY), EBADF);
	pass();
}
