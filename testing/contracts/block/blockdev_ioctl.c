/* The block ioctls: sizes, sector and block sizes, the read-only flag
 * (BLKROSET on a partition makes writes EPERM), BLKFLSBUF, BLKRRPART
 * (EINVAL on a partition, EBUSY while a partition is open, then a rescan
 * that keeps the partitions), an ioctl the disk does not know (ENOTTY). */
#include "contract.h"
#include <linux/fs.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

int main(void)
{
	int disk = SYS(open("/dev/vda", O_RDONLY));
	int part = SYS(open("/dev/vda2", O_RDWR));
	uint64_t u64 = 0;
	unsigned long ul = 0;
	int i = 0;
	SYS(ioctl(disk, BLKGETSIZE64, &u64));
	EQ("disk_size64", u64, 32 << 20);
	SYS(ioctl(part, BLKGETSIZE64, &u64));
	EQ("part_size64", u64, 16384LL * 512);
	SYS(ioctl(part, BLKGETSIZE, &ul));
	EQ("part_sectors", ul, 16384);
	SYS(ioctl(part, BLKSSZGET, &i));
	EQ("ssz", i, 512);
	unsigned int pb = 0;
	SYS(ioctl(part, BLKPBSZGET, &pb));
	EQ("pbsz", pb, 512);
	i = 0;
	SYS(ioctl(part, BLKBSZGET, &i));
	EQ("bsz", i, 4096);
	SYS(ioctl(part, BLKROGET, &i));
	EQ("ro", i, 0);
	ERR("tcgets", ioctl(part, 0x5401, &i), ENOTTY);
	SYS(ioctl(part, BLKFLSBUF, 0));

	i = 1;
	SYS(ioctl(part, BLKROSET, &i));
	SYS(ioctl(part, BLKROGET, &i));
	EQ("ro_after_set", i, 1);
	ERR("write_ro", pwrite(part, "x", 1, 0), EPERM);
	SYS(ioctl(disk, BLKROGET, &i));
	EQ("disk_ro_unchanged", i, 0);
	i = 0;
	SYS(ioctl(part, BLKROSET, &i));
	EQ("write_rw_again", pwrite(part, "A", 1, 100), 1);

	ERR("rrpart_on_partition", ioctl(part, BLKRRPART, 0), EINVAL);
	ERR("rrpart_busy", ioctl(disk, BLKRRPART, 0), EBUSY);
	close(part);
	SYS(ioctl(disk, BLKRRPART, 0));
	struct stat st;
	SYS(stat("/dev/vda4", &st));
	OUT("vda4_after_rescan", "%s", S_ISBLK(st.st_mode) ? "blk" : "other");
	part = SYS(open("/dev/vda2", O_RDONLY));
	char buf[8] = {0};
	EQ("read_after_rescan", pread(part, buf, 6, 0), 6);
	STREQ("data_after_rescan", buf, "ARAMID");
	close(part);
	close(disk);
	pass();
}
