/* O_DIRECT on ext4: aligned reads and writes of 512-byte multiples,
 * misaligned offsets, lengths and buffers (EINVAL), O_DIRECT reads
 * seeing buffered writes and the other way round, extending direct
 * writes, direct reads past the end (short), F_GETFL showing the flag,
 * and F_SETFL turning it off. */
#include "ext4.h"

int main(void)
{
	static char buf[3 * 4096] __attribute__((aligned(4096)));
	static char back[3 * 4096] __attribute__((aligned(4096)));
	fs_begin("odirect");
	int fd = SYS(open("f", O_CREAT | O_RDWR | O_DIRECT, 0644));
	EQ("flag", !!(SYS(fcntl(fd, F_GETFL)) & O_DIRECT), 1);
	fill(buf, sizeof buf, 0, 15);
	EQ("write", write(fd, buf, 8192), 8192);
	EQ("write_512", pwrite(fd, buf + 8192, 512, 8192), 512);
	ERR("misaligned_off", pwrite(fd, buf, 4096, 100), EINVAL);
	ERR("misaligned_len", pwrite(fd, buf, 100, 0), EINVAL);
	ERR("misaligned_buf", pwrite(fd, buf + 1, 4096, 0), EINVAL);
	ERR("misaligned_read", pread(fd, back, 4096, 7), EINVAL);
	EQ("read", pread(fd, back, 8192, 0), 8192);
	EQ("read_ok", memcmp(buf, back, 8192) == 0, 1);
	EQ("read_past_end", pread(fd, back, 4096, 8192), 512);
	EQ("read_at_end", pread(fd, back, 4096, 8704), 0);
	int b = SYS(open("f", O_RDWR));
	EQ("buffered_write", pwrite(b, "BUFFERED", 8, 4096), 8);
	EQ("direct_read", pread(fd, back, 4096, 4096), 4096);
	EQ("direct_sees_buffered", memcmp(back, "BUFFERED", 8) == 0, 1);
	memcpy(buf, "DIRECT!!", 8);
	EQ("direct_write", pwrite(fd, buf, 4096, 0), 4096);
	char small[16];
	EQ("buffered_read", pread(b, small, 8, 0), 8);
	EQ("buffered_sees_direct", memcmp(small, "DIRECT!!", 8) == 0, 1);
	EQ("extend", pwrite(fd, buf, 4096, 5 * 4096), 4096);
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("size", st.st_size, 6 * 4096);
	close(b);
	int fl = SYS(fcntl(fd, F_GETFL));
	SYS(fcntl(fd, F_SETFL, fl & ~O_DIRECT));
	EQ("flag_off", !!(SYS(fcntl(fd, F_GETFL)) & O_DIRECT), 0);
	EQ("unaligned_now", pwrite(fd, "xy", 2, 3), 2);
	close(fd);
	fs_remount("odirect", 0);
	fd = SYS(open("f", O_RDONLY | O_DIRECT));
	EQ("reread", pread(fd, back, 4096, 0), 4096);
	EQ("reread_ok", !memcmp(back, "DIRxyT!!", 8) && !memcmp(back + 8, buf + 8, 4088), 1);
	EQ("hole_read", pread(fd, back, 4096, 3 * 4096), 4096);
	EQ("hole_zero", is_zero(back, 4096), 1);
	close(fd);
	fs_end();
}
