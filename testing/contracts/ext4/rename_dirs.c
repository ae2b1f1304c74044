/* rename(2) within and across directories: a file over a file (the old
 * one goes), a directory into another (its .. follows and the parents'
 * link counts change), over an empty directory, and the errors: over a
 * non-empty directory, file over directory, directory over file, into
 * itself, a missing source. */
#include "ext4.h"

static long nlink(const char *p) { return (long)lstat_of(p).st_nlink; }

int main(void)
{
	char buf[64];
	fs_begin("rename_dirs");
	SYS(mkdir("a", 0755));
	SYS(mkdir("b", 0755));
	SYS(write_file("a/f", "file-f"));
	SYS(write_file("b/g", "file-g"));
	SYS(rename("a/f", "a/f2"));
	ERR("old_gone", access("a/f", F_OK), ENOENT);
	SYS(rename("a/f2", "b/f"));
	read_file("b/f", buf, sizeof buf);
	STREQ("moved", buf, "file-f");
	SYS(rename("b/f", "b/g"));
	read_file("b/g", buf, sizeof buf);
	STREQ("replaced", buf, "file-f");
	EQ("b_entries", count_entries("b"), 1);
	SYS(mkdir("a/sub", 0755));
	SYS(write_file("a/sub/x", "x"));
	EQ("a_nlink", nlink("a"), 3);
	EQ("b_nlink", nlink("b"), 2);
	SYS(rename("a/sub", "b/sub"));
	EQ("a_nlink_after", nlink("a"), 2);
	EQ("b_nlink_after", nlink("b"), 3);
	struct stat dd = lstat_of("b/sub/.."), b = lstat_of("b");
	EQ("dotdot_is_b", dd.st_ino == b.st_ino, 1);
	read_file("b/sub/x", buf, sizeof buf);
	STREQ("content_followed", buf, "x");
	SYS(mkdir("a/empty", 0755));
	SYS(rename("b/sub", "a/empty"));
	EQ("over_empty_dir", access("a/empty/x", F_OK), 0);
	EQ("a_nlink_over_empty", nlink("a"), 3);
	EQ("b_nlink_over_empty", nlink("b"), 2);
	SYS(mkdir("b/full", 0755));
	SYS(write_file("b/full/y", "y"));
	ERR("over_nonempty", rename("a/empty", "b/full"), ENOTEMPTY);
	ERR("file_over_dir", rename("b/g", "b/full"), EISDIR);
	ERR("dir_over_file", rename("b/full", "b/g"), ENOTDIR);
	ERR("into_itself", rename("a", "a/empty/inside"), EINVAL);
	ERR("missing", rename("a/none", "b/none"), ENOENT);
	ERR("dot", rename("a/.", "b/dot"), EBUSY);
	SYS(rename("b/g", "b/g"));
	EQ("self_rename_kept", access("b/g", F_OK), 0);
	SYS(rename("a", "c"));
	EQ("renamed_top", count_entries("c"), 1);
	fs_remount("rename_dirs", 0);
	EQ("c_entries", count_entries("c"), 1);
	EQ("b_entries_end", count_entries("b"), 2);
	read_file("c/empty/x", buf, sizeof buf);
	STREQ("deep", buf, "x");
	fs_end();
}
