/* Overwriting parts of a file in place: unaligned spans across block
 * boundaries, single bytes at block edges, the whole file again with
 * other data; size and st_blocks do not change. */
#include "ext4.h"

int main(void)
{
	static char buf[65536], back[65536];
	fs_begin("overwrite");
	int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
	fill(buf, 40000, 0, 3);
	EQ("write", pwrite(fd, buf, 40000, 0), 40000);
	SYS(fsync(fd));
	struct stat st;
	SYS(fstat(fd, &st));
	long long blocks = st.st_blocks;
	long offs[] = {0, 1, 4095, 4096, 8191, 12000, 39999};
	for (unsigned i = 0; i < sizeof offs / sizeof offs[0]; i++) {
		EQ("byte", pwrite(fd, "#", 1, offs[i]), 1);
		buf[offs[i]] = '#';
	}
	char span[9000];
	fill(span, sizeof span, 0, 9);
	EQ("span", pwrite(fd, span, sizeof span, 3000), (long)sizeof span);
	memcpy(buf + 3000, span, sizeof span);
	EQ("read", pread(fd, back, 40000, 0), 40000);
	EQ("same", memcmp(buf, back, 40000) == 0, 1);
	SYS(fstat(fd, &st));
	EQ("size", st.st_size, 40000);
	EQ("blocks_same", st.st_blocks == blocks, 1);
	close(fd);
	fs_remount("overwrite", 0);
	EQ("reread", read_file("f", back, sizeof back), 40000);
	EQ("same_after_remount", memcmp(buf, back, 40000) == 0, 1);
	fs_end();
}
