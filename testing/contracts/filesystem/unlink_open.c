/* An unlinked file stays readable through an open fd; nlink drops to 0. */
#include "contract.h"

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	writeall(fd, "still here", 10);
	SYS(unlink("f"));
	ERR("gone", access("f", F_OK), ENOENT);
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("nlink", st.st_nlink, 0);
	char buf[16] = {0};
	EQ("pread", pread(fd, buf, sizeof buf, 0), 10);
	STREQ("data", buf, "still here");
	SYS(mkdir("d", 0755));
	ERR("unlink_dir", unlink("d"), EISDIR);
	EQ("unlinkat_dir", unlinkat(AT_FDCWD, "d", AT_REMOVEDIR), 0);
	ERR("unlinkat_badflag", unlinkat(AT_FDCWD, "x", 0x1), EINVAL);
	pass();
}
