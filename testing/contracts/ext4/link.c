/* Hard links: link counts up and down, one content through every name,
 * EEXIST, EPERM for a directory, EXDEV to another filesystem, linkat
 * with and without AT_SYMLINK_FOLLOW on a symlink, and counts after a
 * remount. */
#include "ext4.h"

int main(void)
{
	char buf[64];
	fs_begin("link");
	SYS(write_file("orig", "shared"));
	SYS(mkdir("d", 0755));
	SYS(link("orig", "d/second"));
	SYS(link("orig", "third"));
	EQ("nlink3", lstat_of("orig").st_nlink, 3);
	EQ("same_ino", lstat_of("orig").st_ino == lstat_of("d/second").st_ino, 1);
	int fd = SYS(open("third", O_WRONLY | O_APPEND));
	writeall(fd, "+more", 5);
	close(fd);
	read_file("d/second", buf, sizeof buf);
	STREQ("through_other_name", buf, "shared+more");
	ERR("exists", link("orig", "third"), EEXIST);
	ERR("dir", link("d", "dlink"), EPERM);
	ERR("missing", link("none", "x"), ENOENT);
	char top[600];
	snprintf(top, sizeof top, "%s/xdev", fs_top);
	ERR("xdev", link("orig", top), EXDEV);
	SYS(symlink("orig", "sym"));
	SYS(linkat(AT_FDCWD, "sym", AT_FDCWD, "sym_nofollow", 0));
	EQ("nofollow_is_symlink", S_ISLNK(lstat_of("sym_nofollow").st_mode), 1);
	EQ("sym_nlink", lstat_of("sym").st_nlink, 2);
	SYS(linkat(AT_FDCWD, "sym", AT_FDCWD, "sym_follow", AT_SYMLINK_FOLLOW));
	EQ("follow_is_file", S_ISREG(lstat_of("sym_follow").st_mode), 1);
	EQ("nlink4", lstat_of("orig").st_nlink, 4);
	SYS(unlink("orig"));
	EQ("nlink_after_unlink", lstat_of("third").st_nlink, 3);
	ERR("dangling", access("sym", F_OK), ENOENT);
	fs_remount("link", 0);
	EQ("nlink_remount", lstat_of("d/second").st_nlink, 3);
	read_file("sym_follow", buf, sizeof buf);
	STREQ("content", buf, "shared+more");
	SYS(unlink("d/second"));
	SYS(unlink("third"));
	EQ("last", lstat_of("sym_follow").st_nlink, 1);
	fs_end();
}
