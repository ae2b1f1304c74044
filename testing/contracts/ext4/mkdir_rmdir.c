/* mkdir and rmdir: modes under the umask, the parent's link count, a
 * new directory's . and .., EEXIST, ENOTEMPTY, rmdir of ".", of a file,
 * of a missing name, a deep path, and 100 subdirectories counted in
 * the parent's links; all after a remount. */
#include "ext4.h"

int main(void)
{
	char name[64];
	fs_begin("mkdir_rmdir");
	SYS(mkdir("d", 0777));
	OUT("mode", "%o", lstat_of("d").st_mode);
	SYS(mkdir("s", 01777));
	OUT("sticky_mode", "%o", lstat_of("s").st_mode);
	EQ("new_nlink", lstat_of("d").st_nlink, 2);
	EQ("parent_nlink", lstat_of(".").st_nlink, 4);
	EQ("dotdot", lstat_of("d/..").st_ino == lstat_of(".").st_ino, 1);
	EQ("new_size", lstat_of("d").st_size, 4096);
	EQ("new_blocks", lstat_of("d").st_blocks, 8);
	ERR("exists", mkdir("d", 0755), EEXIST);
	SYS(write_file("d/f", "x"));
	ERR("notempty", rmdir("d"), ENOTEMPTY);
	ERR("dot", rmdir("d/."), EINVAL);
	ERR("dotdot_rm", rmdir("d/.."), ENOTEMPTY);
	ERR("file", rmdir("d/f"), ENOTDIR);
	ERR("missing", rmdir("none"), ENOENT);
	ERR("missing_parent", mkdir("none/x", 0755), ENOENT);
	ERR("under_file", mkdir("d/f/x", 0755), ENOTDIR);
	SYS(unlink("d/f"));
	SYS(rmdir("d"));
	ERR("gone", access("d", F_OK), ENOENT);
	EQ("parent_nlink_after", lstat_of(".").st_nlink, 3);
	SYS(mkdir("deep", 0755));
	SYS(mkdir("deep/a", 0755));
	SYS(mkdir("deep/a/b", 0755));
	SYS(mkdir("deep/a/b/c", 0755));
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof name, "many/sub%d", i);
		if (i == 0)
			SYS(mkdir("many", 0755));
		SYS(mkdir(name, 0700));
	}
	fs_remount("mkdir_rmdir", 0);
	EQ("many_nlink", lstat_of("many").st_nlink, 102);
	EQ("many_entries", count_entries("many"), 100);
	EQ("deep", S_ISDIR(lstat_of("deep/a/b/c").st_mode), 1);
	for (int i = 0; i < 100; i += 3) {
		snprintf(name, sizeof name, "many/sub%d", i);
		SYS(rmdir(name));
	}
	EQ("many_nlink_after", lstat_of("many").st_nlink, 102 - 34);
	ERR("rm_nonempty_deep", rmdir("deep/a"), ENOTEMPTY);
	fs_end();
}
