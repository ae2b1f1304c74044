/* Extended attributes beyond the inode's space: values of 100 to 2,000
 * bytes spill into an xattr block, many small attributes, the block
 * full (ENOSPC), a value larger than XATTR_SIZE_MAX (E2BIG), a name of
 * 255 and 256 bytes, and every value read back after a remount. */
#include "ext4.h"
#include <sys/xattr.h>

int main(void)
{
	static char v[70000], back[70000];
	char name[300];
	fs_begin("xattr_big");
	SYS(write_file("f", "x"));
	int sizes[] = {100, 500, 1000, 2000};
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof name, "user.big%d", sizes[i]);
		fill(v, sizes[i], 0, i);
		SYS(setxattr("f", name, v, sizes[i], 0));
	}
	fill(v, 4000, 0, 9);
	ERR("too_much", setxattr("f", "user.over", v, 4000, 0), ENOSPC);
	ERR("e2big", setxattr("f", "user.huge", v, 65537, 0), E2BIG);
	SYS(write_file("g", "y"));
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof name, "user.small-%02d", i);
		SYS(setxattr("g", name, name, strlen(name), 0));
	}
	memset(name, 'n', sizeof name);
	memcpy(name, "user.", 5);
	name[255] = 0;
	SYS(setxattr("g", name, "long", 4, 0));
	name[255] = 'n';
	name[256] = 0;
	ERR("name_256", setxattr("g", name, "long", 4, 0), ERANGE);
	/* Replacing a big value by a small one, then removing one. */
	SYS(setxattr("f", "user.big2000", "tiny", 4, XATTR_REPLACE));
	SYS(removexattr("f", "user.big500"));
	fs_remount("xattr_big", 0);
	int ok = 1;
	for (int i = 0; i < 4; i++) {
		if (sizes[i] == 500 || sizes[i] == 2000)
			continue;
		snprintf(name, sizeof name, "user.big%d", sizes[i]);
		ssize_t n = getxattr("f", name, back, sizeof back);
		ok &= n == sizes[i] && check_pattern(back, n, 0, i);
	}
	EQ("big_values", ok, 1);
	EQ("tiny", getxattr("f", "user.big2000", back, sizeof back), 4);
	ERR("removed", getxattr("f", "user.big500", back, sizeof back), ENODATA);
	ok = 1;
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof name, "user.small-%02d", i);
		ssize_t n = getxattr("g", name, back, sizeof back);
		ok &= n == (ssize_t)strlen(name) && !memcmp(back, name, n);
	}
	EQ("small_values", ok, 1);
	EQ("list_size", listxattr("g", NULL, 0), 40 * 14 + 256);
	fs_end();
}
