/* O_TMPFILE makes a nameless file in a directory; linkat via /proc/self/fd
 * gives it a name. */
#include "contract.h"

int main(void)
{
	SYS(mkdir("d", 0755));
	int fd = SYS(open("d", O_TMPFILE | O_RDWR, 0600));
	writeall(fd, "anon", 4);
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("nlink", st.st_nlink, 0);
	int dfd = SYS(open("d", O_RDONLY | O_DIRECTORY));
	char buf[256] __attribute__((aligned(8)));
	long n = SYS(syscall(SYS_getdents64, dfd, buf, sizeof buf));
	EQ("dir_has_dot_entries_only", n > 0, 1);
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	SYS(linkat(AT_FDCWD, path, AT_FDCWD, "d/named", AT_SYMLINK_FOLLOW));
	char data[8] = {0};
	SYS(read_file("d/named", data, sizeof data));
	STREQ("named", data, "anon");
	SYS(fstat(fd, &st));
	EQ("nlink_after", st.st_nlink, 1);
	ERR("needs_write", open("d", O_TMPFILE | O_RDONLY, 0600), EINVAL);
	pass();
}
