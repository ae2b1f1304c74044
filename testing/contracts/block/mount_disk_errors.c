/* mount(2) with a disk filesystem type checks its source: a missing path
 * is ENOENT, a character device or a regular file ENOTBLK, a block node
 * on a nodev mount EACCES, a number with no device ENXIO, an unknown type
 * ENODEV, a missing target ENOENT. */
#include "contract.h"
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

int main(void)
{
	SYS(mkdir("mnt", 0755));
	SYS(write_file("file", "x"));
	ERR("missing_source", mount("/dev/nope", "mnt", "ext4", 0, NULL), ENOENT);
	ERR("char_device", mount("/dev/null", "mnt", "ext4", 0, NULL), ENOTBLK);
	ERR("regular_file", mount("file", "mnt", "ext4", 0, NULL), ENOTBLK);
	ERR("directory", mount("/dev", "mnt", "ext4", 0, NULL), ENOTBLK);
	ERR("missing_target", mount("/dev/vda2", "nope", "ext4", 0, NULL), ENOENT);
	ERR("unknown_type", mount("/dev/vda2", "mnt", "nosuchfs", 0, NULL), ENODEV);
	/* The cwd is a nodev tmpfs. */
	SYS(mknod("vda2", S_IFBLK | 0600, makedev(254, 2)));
	ERR("nodev_mount", mount("vda2", "mnt", "ext4", 0, NULL), EACCES);
	/* devtmpfs is not nodev: a node for a partition that does not exist. */
	SYS(mknod("/dev/contract-vda3", S_IFBLK | 0600, makedev(254, 3)));
	ERR("no_device", mount("/dev/contract-vda3", "mnt", "ext4", 0, NULL), ENXIO);
	unlink("/dev/contract-vda3");
	pass();
}
