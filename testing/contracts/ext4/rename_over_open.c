/* Renaming over a file that is still open: the name now reaches the new
 * file, the replaced inode (nlink 0) keeps its data for the descriptor,
 * and its inode and blocks come back only at the last close. */
#include "ext4.h"

int main(void)
{
	static char buf[256 * 1024], back[256 * 1024];
	fs_begin("rename_over_open");
	fill(buf, sizeof buf, 0, 21);
	int fd = SYS(open("old", O_CREAT | O_RDWR, 0644));
	writeall(fd, buf, sizeof buf);
	SYS(fsync(fd));
	SYS(write_file("new", "replacement"));
	sync();
	struct statfs s0, s1;
	SYS(statfs(".", &s0));
	SYS(rename("new", "old"));
	char small[32];
	read_file("old", small, sizeof small);
	STREQ("name_reaches_new", small, "replacement");
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("old_nlink", st.st_nlink, 0);
	EQ("old_read", pread(fd, back, sizeof back, 0), (long)sizeof back);
	EQ("old_data", memcmp(buf, back, sizeof back) == 0, 1);
	SYS(statfs(".", &s1));
	EQ("inode_kept", (long long)(s1.f_ffree - s0.f_ffree), 0);
	close(fd);
	sync();
	SYS(statfs(".", &s1));
	EQ("inode_freed", (long long)(s1.f_ffree - s0.f_ffree), 1);
	EQ("blocks_freed", (long long)(s1.f_bfree - s0.f_bfree) >= 64, 1);
	EQ("entries", count_entries("."), 1);
	fs_remount("rename_over_open", 0);
	read_file("old", small, sizeof small);
	STREQ("after_remount", small, "replacement");
	fs_end();
}
