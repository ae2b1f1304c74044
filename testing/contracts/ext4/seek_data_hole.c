/* lseek SEEK_DATA and SEEK_HOLE over written blocks, holes, the end of
 * the file and past it (ENXIO), on a file with holes at both ends and
 * one that is all hole; st_blocks counts only written blocks. */
#include "ext4.h"

int main(void)
{
	char b[4096];
	fs_begin("seek_data_hole");
	int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
	fill(b, sizeof b, 0, 8);
	EQ("w1", pwrite(fd, b, 4096, 4 * 4096), 4096);
	EQ("w2", pwrite(fd, b, 100, 5 * 4096), 100);
	EQ("w3", pwrite(fd, b, 4096, 20 * 4096), 4096);
	SYS(ftruncate(fd, 30 * 4096));
	SYS(fsync(fd));
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("blocks", st.st_blocks, 24);
	long long offs[] = {0, 4 * 4096, 4 * 4096 + 5, 6 * 4096, 20 * 4096 + 4095, 21 * 4096, 30 * 4096 - 1};
	for (unsigned i = 0; i < sizeof offs / sizeof offs[0]; i++) {
		errno = 0;
		long long d = lseek(fd, offs[i], SEEK_DATA);
		const char *de = d < 0 ? errname(errno) : "ok";
		errno = 0;
		long long h = lseek(fd, offs[i], SEEK_HOLE);
		const char *he = h < 0 ? errname(errno) : "ok";
		OUT("seek", "off=%lld data=%lld/%s hole=%lld/%s", offs[i], d, de, h, he);
	}
	ERR("data_at_end", lseek(fd, 30 * 4096, SEEK_DATA), ENXIO);
	ERR("hole_at_end", lseek(fd, 30 * 4096, SEEK_HOLE), ENXIO);
	ERR("data_negative", lseek(fd, -1, SEEK_DATA), ENXIO);
	close(fd);
	fd = SYS(open("allhole", O_CREAT | O_RDWR, 0644));
	SYS(ftruncate(fd, 1 << 20));
	ERR("allhole_data", lseek(fd, 0, SEEK_DATA), ENXIO);
	EQ("allhole_hole", lseek(fd, 0, SEEK_HOLE), 0);
	close(fd);
	fd = SYS(open("empty", O_CREAT | O_RDWR, 0644));
	ERR("empty_data", lseek(fd, 0, SEEK_DATA), ENXIO);
	ERR("empty_hole", lseek(fd, 0, SEEK_HOLE), ENXIO);
	close(fd);
	fs_end();
}
