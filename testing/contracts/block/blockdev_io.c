/* Reading and writing a partition through its node: the data at its
 * start, lseek bounded by the size (SEEK_END = size, past it EINVAL),
 * reads stopping at the end, ENOSPC at the end and a short write across
 * it, unaligned writes read back, the partition as a window of the disk,
 * fsync. */
#include "contract.h"

#define DATA_START (10240LL * 512)
#define DATA_SIZE (16384LL * 512)

int main(void)
{
	int fd = SYS(open("/dev/vda2", O_RDWR));
	char buf[64] = {0};
	EQ("pread_magic", pread(fd, buf, 22, 0), 22);
	STREQ("magic", buf, "ARAMID-BLOCK-CONTRACT\n");
	EQ("seek_end", lseek(fd, 0, SEEK_END), DATA_SIZE);
	EQ("seek_end_minus", lseek(fd, -512, SEEK_END), DATA_SIZE - 512);
	ERR("seek_past_end", lseek(fd, DATA_SIZE + 1, SEEK_SET), EINVAL);
	ERR("seek_end_plus", lseek(fd, 1, SEEK_END), EINVAL);
	/* Block devices know only SEEK_SET, SEEK_CUR and SEEK_END. */
	ERR("seek_data", lseek(fd, 0, SEEK_DATA), EINVAL);
	ERR("seek_hole", lseek(fd, 5, SEEK_HOLE), EINVAL);
	EQ("pread_at_end", pread(fd, buf, 10, DATA_SIZE), 0);
	EQ("pread_across_end", pread(fd, buf, 64, DATA_SIZE - 10), 10);
	ERR("pwrite_at_end", pwrite(fd, "x", 1, DATA_SIZE), ENOSPC);
	EQ("pwrite_across_end", pwrite(fd, "0123456789abcdef", 16, DATA_SIZE - 6), 6);
	memset(buf, 0, sizeof buf);
	EQ("pread_tail", pread(fd, buf, 6, DATA_SIZE - 6), 6);
	STREQ("tail", buf, "012345");

	/* Unaligned write inside one sector and across two. */
	EQ("pwrite_unaligned", pwrite(fd, "hello, block", 12, 4096 + 506), 12);
	memset(buf, 0, sizeof buf);
	EQ("pread_unaligned", pread(fd, buf, 12, 4096 + 506), 12);
	STREQ("readback", buf, "hello, block");
	SYS(fsync(fd));
	SYS(fdatasync(fd));

	/* The same bytes through the whole disk. */
	int disk = SYS(open("/dev/vda", O_RDONLY));
	memset(buf, 0, sizeof buf);
	EQ("disk_pread", pread(disk, buf, 12, DATA_START + 4096 + 506), 12);
	STREQ("disk_readback", buf, "hello, block");
	EQ("disk_size", lseek(disk, 0, SEEK_END), 32 << 20);
	/* read(2) and write(2) move the position. */
	EQ("seek_set", lseek(fd, 4096 + 506, SEEK_SET), 4096 + 506);
	memset(buf, 0, sizeof buf);
	EQ("read", read(fd, buf, 5), 5);
	STREQ("read_data", buf, "hello");
	EQ("pos_after_read", lseek(fd, 0, SEEK_CUR), 4096 + 511);
	ERR("write_rdonly", write(disk, "x", 1), EBADF);
	close(disk);
	close(fd);
	pass();
}
