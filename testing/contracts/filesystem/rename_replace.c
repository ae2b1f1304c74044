/* rename replaces a file atomically, moves across directories, and refuses
 * dir-over-file, file-over-dir and non-empty targets. */
#include "contract.h"

int main(void)
{
	SYS(write_file("a", "A"));
	SYS(write_file("b", "B"));
	SYS(rename("a", "b"));
	char buf[4] = {0};
	SYS(read_file("b", buf, sizeof buf));
	STREQ("replaced", buf, "A");
	ERR("gone", access("a", F_OK), ENOENT);
	SYS(mkdir("d", 0755));
	SYS(mkdir("e", 0755));
	SYS(rename("b", "d/b"));
	SYS(read_file("d/b", buf, sizeof buf));
	STREQ("moved", buf, "A");
	ERR("file_over_dir", rename("d/b", "e"), EISDIR);
	SYS(write_file("f", "F"));
	ERR("dir_over_file", rename("e", "f"), ENOTDIR);
	ERR("notempty", rename("e", "d"), ENOTEMPTY);
	SYS(rmdir("e"));
	SYS(mkdir("e", 0755));
	SYS(rename("e", "g"));
	ERR("into_self", rename("d", "d/sub"), EINVAL);
	SYS(rename("f", "f"));
	SYS(read_file("f", buf, sizeof buf));
	STREQ("self_rename", buf, "F");
	pass();
}
