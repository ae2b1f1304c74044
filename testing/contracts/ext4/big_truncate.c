/* Truncation of a file past 4 GiB: growing to 6 GiB by ftruncate, a
 * write just below 4 GiB, shrinking across the 4 GiB line (blocks past
 * the new end freed, the partial block's tail zeroed), and statfs's free
 * block count back where it started once the file is gone. */
#include "ext4.h"

#define G (1LL << 30)

int main(void)
{
	char b[8192];
	fs_begin("big_truncate");
	sync();
	struct statfs s0, s1;
	SYS(statfs(".", &s0));
	int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
	SYS(ftruncate(fd, 6 * G));
	fill(b, sizeof b, 0, 12);
	EQ("w", pwrite(fd, b, 8192, 4 * G - 4096), 8192);
	EQ("w_far", pwrite(fd, b, 4096, 6 * G - 4096), 4096);
	SYS(fsync(fd));
	struct stat st;
	SYS(fstat(fd, &st));
	OUT("grown", "size=%lld blocks=%lld", (long long)st.st_size, (long long)st.st_blocks);
	SYS(ftruncate(fd, 4 * G + 100));
	SYS(fstat(fd, &st));
	OUT("shrunk", "size=%lld blocks=%lld", (long long)st.st_size, (long long)st.st_blocks);
	SYS(ftruncate(fd, 4 * G + 4096));
	EQ("read", pread(fd, b, 8192, 4 * G - 4096), 8192);
	EQ("below_kept", check_pattern(b, 4096 + 100, 0, 12), 1);
	EQ("tail_zero", is_zero(b + 4096 + 100, 4096 - 100), 1);
	SYS(ftruncate(fd, 4 * G - 4096));
	SYS(fstat(fd, &st));
	OUT("below_4g", "size=%lld blocks=%lld", (long long)st.st_size, (long long)st.st_blocks);
	close(fd);
	fs_remount("big_truncate", 0);
	EQ("size_remount", lstat_of("f").st_size, 4 * G - 4096);
	EQ("blocks_remount", lstat_of("f").st_blocks, 0);
	SYS(unlink("f"));
	sync();
	SYS(statfs(".", &s1));
	EQ("blocks_back", (long long)(s0.f_bfree - s1.f_bfree), 0);
	fs_end();
}
