/* /dev/null, /dev/zero, /dev/full, /dev/urandom behave as documented and
 * carry the standard device numbers. */
#include "contract.h"
#include <sys/sysmacros.h>

static void dev(const char *key, const char *path, unsigned maj, unsigned min)
{
	struct stat st;
	if (stat(path, &st) < 0)
		fail("%s: %s", path, errname(errno));
	OUT(key, "chr=%d %u:%u", S_ISCHR(st.st_mode), major(st.st_rdev), minor(st.st_rdev));
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != maj || minor(st.st_rdev) != min)
		fail("%s numbers", path);
}

int main(void)
{
	dev("null", "/dev/null", 1, 3);
	dev("zero", "/dev/zero", 1, 5);
	dev("full", "/dev/full", 1, 7);
	dev("random", "/dev/random", 1, 8);
	dev("urandom", "/dev/urandom", 1, 9);
	dev("tty", "/dev/tty", 5, 0);
	dev("console", "/dev/console", 5, 1);
	dev("ptmx", "/dev/ptmx", 5, 2);
	int n = SYS(open("/dev/null", O_RDWR));
	char buf[64];
	EQ("null_write", write(n, "abc", 3), 3);
	EQ("null_read", read(n, buf, sizeof buf), 0);
	int z = SYS(open("/dev/zero", O_RDONLY));
	memset(buf, 1, sizeof buf);
	EQ("zero_read", read(z, buf, sizeof buf), 64);
	EQ("zero_bytes", buf[0] + buf[63], 0);
	int f = SYS(open("/dev/full", O_WRONLY));
	ERR("full_write", write(f, "x", 1), ENOSPC);
	int u = SYS(open("/dev/urandom", O_RDONLY));
	EQ("urandom_read", read(u, buf, sizeof buf), 64);
	EQ("getrandom", syscall(SYS_getrandom, buf, 32, 0), 32);
	ERR("getrandom_badflags", syscall(SYS_getrandom, buf, 32, 0x100), EINVAL);
	pass();
}
