/* Hard links share an inode and raise st_nlink; unlink lowers it; links to
 * directories are EPERM. */
#include "contract.h"

int main(void)
{
	SYS(write_file("a", "data"));
	SYS(link("a", "b"));
	SYS(linkat(AT_FDCWD, "a", AT_FDCWD, "c", 0));
	struct stat sa, sb;
	SYS(stat("a", &sa));
	SYS(stat("b", &sb));
	EQ("nlink", sa.st_nlink, 3);
	EQ("same_ino", sa.st_ino == sb.st_ino, 1);
	SYS(unlink("a"));
	SYS(stat("b", &sb));
	EQ("nlink_after_unlink", sb.st_nlink, 2);
	ERR("exists", link("b", "c"), EEXIST);
	SYS(mkdir("d", 0755));
	ERR("dir", link("d", "e"), EPERM);
	ERR("missing", link("nope", "z"), ENOENT);
	pass();
}
