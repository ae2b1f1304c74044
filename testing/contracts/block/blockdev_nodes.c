/* The test disk's device nodes in devtmpfs: block devices with Linux's
 * numbers (virtio-blk 254, 16 minors a disk), partition numbers following
 * GPT entries (entry 3 is empty: no vda3), mode 0600 root:root, size 0. */
#include "contract.h"
#include <sys/stat.h>
#include <sys/sysmacros.h>

static void node(const char *path)
{
	struct stat st;
	SYS(stat(path, &st));
	OUT(path, "%s %u:%u mode %o uid %u gid %u size %lld",
	    S_ISBLK(st.st_mode) ? "blk" : "not-blk", major(st.st_rdev), minor(st.st_rdev),
	    st.st_mode & 07777, st.st_uid, st.st_gid, (long long)st.st_size);
	CHECK(S_ISBLK(st.st_mode));
}

int main(void)
{
	node("/dev/vda");
	node("/dev/vda1");
	node("/dev/vda2");
	node("/dev/vda4");
	struct stat st;
	ERR("vda3", stat("/dev/vda3", &st), ENOENT);
	ERR("vdb", stat("/dev/vdb", &st), ENOENT);
	/* fstat of an open node: the same device number. */
	int fd = SYS(open("/dev/vda2", O_RDONLY));
	SYS(fstat(fd, &st));
	EQ("fstat_rdev_major", major(st.st_rdev), 254);
	EQ("fstat_rdev_minor", minor(st.st_rdev), 2);
	close(fd);
	pass();
}
