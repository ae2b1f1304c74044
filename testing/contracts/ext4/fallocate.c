/* fallocate(2) mode 0 and FALLOC_FL_KEEP_SIZE: blocks are reserved
 * (st_blocks) and read as zeros, the size grows only without KEEP_SIZE,
 * writing into preallocated space keeps st_blocks, a hole later filled by
 * fallocate, and the errors (bad mode, zero length, negative offset, a
 * read-only descriptor, a directory). */
#include "ext4.h"
#include <linux/falloc.h>

static void show(const char *k, int fd)
{
	struct stat st;
	SYS(fstat(fd, &st));
	OUT(k, "size=%lld blocks=%lld", (long long)st.st_size, (long long)st.st_blocks);
}

int main(void)
{
	char back[8192], buf[5000];
	fs_begin("fallocate");
	int fd = SYS(open("pre", O_CREAT | O_RDWR, 0644));
	SYS(fallocate(fd, 0, 0, 1 << 20));
	show("mode0", fd);
	EQ("read", pread(fd, back, sizeof back, 4096), (long)sizeof back);
	EQ("zeros", is_zero(back, sizeof back), 1);
	SYS(fallocate(fd, FALLOC_FL_KEEP_SIZE, 1 << 20, 1 << 20));
	show("keep_size", fd);
	EQ("read_past_size", pread(fd, back, 10, 1 << 20), 0);
	fill(buf, sizeof buf, 0, 4);
	EQ("write_in", pwrite(fd, buf, sizeof buf, 0), (long)sizeof buf);
	show("after_write", fd);
	EQ("readback", pread(fd, back, sizeof back, 0), (long)sizeof back);
	EQ("data", check_pattern(back, sizeof buf, 0, 4), 1);
	EQ("after_zero", is_zero(back + sizeof buf, sizeof back - sizeof buf), 1);
	/* Writing past the size into KEEP_SIZE space. */
	EQ("write_beyond", pwrite(fd, "Z", 1, (1 << 20) + 4096), 1);
	show("beyond", fd);
	SYS(fallocate(fd, 0, 100, 10));
	show("inside_noop", fd);
	close(fd);
	fd = SYS(open("holey", O_CREAT | O_RDWR, 0644));
	EQ("w1", pwrite(fd, "a", 1, 0), 1);
	EQ("w2", pwrite(fd, "b", 1, 65536), 1);
	SYS(fsync(fd));
	show("holey", fd);
	SYS(fallocate(fd, 0, 4096, 65536 - 4096));
	show("filled", fd);
	EQ("still_zero", pread(fd, back, 4096, 8192), 4096);
	EQ("filled_zero", is_zero(back, 4096), 1);
	ERR("bad_mode", fallocate(fd, 0x1000, 0, 4096), EOPNOTSUPP);
	ERR("zero_len", fallocate(fd, 0, 0, 0), EINVAL);
	ERR("neg_off", fallocate(fd, 0, -1, 10), EINVAL);
	close(fd);
	fd = SYS(open("holey", O_RDONLY));
	ERR("rdonly", fallocate(fd, 0, 0, 4096), EBADF);
	close(fd);
	fd = SYS(open(".", O_RDONLY | O_DIRECTORY));
	ERR("dir", fallocate(fd, 0, 0, 4096), EBADF);
	close(fd);
	fs_remount("fallocate", 0);
	/* st_blocks here counts an extent leaf or not, by how the
	 * unwritten extents were split: only the size is printed. */
	EQ("pre_remount_size", lstat_of("pre").st_size, (1 << 20) + 4097);
	fd = SYS(open("holey", O_RDONLY));
	show("holey_remount", fd);
	close(fd);
	fs_end();
}
