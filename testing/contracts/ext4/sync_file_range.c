/* sync_file_range on ext4: the flag combinations Linux accepts, unknown
 * flags, negative offsets and lengths (EINVAL), a range past the end,
 * a pipe (ESPIPE), a directory, and the data on disk after a remount. */
#include "ext4.h"

#define W SYNC_FILE_RANGE_WRITE
#define B SYNC_FILE_RANGE_WAIT_BEFORE
#define A SYNC_FILE_RANGE_WAIT_AFTER

int main(void)
{
	char buf[20000], back[20001];
	fs_begin("sync_file_range");
	int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
	fill(buf, sizeof buf, 0, 14);
	writeall(fd, buf, sizeof buf);
	unsigned fl[] = {0, W, B, A, W | A, B | W | A, B | A};
	for (unsigned i = 0; i < sizeof fl / sizeof fl[0]; i++) {
		char k[32];
		snprintf(k, sizeof k, "flags_%u", fl[i]);
		EQ(k, sync_file_range(fd, 0, 4096, fl[i]), 0);
	}
	EQ("whole", sync_file_range(fd, 0, 0, B | W | A), 0);
	EQ("past_end", sync_file_range(fd, 1 << 30, 4096, W), 0);
	ERR("bad_flag", sync_file_range(fd, 0, 10, 8), EINVAL);
	ERR("neg_off", sync_file_range(fd, -1, 10, W), EINVAL);
	ERR("neg_len", sync_file_range(fd, 0, -10, W), EINVAL);
	ERR("wrap", sync_file_range(fd, 0x7fffffffffff0000LL, 0x100000, W), EINVAL);
	close(fd);
	int p[2];
	SYS(pipe(p));
	ERR("pipe", sync_file_range(p[1], 0, 10, W), ESPIPE);
	close(p[0]);
	close(p[1]);
	int d = SYS(open(".", O_RDONLY | O_DIRECTORY));
	EQ("dir", sync_file_range(d, 0, 0, W), 0);
	close(d);
	fd = SYS(open("f", O_RDONLY));
	EQ("rdonly", sync_file_range(fd, 0, 0, W | A), 0);
	close(fd);
	fs_remount("sync_file_range", 0);
	EQ("read", read_file("f", back, sizeof back), (long)sizeof buf);
	EQ("data", memcmp(buf, back, sizeof buf) == 0, 1);
	fs_end();
}
