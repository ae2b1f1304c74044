/* symlink stores any text; readlink returns it without NUL and truncates;
 * lstat sees the link, stat its target; dangling links are ENOENT. */
#include "contract.h"

int main(void)
{
	SYS(write_file("target", "12345"));
	SYS(symlink("target", "l"));
	SYS(symlinkat("does/not/exist", AT_FDCWD, "dangling"));
	char buf[64];
	memset(buf, 'Z', sizeof buf);
	EQ("readlink_len", readlink("l", buf, sizeof buf), 6);
	EQ("no_nul", buf[6], 'Z');
	buf[6] = 0;
	STREQ("readlink", buf, "target");
	EQ("truncated", readlink("l", buf, 3), 3);
	struct stat st;
	SYS(lstat("l", &st));
	EQ("lstat_islnk", S_ISLNK(st.st_mode), 1);
	EQ("lstat_size", st.st_size, 6);
	SYS(stat("l", &st));
	EQ("stat_size", st.st_size, 5);
	ERR("dangling", stat("dangling", &st), ENOENT);
	ERR("readlink_file", readlink("target", buf, sizeof buf), EINVAL);
	ERR("exists", symlink("x", "l"), EEXIST);
	SYS(symlink("loop2", "loop1"));
	SYS(symlink("loop1", "loop2"));
	ERR("loop", stat("loop1", &st), ELOOP);
	pass();
}
