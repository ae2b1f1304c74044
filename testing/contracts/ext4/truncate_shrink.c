/* Truncating down: the size, st_blocks of what is left, the tail of a
 * partial last block zeroed when the file grows again, ftruncate through
 * a read-only descriptor (EINVAL), a negative length, and the result
 * after a remount. */
#include "ext4.h"

int main(void)
{
	static char buf[65536], back[65536];
	fs_begin("truncate_shrink");
	int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
	fill(buf, 65536, 0, 7);
	writeall(fd, buf, 65536);
	SYS(fsync(fd));
	long lens[] = {40000, 16384, 5000, 4096, 1};
	for (unsigned i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		SYS(ftruncate(fd, lens[i]));
		struct stat st;
		SYS(fstat(fd, &st));
		OUT("after", "len=%ld size=%lld blocks=%lld", lens[i], (long long)st.st_size,
		    (long long)st.st_blocks);
		EQ("read", pread(fd, back, sizeof back, 0), lens[i]);
		CHECK(check_pattern(back, lens[i], 0, 7));
	}
	SYS(ftruncate(fd, 10000));
	EQ("regrow_read", pread(fd, back, sizeof back, 0), 10000);
	EQ("first_byte", check_pattern(back, 1, 0, 7), 1);
	EQ("rest_zero", is_zero(back + 1, 9999), 1);
	SYS(ftruncate(fd, 3000));
	SYS(ftruncate(fd, 0));
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("empty_blocks", st.st_blocks, 0);
	EQ("pos_kept", lseek(fd, 0, SEEK_CUR), 65536);
	EQ("pwrite", pwrite(fd, buf, 9000, 0), 9000);
	close(fd);
	SYS(truncate("f", 6000));
	fd = SYS(open("f", O_RDONLY));
	ERR("rdonly", ftruncate(fd, 0), EINVAL);
	close(fd);
	ERR("negative", truncate("f", -1), EINVAL);
	ERR("dir", truncate(".", 0), EISDIR);
	fs_remount("truncate_shrink", 0);
	EQ("size", lstat_of("f").st_size, 6000);
	EQ("blocks", lstat_of("f").st_blocks, 16);
	fd = SYS(open("f", O_RDONLY));
	EQ("reread", read(fd, back, sizeof back), 6000);
	close(fd);
	EQ("content", check_pattern(back, 6000, 0, 7), 1);
	fs_end();
}
