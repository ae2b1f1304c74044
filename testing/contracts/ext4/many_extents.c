/* A file of many extents: every other block of 8 MiB written (1,024
 * extents, an extent tree of index and leaf blocks), read back with the
 * holes, then the holes filled and blocks punched and truncated away
 * again; contents after a remount, SEEK_DATA/SEEK_HOLE on the pattern. */
#include "ext4.h"
#include <linux/falloc.h>

#define NB 2048

int main(void)
{
	static char b[4096], back[4096];
	fs_begin("many_extents");
	int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
	for (int i = 0; i < NB; i += 2) {
		fill(b, sizeof b, (uint64_t)i * 4096, 16);
		if (pwrite(fd, b, 4096, (off_t)i * 4096) != 4096)
			fail("pwrite %d: %s", i, errname(errno));
	}
	SYS(fsync(fd));
	EQ("hole_at", lseek(fd, 0, SEEK_HOLE), 4096);
	EQ("data_at", lseek(fd, 4096, SEEK_DATA), 8192);
	EQ("hole_late", lseek(fd, 1000 * 4096, SEEK_HOLE), 1001 * 4096);
	close(fd);
	fs_remount("many_extents", 0);
	fd = SYS(open("f", O_RDWR));
	int ok = 1;
	for (int i = 0; i < NB; i++) {
		if (pread(fd, back, 4096, (off_t)i * 4096) != (i == NB - 1 ? 0 : 4096))
			fail("pread %d", i);
		if (i == NB - 1)
			break;
		ok &= i % 2 ? is_zero(back, 4096) : check_pattern(back, 4096, (uint64_t)i * 4096, 16);
	}
	EQ("pattern", ok, 1);
	for (int i = 1; i < NB; i += 4) {
		fill(b, sizeof b, (uint64_t)i * 4096, 16);
		if (pwrite(fd, b, 4096, (off_t)i * 4096) != 4096)
			fail("pwrite %d: %s", i, errname(errno));
	}
	SYS(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100 * 4096, 300 * 4096));
	SYS(ftruncate(fd, 1500 * 4096 + 10));
	SYS(fsync(fd));
	close(fd);
	fs_remount("many_extents", 0);
	fd = SYS(open("f", O_RDONLY));
	ok = 1;
	for (int i = 0; i <= 1500; i++) {
		ssize_t want = i == 1500 ? 10 : 4096;
		if (pread(fd, back, 4096, (off_t)i * 4096) != want)
			fail("pread2 %d", i);
		int data = (i % 2 == 0 || i % 4 == 1) && (i < 100 || i >= 400);
		ok &= data ? check_pattern(back, want, (uint64_t)i * 4096, 16) : is_zero(back, want);
	}
	EQ("pattern_after", ok, 1);
	OUT("size", "%lld", (long long)lstat_of("f").st_size);
	close(fd);
	fs_end();
}
