/* mkdir/rmdir errors: EEXIST, ENOENT parent, ENOTEMPTY, ENOTDIR, EINVAL for ".". */
#include "contract.h"

int main(void)
{
	SYS(mkdir("a", 0755));
	ERR("exists", mkdir("a", 0755), EEXIST);
	ERR("no_parent", mkdir("x/y", 0755), ENOENT);
	SYS(mkdir("a/b", 0755));
	ERR("notempty", rmdir("a"), ENOTEMPTY);
	SYS(write_file("file", "x"));
	ERR("rmdir_file", rmdir("file"), ENOTDIR);
	ERR("mkdir_under_file", mkdir("file/x", 0755), ENOTDIR);
	ERR("rmdir_dot", rmdir("a/b/."), EINVAL);
	SYS(rmdir("a/b"));
	SYS(rmdir("a"));
	ERR("gone", rmdir("a"), ENOENT);
	struct stat st;
	SYS(mkdirat(AT_FDCWD, "c", 0700));
	SYS(stat("c", &st));
	EQ("mode", st.st_mode & 07777, 0700);
	EQ("nlink", st.st_nlink, 2);
	SYS(mkdir("c/sub", 0755));
	SYS(stat("c", &st));
	EQ("nlink_with_sub", st.st_nlink, 3);
	pass();
}
