/* statfs reports the filesystem magic numbers systemd checks. */
#include "contract.h"
#include <sys/statfs.h>

static void magic(const char *key, const char *path, unsigned long want)
{
	struct statfs s;
	if (statfs(path, &s) < 0)
		fail("statfs %s: %s", path, errname(errno));
	OUT(key, "%#lx", (unsigned long)s.f_type);
	if ((unsigned long)s.f_type != want)
		fail("%s magic %#lx, want %#lx", path, (unsigned long)s.f_type, want);
}

int main(void)
{
	magic("tmp", "/tmp", 0x01021994);
	magic("proc", "/proc", 0x9fa0);
	magic("sys", "/sys", 0x62656572);
	magic("dev", "/dev", 0x01021994);
	magic("devpts", "/dev/pts", 0x1cd1);
	struct statfs s;
	SYS(statfs("/tmp", &s));
	EQ("bsize", s.f_bsize, 4096);
	EQ("namelen", s.f_namelen, 255);
	int fd = SYS(open("/proc", O_RDONLY));
	SYS(fstatfs(fd, &s));
	OUT("fstatfs_proc", "%#lx", (unsigned long)s.f_type);
	ERR("missing", statfs("/nope", &s), ENOENT);
	pass();
}
