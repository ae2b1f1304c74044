/* Names moved between two hashed directories: 10,000 hard links to one
 * file made in a (nlink counts to 10,001), every 5th renamed into b
 * under a new name, both listed, the links counted after a remount,
 * then half of b's unlinked. */
#include "ext4.h"

#define N 10000

int main(void)
{
	char from[64], to[64];
	fs_begin("dir_10000_rename");
	SYS(mkdir("a", 0755));
	SYS(mkdir("b", 0755));
	SYS(write_file("target", "one inode"));
	for (int i = 0; i < N; i++) {
		snprintf(from, sizeof from, "a/l%05d", i);
		if (link("target", from) < 0)
			fail("link %d: %s", i, errname(errno));
	}
	EQ("nlink", lstat_of("target").st_nlink, N + 1);
	for (int i = N - 5; i >= 0; i -= 5) {
		snprintf(from, sizeof from, "a/l%05d", i);
		snprintf(to, sizeof to, "b/moved-%d", i);
		if (rename(from, to) < 0)
			fail("rename %d: %s", i, errname(errno));
	}
	EQ("a_entries", count_entries("a"), N - N / 5);
	EQ("b_entries", count_entries("b"), N / 5);
	ERR("a_not_empty", rmdir("a"), ENOTEMPTY);
	fs_remount("dir_10000_rename", 0);
	EQ("nlink_remount", lstat_of("target").st_nlink, N + 1);
	char buf[32];
	read_file("b/moved-4320", buf, sizeof buf);
	STREQ("through_link", buf, "one inode");
	for (int i = 0; i < N; i += 10) {
		snprintf(to, sizeof to, "b/moved-%d", i);
		if (unlink(to) < 0)
			fail("unlink %d: %s", i, errname(errno));
	}
	EQ("nlink_after", lstat_of("target").st_nlink, N - N / 10 + 1);
	EQ("b_half", count_entries("b"), N / 10);
	fs_end();
}
