/* Truncating up: a hole that reads as zeros and takes no blocks, growing
 * a written file (st_blocks unchanged), EFBIG past ext4's largest file
 * with 4 KiB blocks, and sizes after a remount. */
#include "ext4.h"

int main(void)
{
	char back[8192];
	fs_begin("truncate_grow");
	int fd = SYS(open("empty", O_CREAT | O_RDWR, 0644));
	SYS(ftruncate(fd, 1 << 20));
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("size", st.st_size, 1 << 20);
	EQ("blocks", st.st_blocks, 0);
	EQ("read", pread(fd, back, sizeof back, 500000), (long)sizeof back);
	EQ("zeros", is_zero(back, sizeof back), 1);
	close(fd);
	fd = SYS(open("written", O_CREAT | O_RDWR, 0644));
	fill(back, 6000, 0, 2);
	writeall(fd, back, 6000);
	SYS(fsync(fd));
	SYS(ftruncate(fd, 100000));
	SYS(fstat(fd, &st));
	EQ("grown_size", st.st_size, 100000);
	EQ("grown_blocks", st.st_blocks, 16);
	EQ("tail_read", pread(fd, back, sizeof back, 6000 - 10), (long)sizeof back);
	EQ("tail_data", check_pattern(back, 10, 5990, 2), 1);
	EQ("tail_zero", is_zero(back + 10, sizeof back - 10), 1);
	/* 16 TiB - 4 KiB is the largest extent-mapped file with 4 KiB blocks. */
	long long max = (1LL << 44) - 4096;
	SYS(ftruncate(fd, max));
	SYS(fstat(fd, &st));
	EQ("max_size", st.st_size, max);
	ERR("efbig", ftruncate(fd, max + 1), EFBIG);
	ERR("write_past_max", pwrite(fd, "x", 1, max), EFBIG);
	EQ("read_near_max", pread(fd, back, 10, max - 10), 10);
	EQ("near_max_zero", is_zero(back, 10), 1);
	SYS(ftruncate(fd, 100000));
	close(fd);
	fs_remount("truncate_grow", 0);
	EQ("empty_size", lstat_of("empty").st_size, 1 << 20);
	EQ("empty_blocks", lstat_of("empty").st_blocks, 0);
	EQ("written_size", lstat_of("written").st_size, 100000);
	EQ("written_blocks", lstat_of("written").st_blocks, 16);
	fs_end();
}
