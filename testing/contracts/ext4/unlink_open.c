/* A file unlinked while open: its descriptor reads and writes on, fstat
 * shows nlink 0, the name is gone, and its inode and blocks come back to
 * the free counts only at the last close (statfs before and after). */
#include "ext4.h"

int main(void)
{
	static char buf[1 << 20];
	fs_begin("unlink_open");
	sync();
	struct statfs s0, s1, s2;
	SYS(statfs(".", &s0));
	int fd = SYS(open("victim", O_CREAT | O_RDWR, 0644));
	fill(buf, sizeof buf, 0, 5);
	writeall(fd, buf, sizeof buf);
	SYS(fsync(fd));
	int fd2 = SYS(open("victim", O_RDONLY));
	SYS(unlink("victim"));
	ERR("name_gone", access("victim", F_OK), ENOENT);
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("nlink", st.st_nlink, 0);
	EQ("size", st.st_size, 1 << 20);
	EQ("write_after_unlink", pwrite(fd, "tail", 4, 1 << 20), 4);
	static char back[(1 << 20) + 4];
	EQ("read_other_fd", pread(fd2, back, sizeof back, 0), (1 << 20) + 4);
	EQ("content", check_pattern(back, 1 << 20, 0, 5) && !memcmp(back + (1 << 20), "tail", 4), 1);
	SYS(fsync(fd));
	SYS(statfs(".", &s1));
	EQ("inode_still_used", (long long)(s0.f_ffree - s1.f_ffree), 1);
	EQ("blocks_still_used", (long long)(s0.f_bfree - s1.f_bfree) >= 257, 1);
	EQ("entries", count_entries("."), 0);
	close(fd);
	SYS(statfs(".", &s2));
	EQ("inode_held_by_fd2", (long long)(s0.f_ffree - s2.f_ffree), 1);
	close(fd2);
	sync();
	SYS(statfs(".", &s2));
	EQ("inode_freed", (long long)(s0.f_ffree - s2.f_ffree), 0);
	EQ("blocks_freed", (long long)(s0.f_bfree - s2.f_bfree), 0);
	fs_end();
}
