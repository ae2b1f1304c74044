/* A sparse file past 4 GiB: writes at 5 GiB and across the 4 GiB line
 * (32-bit block and size boundaries), size, st_blocks of the written
 * blocks only, reads of data and of the holes, SEEK_DATA across the
 * gigabytes of hole, and the same after a remount. */
#include "ext4.h"

#define G (1LL << 30)

int main(void)
{
	char b[8192], back[8192];
	fs_begin("big_file");
	int fd = SYS(open("big", O_CREAT | O_RDWR, 0644));
	fill(b, sizeof b, 0, 11);
	EQ("w5g", pwrite(fd, b, 4096, 5 * G), 4096);
	EQ("w4g_cross", pwrite(fd, b, 8192, 4 * G - 4096 - 100), 8192);
	EQ("w2g", pwrite(fd, "2g", 2, 2 * G), 2);
	SYS(fsync(fd));
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("size", st.st_size, 5 * G + 4096);
	EQ("blocks", st.st_blocks, 8 * (1 + 3 + 1));
	EQ("data_from_0", lseek(fd, 0, SEEK_DATA), 2 * G);
	EQ("hole_from_2g", lseek(fd, 2 * G, SEEK_HOLE), 2 * G + 4096);
	EQ("data_from_3g", lseek(fd, 3 * G, SEEK_DATA), 4 * G - 8192);
	EQ("data_from_4g1", lseek(fd, 4 * G + 8192, SEEK_DATA), 5 * G);
	close(fd);
	fs_remount("big_file", 0);
	fd = SYS(open("big", O_RDONLY));
	EQ("r5g", pread(fd, back, 4096, 5 * G), 4096);
	EQ("r5g_ok", check_pattern(back, 4096, 0, 11), 1);
	EQ("r4g", pread(fd, back, 8192, 4 * G - 4096 - 100), 8192);
	EQ("r4g_ok", check_pattern(back, 8192, 0, 11), 1);
	EQ("r_hole", pread(fd, back, 8192, 3 * G), 8192);
	EQ("r_hole_zero", is_zero(back, 8192), 1);
	EQ("r_end", pread(fd, back, 8192, 5 * G + 4000), 96);
	EQ("r_past", pread(fd, back, 10, 6 * G), 0);
	EQ("r2g", pread(fd, back, 4096, 2 * G), 4096);
	EQ("r2g_ok", back[0] == '2' && back[1] == 'g' && is_zero(back + 2, 4094), 1);
	SYS(fstat(fd, &st));
	EQ("blocks_remount", st.st_blocks, 40);
	close(fd);
	fs_end();
}
