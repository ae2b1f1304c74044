/* FALLOC_FL_PUNCH_HOLE: whole blocks are freed (st_blocks drops by
 * exactly them), partial blocks at the edges are zeroed in place, the
 * size never changes, punching past the end and in a hole are no-ops,
 * PUNCH_HOLE without KEEP_SIZE is EOPNOTSUPP; SEEK_HOLE finds the hole. */
#include "ext4.h"
#include <linux/falloc.h>

#define PH (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)

int main(void)
{
	static char buf[65536], back[65536];
	fs_begin("punch_hole");
	int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
	fill(buf, sizeof buf, 0, 6);
	writeall(fd, buf, sizeof buf);
	SYS(fsync(fd));
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("blocks0", st.st_blocks, 128);
	SYS(fallocate(fd, PH, 8192, 8192));
	SYS(fstat(fd, &st));
	EQ("blocks_aligned", st.st_blocks, 112);
	EQ("size", st.st_size, 65536);
	SYS(fallocate(fd, PH, 30000, 10000));
	SYS(fstat(fd, &st));
	EQ("blocks_unaligned", st.st_blocks, 104);
	EQ("read", pread(fd, back, sizeof back, 0), 65536);
	memset(buf + 8192, 0, 8192);
	memset(buf + 30000, 0, 10000);
	EQ("content", memcmp(buf, back, sizeof buf) == 0, 1);
	SYS(fallocate(fd, PH, 100, 50));
	EQ("in_block", pread(fd, back, 200, 0), 200);
	memset(buf + 100, 0, 50);
	EQ("in_block_content", memcmp(buf, back, 200) == 0, 1);
	SYS(fstat(fd, &st));
	EQ("blocks_in_block", st.st_blocks, 104);
	EQ("seek_hole", lseek(fd, 0, SEEK_HOLE), 8192);
	EQ("seek_data", lseek(fd, 8192, SEEK_DATA), 16384);
	SYS(fallocate(fd, PH, 60000, 100000));
	SYS(fstat(fd, &st));
	EQ("size_after_past_end", st.st_size, 65536);
	OUT("blocks_past_end", "%lld", (long long)st.st_blocks);
	SYS(fallocate(fd, PH, 8192, 4096));
	ERR("no_keep_size", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096), EOPNOTSUPP);
	close(fd);
	fs_remount("punch_hole", 0);
	OUT("blocks_remount", "%lld", (long long)lstat_of("f").st_blocks);
	fd = SYS(open("f", O_RDONLY));
	EQ("reread", read(fd, back, sizeof back), 65536);
	memset(buf + 61440, 0, 4096);
	memset(buf + 60000, 0, 5536);
	EQ("content_remount", memcmp(buf, back, sizeof buf) == 0, 1);
	close(fd);
	fs_end();
}
