/* O_TMPFILE on ext4: an unnamed file (not listed, nlink 0) holding an
 * inode until closed, made visible with linkat through /proc/self/fd,
 * O_EXCL forbidding that, O_TMPFILE without write access (EINVAL) and
 * on a file (ENOTDIR). */
#include "ext4.h"

int main(void)
{
	char path[64], back[32];
	fs_begin("tmpfile");
	sync();
	struct statfs s0, s1;
	SYS(statfs(".", &s0));
	int fd = SYS(open(".", O_TMPFILE | O_RDWR, 0640));
	writeall(fd, "anonymous", 9);
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("nlink", st.st_nlink, 0);
	OUT("mode", "%o", st.st_mode);
	EQ("entries", count_entries("."), 0);
	SYS(statfs(".", &s1));
	EQ("inode_used", (long long)(s0.f_ffree - s1.f_ffree), 1);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	SYS(linkat(AT_FDCWD, path, AT_FDCWD, "named", AT_SYMLINK_FOLLOW));
	SYS(fstat(fd, &st));
	EQ("nlink_linked", st.st_nlink, 1);
	close(fd);
	read_file("named", back, sizeof back);
	STREQ("content", back, "anonymous");
	fd = SYS(open(".", O_TMPFILE | O_RDWR | O_EXCL, 0600));
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ERR("excl_link", linkat(AT_FDCWD, path, AT_FDCWD, "nope", AT_SYMLINK_FOLLOW), ENOENT);
	close(fd);
	fd = SYS(open(".", O_TMPFILE | O_WRONLY, 0600));
	writeall(fd, "gone", 4);
	close(fd);
	ERR("rdonly", open(".", O_TMPFILE | O_RDONLY, 0600), EINVAL);
	ERR("on_file", open("named", O_TMPFILE | O_RDWR, 0600), ENOTDIR);
	sync();
	SYS(statfs(".", &s1));
	EQ("inodes_after", (long long)(s0.f_ffree - s1.f_ffree), 1);
	fs_remount("tmpfile", 0);
	EQ("entries_remount", count_entries("."), 1);
	fs_end();
}
