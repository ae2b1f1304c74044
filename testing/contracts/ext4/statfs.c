/* statfs and fstatfs on ext4: type, block size, total blocks and inodes
 * (what mke2fs made, less ext4's overhead), name length, fsid (from the
 * UUID), mount flags; the free counts move by exactly a file's blocks
 * and inode; a read-only remount shows ST_RDONLY. */
#include "ext4.h"
#include <sys/statvfs.h>

int main(void)
{
	static char buf[1 << 20];
	fs_begin("statfs");
	sync();
	struct statfs s0, s1;
	SYS(statfs(".", &s0));
	OUT("type", "%#lx", (unsigned long)s0.f_type);
	EQ("bsize", s0.f_bsize, 4096);
	EQ("frsize", s0.f_frsize, 4096);
	OUT("blocks", "%llu", (unsigned long long)s0.f_blocks);
	OUT("files", "%llu", (unsigned long long)s0.f_files);
	EQ("namelen", s0.f_namelen, 255);
	OUT("fsid", "%08x %08x", (unsigned)s0.f_fsid.__val[0], (unsigned)s0.f_fsid.__val[1]);
	OUT("flags", "%#lx", (unsigned long)s0.f_flags);
	OUT("reserved", "%llu", (unsigned long long)(s0.f_bfree - s0.f_bavail));
	int fd = SYS(open("f", O_CREAT | O_WRONLY, 0644));
	fill(buf, sizeof buf, 0, 1);
	writeall(fd, buf, sizeof buf);
	SYS(fsync(fd));
	SYS(fstatfs(fd, &s1));
	close(fd);
	EQ("used_blocks", (long long)(s0.f_bfree - s1.f_bfree), 256);
	EQ("used_inodes", (long long)(s0.f_ffree - s1.f_ffree), 1);
	EQ("avail_follows", (long long)(s0.f_bavail - s1.f_bavail), 256);
	struct statvfs sv;
	SYS(statvfs(".", &sv));
	EQ("statvfs_blocks", sv.f_blocks == s1.f_blocks, 1);
	SYS(unlink("f"));
	fs_remount("statfs", MS_RDONLY);
	SYS(statfs(".", &s1));
	OUT("ro_flags", "%#lx", (unsigned long)s1.f_flags);
	EQ("freed", (long long)(s0.f_bfree - s1.f_bfree), 0);
	ERR("ro_create", open("g", O_CREAT | O_WRONLY, 0644), EROFS);
	fs_end();
}
